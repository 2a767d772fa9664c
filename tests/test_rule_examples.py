"""Every rule's VALID and INVALID examples, run through the whole pipeline.

An INVALID example must produce exactly one finding of its rule, a VALID one
none. The same examples are what `mixlint explain` prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mixlint.checks import all_rules
from mixlint.config import Config
from tests.helpers import findings_of, run, write_project

CASES = [
    pytest.param(rule, kind, index, source, id=f"{rule.id}-{kind}-{index}")
    for rule in all_rules()
    for kind, examples in (("invalid", rule.invalid), ("valid", rule.valid))
    for index, source in enumerate(examples)
]


@pytest.mark.parametrize(("rule", "kind", "index", "source"), CASES)
def test_example(tmp_path: Path, rule: type, kind: str, index: int, source: str) -> None:
    root = write_project(tmp_path, {"example.py": source})
    # MX002 judges the suppressions of the other rules, so they must run too.
    config = Config() if rule.id == "MX002" else Config(select={rule.id})
    found = findings_of(run(root, config), rule.id)
    expected = 1 if kind == "invalid" else 0
    assert len(found) == expected, [f"{f.span.start_line}: {f.message}" for f in found]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_is_documented(rule: type) -> None:
    assert rule.id and rule.name and rule.summary and rule.why and rule.fix
    assert "Art." in rule.why, "the rationale cites the GDPR article it serves"
    assert len(rule.invalid) >= 5 and len(rule.valid) >= 5
