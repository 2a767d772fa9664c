"""The example app shows every rule, and its complete findings are pinned.

The expected findings are the table in ``examples/shop/EXPECTED.md``, written
by hand from the code: any change in what mixlint reports there is seen.
"""

from __future__ import annotations

import re
from pathlib import Path

from mixlint.checks import all_rules
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
