"""Every rule with a fix, on each of its INVALID examples: ``--fix --unsafe-fixes`` makes
code that parses, the finding is gone, no other finding appears, and fixing again
changes nothing.

The unsafe fixes that need a decision get it from the configuration (a pseudonymisation
key, a consent predicate in call form), as a project would give it. The few examples no
fix can resolve are listed with the reason.
"""

from __future__ import annotations

import ast
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from mixlint.checks import all_rules
from mixlint.checks.base import Rule
from mixlint.config import Config, ConsentConfig
from mixlint.engine import Result, check
from mixlint.fix.files import fix_rounds
from mixlint.model import Applicability
from mixlint.run import analyse
from tests.helpers import write_project

# (rule, index of the INVALID example): why no fix is offered.
UNFIXABLE = {
    ("MX101", 8): "the fields of an object sent whole: what to send instead is a decision",
    ("MX201", 7): "module-level code has no user whose consent a predicate could check",
    ("MX201", 9): "a CLI's consent is its own setting: the configured predicates need a user",
    ("MX201", 10): "the bot's handler has a member, not the user the predicates check",
    ("MX301", 6): "flask_mixpanel adds the IP itself: only replacing the library helps",
    ("MX401", 5): "mixpanel-celery always sends plain HTTP: only replacing it helps",
    ("MX402", 3): "alias() always goes to the US host, whatever the consumer",
}

FIXABLE_RULES = [rule for rule in all_rules() if rule.autofix]
CASES = [
    pytest.param(rule, index, id=f"{rule.id}-invalid-{index}")
    for rule in FIXABLE_RULES
    for index in range(len(rule.invalid))
]


def project_config() -> Config:
    return Config(
        pseudonymisation_key="django.conf:settings.ANALYTICS_PEPPER",
        consent=ConsentConfig(
            predicates=["has_analytics_consent"],
            guards=[
                "app.consent:has_analytics_consent(user)",
                "app.consent:has_analytics_consent(request.user)",
            ],
        ),
    )


def run(root: Path, config: Config) -> Result:
    return check(analyse([root], config), config)


def counts(result: Result) -> Counter[tuple[str, str]]:
    """Unsuppressed findings by rule and message (lines move when imports are added)."""
    return Counter((f.rule_id, f.message) for f in result.findings if f.suppressed is None)


@pytest.mark.parametrize(("rule", "index"), CASES)
def test_fix_resolves_the_example(tmp_path: Path, rule: type[Rule], index: int) -> None:
    root = write_project(tmp_path, {"example.py": rule.invalid[index]})
    config = project_config()
    before = run(root, config)
    found = [f for f in before.findings if f.rule_id == rule.id and f.suppressed is None]
    assert len(found) == 1
    if (rule.id, index) in UNFIXABLE:
        assert found[0].fix is None
        return
    fix = found[0].fix
    assert fix is not None and fix.applicability is rule.autofix_safety

    # --fix --unsafe-fixes, as the command line runs it: fix, write, check again.
    after, fixed = fix_rounds(
        root, before, lambda: run(root, config), unsafe=True, warn=pytest.fail
    )
    source = (root / "example.py").read_text(encoding="utf-8")
    ast.parse(source)
    assert source != textwrap.dedent(rule.invalid[index]).lstrip("\n")
    # Fixed: this finding, and those of other rules that the same fixes resolve.
    assert fixed >= 1
    resolved = counts(before) - counts(after)
    assert (rule.id, found[0].message) in resolved
    assert counts(after) - counts(before) == Counter(), "the fix made a new finding"
    assert sum(resolved.values()) == fixed

    # Idempotent: a second --fix finds nothing to fix and writes nothing.
    again, fixed_again = fix_rounds(
        root, after, lambda: run(root, config), unsafe=True, warn=pytest.fail
    )
    assert fixed_again == 0
    assert (root / "example.py").read_text(encoding="utf-8") == source
    assert counts(again) == counts(after)


def test_every_unfixable_example_is_listed_and_exists() -> None:
    """The list above stays honest: each entry names an INVALID example of a fixable rule."""
    rules = {rule.id: rule for rule in FIXABLE_RULES}
    for rule_id, index in UNFIXABLE:
        assert rule_id in rules and index < len(rules[rule_id].invalid)


@pytest.mark.parametrize("rule", FIXABLE_RULES, ids=lambda rule: rule.id)
def test_safe_fixes_need_no_configuration(tmp_path: Path, rule: type[Rule]) -> None:
    """A safe fix is offered with the default configuration on its examples; an unsafe
    fix that needs a decision (MX103, MX106, MX201) is not offered without it."""
    offered = 0
    for index, example in enumerate(rule.invalid):
        root = write_project(tmp_path / str(index), {"example.py": example})
        result = run(root, Config())
        offered += sum(1 for f in result.findings if f.rule_id == rule.id and f.fix is not None)
    needs_config = {"MX103", "MX106", "MX201"}
    if rule.id in needs_config:
        assert offered == 0
    else:
        assert offered == len(rule.invalid) - sum(1 for key in UNFIXABLE if key[0] == rule.id)
    assert (rule.autofix_safety is Applicability.SAFE) == (rule.id in {"MX002", "MX401"})
