"""The same project laid out as Python allows finds the same calls and findings.

Python (and mypy, Pyright) import a project's modules whether its folders have an
``__init__.py`` or not (PEP 420 namespace packages), whether the repository root is
a package too, and from a ``src/`` layout. Each project under ``tests/fixtures`` and
the example app are copied three ways: every empty ``__init__.py`` deleted, an
``__init__.py`` added to the root, and every file but the packaging ones moved under
``src/``. The copy's inventory and findings are the original's, apart from the
``src/`` in front of its paths; and nothing is left unresolved.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from mixlint.checks import all_rules
from mixlint.config import Config, find_config, load_config
from mixlint.engine import check
from mixlint.model import ProjectModel
from mixlint.run import analyse

HERE = Path(__file__).parent
FIXTURES = sorted(path.parent for path in (HERE / "fixtures").glob("*/expected.yaml"))
PROJECTS = [*FIXTURES, HERE.parent / "examples" / "shop"]
# What stays in the root of a project moved under src/: packaging and configuration.
KEPT_IN_ROOT = {"pyproject.toml", "setup.cfg", ".mixlint.yaml", "mixlint-baseline.json"}
LAYOUTS = ("namespace", "root-package", "src")


def laid_out(project: Path, layout: str, target: Path) -> tuple[Path, str]:
    """A copy of ``project`` in ``layout``, and the prefix its paths gain."""
    shutil.copytree(project, target, ignore=shutil.ignore_patterns(".mixlint_cache"))
    if layout == "namespace":
        for init in target.rglob("__init__.py"):
            if not init.read_text(encoding="utf-8").strip():
                init.unlink()
        return target, ""
    if layout == "root-package":
        (target / "__init__.py").write_text("", encoding="utf-8")
        return target, ""
    moving = target / "src.moving"  # a project may have a src/ of its own already
    moving.mkdir()
    for entry in list(target.iterdir()):
        if entry.name not in KEPT_IN_ROOT and entry != moving:
            entry.rename(moving / entry.name)
    moving.rename(target / "src")
    return target, "src/"


def observed(root: Path, prefix: str) -> dict[str, Any]:
    """The inventory and findings of the project at ``root``, paths without ``prefix``."""
    location = find_config([root])
    config = load_config(location, [rule.id for rule in all_rules()]) if location else Config()
    model = analyse([root], config)
    result = check(model, config)

    def path(text: str) -> str:
        assert text.startswith(prefix), text
        return text[len(prefix) :]

    # Messages name other files where they explain a finding ("set without consent in
    # `connect()`, app/telemetry.py:12"): those paths gain the prefix too.
    files = sorted(model.files, key=len, reverse=True) if prefix else []

    def named(text: str) -> str:
        for file in files:
            text = text.replace(file, path(file))
        return text

    return {
        "calls": sorted(_call(call, path, named) for call in model.calls),
        "findings": [
            (f.rule_id, path(f.path), f.span.start_line, f.span.start_col, named(f.message))
            for f in result.findings
        ],
        "unresolved": _unresolved(model),
    }


def _call(call: Any, path: Any, named: Any) -> tuple[Any, ...]:
    def sent(part: Any) -> tuple[Any, ...]:
        if part is None:
            return ()
        return (
            tuple((p.key, p.value.text, p.key_span) for p in part.properties),
            tuple(expr.text for expr in part.opaque),
        )

    file, _, function = call.function.partition("::")
    return (
        path(call.path),
        call.span,
        call.kind,
        call.method,
        call.wrapper_chain,
        f"{path(file)}::{function}",
        call.event.text if call.event is not None else None,
        tuple(expr.text for expr in call.distinct_ids),
        sent(call.properties),
        sent(call.meta),
        sent(call.context),
        call.resolution.value,
        call.guarded,
        named(call.guard_reason),
        tuple(path(via) for via in call.via),
    )


def _unresolved(model: ProjectModel) -> list[tuple[str, int, str]]:
    return [(item.path, item.line, item.module) for item in model.unresolved]


@pytest.fixture(scope="module")
def originals() -> dict[Path, dict[str, Any]]:
    """Each original's inventory and findings, worked out once for its three layouts."""
    return {}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_same_calls_and_findings_in_any_layout(
    project: Path, layout: str, tmp_path: Path, originals: dict[Path, dict[str, Any]]
) -> None:
    if project not in originals:
        originals[project] = observed(project, "")
    original = originals[project]
    assert original["unresolved"] == []
    copy, prefix = laid_out(project, layout, tmp_path / project.name)
    assert observed(copy, prefix) == original
