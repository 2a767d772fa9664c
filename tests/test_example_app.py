"""The example app shows every rule, and its complete findings are pinned.

The expected findings are the table in ``examples/shop/EXPECTED.md``, written
by hand from the code: any change in what mixlint reports there is seen.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from mixlint.checks import all_rules
from mixlint.cli import main
from mixlint.config import Config
from tests.helpers import findings_of, run

EXAMPLE = Path(__file__).parent.parent / "examples" / "shop"
ROW = re.compile(r"^\| \d+ \| (MX\d{3}) \| ([\w/.]+) \| (\d+) \|")


def expected() -> list[tuple[str, str, int]]:
    rows = []
    for line in (EXAMPLE / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows.append((match.group(1), match.group(2), int(match.group(3))))
    return rows


def test_example_findings_are_exactly_the_documented_ones() -> None:
    found = [(f.rule_id, f.path, f.span.start_line) for f in findings_of(run(EXAMPLE, Config()))]
    assert found == expected()


def test_example_shows_every_rule() -> None:
    assert {rule for rule, _, _ in expected()} == {rule.id for rule in all_rules()}


# The configuration the README's "Fixes" section runs the example app with.
FIX_CONFIG = """
[tool.mixlint]
pseudonymisation-key = "django.conf:settings.ANALYTICS_PSEUDONYM_KEY.encode()"

[tool.mixlint.consent]
predicates = ["shop.analytics:has_analytics_consent(request.user)"]
"""


def test_fix_on_the_example_app_removes_every_finding_it_claims_to_fix(tmp_path: Path) -> None:
    """The README's before/after counts: --fix --unsafe-fixes fixes 18 of the 24 findings,
    each of them is gone on the next check, and none appears in their place."""
    app = tmp_path / "shop"
    shutil.copytree(EXAMPLE, app)
    with (app / "pyproject.toml").open("a", encoding="utf-8") as pyproject:
        pyproject.write(FIX_CONFIG)
    before = Counter((f.rule_id, f.message) for f in findings_of(run(app, Config())))
    result = CliRunner().invoke(main, ["check", str(app), "--no-cache", "--fix", "--unsafe-fixes"])
    assert result.exit_code == 1 and result.stderr == ""
    assert result.stdout.splitlines()[-2:] == [
        "Found 24 findings: 18 fixed, 6 remaining (1 error, 4 warnings, 1 note) in 5 files.",
        "By rule: MX001 (1), MX105 (2), MX302 (1), MX402 (1), MX501 (1).",
    ]
    after = Counter((f.rule_id, f.message) for f in findings_of(run(app, Config())))
    assert after <= before and sum((before - after).values()) == 18
    # Only the safe fixes: MX002 and MX401.
    shutil.rmtree(app)
    shutil.copytree(EXAMPLE, app)
    result = CliRunner().invoke(main, ["check", str(app), "--no-cache", "--fix"])
    assert result.stdout.splitlines()[-3] == (
        "Found 24 findings: 2 fixed, 22 remaining (15 errors, 5 warnings, 2 notes) in 6 files."
    )
    readme = (EXAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert FIX_CONFIG.strip() in readme
    assert "Found 24 findings: 18 fixed, 6 remaining" in readme
