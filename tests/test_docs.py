"""docs/rules/MXnnn.md are generated from the rule units and must stay in sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixlint.checks import all_rules
from mixlint.docs import rule_markdown

DOCS = Path(__file__).parent.parent / "docs" / "rules"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_doc_in_sync(rule: type) -> None:
    path = DOCS / f"{rule.id}.md"
    assert path.is_file(), f"run `python -m mixlint.docs` to write {path.name}"
    assert path.read_text(encoding="utf-8") == rule_markdown(rule), (
        f"{path.name} is stale: run `python -m mixlint.docs`"
    )


def test_no_doc_without_rule() -> None:
    ids = {rule.id for rule in all_rules()}
    assert {p.stem for p in DOCS.glob("MX*.md")} <= ids
