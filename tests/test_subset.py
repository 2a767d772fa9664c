"""A run on some files reports exactly what a full run reports for those files.

This is how pre-commit calls mixlint: with the staged files only. The project
around them is still read for context (clients, wrappers, consent at callers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mixlint.config import Config
from tests.helpers import run

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).parent.parent / "examples" / "shop"


def located(findings: list) -> list[tuple[str, str, int, int, str]]:
    return [(f.rule_id, f.path, f.span.start_line, f.span.start_col, f.message) for f in findings]


@pytest.mark.parametrize(
    ("project", "subset"),
    [
        (FIXTURES / "django_app", ["accounts/views.py", "analytics/events.py"]),
        (FIXTURES / "celery_worker", ["worker/billing.py"]),
        (FIXTURES / "flask_app", ["app/views.py"]),
        (EXAMPLE, ["accounts/views.py", "orders/tasks.py"]),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else "+".join(value),
)
def test_subset_equals_full_run(project: Path, subset: list[str]) -> None:
    for name in subset:
        assert (project / name).is_file(), name
    full = run(project, Config())
    expected = [f for f in full.findings if f.path in subset]
    partial = run(project, Config(), paths=[project / name for name in subset])
    assert expected, "the subset must have findings for this test to mean something"
    assert located(partial.findings) == located(expected)


def test_subset_of_a_folder(tmp_path: Path) -> None:
    project = FIXTURES / "django_app"
    full = run(project, Config())
    folder = "analytics"
    expected = [f for f in full.findings if f.path.startswith(folder + "/")]
    partial = run(project, Config(), paths=[project / folder])
    assert located(partial.findings) == located(expected)
