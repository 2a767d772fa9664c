#!/usr/bin/env python3
"""Precision and recall of mixlint and of the semgrep peer rules, side by side.

    python benchmarks/accuracy.py [--semgrep PATH] [--rules PATH]

The ground truth is ``examples/shop/EXPECTED.md``: every finding the example
app must produce, written by hand from its code before mixlint could run on it.
The peer is ``../shared/peers/semgrep-mixpanel.yml``, the semgrep rules a user
would write instead of mixlint. Each semgrep rule is compared with the mixlint
rules that answer the same question; semgrep reports a whole call, so one of
its results counts as a hit for every expected finding on the lines of that call.
``benchmarks/bench.py`` installs semgrep into its own virtual environment; pass
its path with ``--semgrep`` (default: the one bench.py makes, then ``semgrep``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import DEFAULT_RULES

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "shop"
BENCH_SEMGREP = Path(os.environ.get("MIXLINT_BENCH_DIR", "/tmp/mixlint-bench")) / (
    "peers-venv/bin/semgrep"
)
ROW = re.compile(r"^\| \d+ \| (MX\d{3}) \| ([\w/.]+) \| (\d+) \|")

# question -> (mixlint rules, semgrep rule ids)
FAMILIES = {
    "personal data in properties": ({"MX101", "MX102", "MX104"}, {"mixpanel-pii-property-key"}),
    "personal distinct_id": ({"MX103", "MX106"}, {"mixpanel-pii-distinct-id"}),
    "missing consent check": ({"MX201"}, {"mixpanel-track-without-consent"}),
    "client IP reaches Mixpanel": ({"MX301", "MX302"}, {"mixpanel-people-without-ip-suppression"}),
}


@dataclass(frozen=True)
class Hit:
    rule: str
    path: str
    start: int
    end: int


def ground_truth() -> list[Hit]:
    hits = []
    for line in (EXAMPLE / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            number = int(match.group(3))
            hits.append(Hit(match.group(1), match.group(2), number, number))
    return hits


def mixlint_hits() -> list[Hit]:
    output = subprocess.run(
        [sys.executable, "-m", "mixlint.cli", "check", str(EXAMPLE), "--format", "json",
         "--no-cache"],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return [
        Hit(f["rule"], f["path"], f["start_line"], f["start_line"])
        for f in json.loads(output)["findings"]
        if f.get("suppressed") in (None, False)
    ]


def semgrep_hits(semgrep: str, rules: Path) -> list[Hit]:
    output = subprocess.run(
        [semgrep, "--metrics=off", "--disable-version-check", "--quiet", "--json",
         "--config", str(rules), "."],
        cwd=EXAMPLE, capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return [
        Hit(r["check_id"].rsplit(".", 1)[-1], r["path"], r["start"]["line"], r["end"]["line"])
        for r in json.loads(output)["results"]
    ]


def score(expected: list[Hit], found: list[Hit]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives), matching by file and lines."""
    covered = {e for e in expected if any(f.path == e.path and f.start <= e.start <= f.end
                                          for f in found)}  # fmt: skip
    useless = [f for f in found if not any(f.path == e.path and f.start <= e.start <= f.end
                                           for e in expected)]  # fmt: skip
    return len(covered), len(useless), len(expected) - len(covered)


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "–"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--semgrep", default=None, help="the semgrep executable")
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="semgrep rules file")
    args = parser.parse_args()
    semgrep = args.semgrep or (str(BENCH_SEMGREP) if BENCH_SEMGREP.exists() else None)
    semgrep = semgrep or shutil.which("semgrep")
    if semgrep is None or not args.rules.is_file():
        print("semgrep or its rules not found: run benchmarks/bench.py once, or pass --semgrep")
        return 2
    truth, ours, theirs = ground_truth(), mixlint_hits(), semgrep_hits(semgrep, args.rules)
    print(
        "| question | expected | mixlint TP/FP/FN | precision | recall "
        "| semgrep TP/FP/FN | precision | recall |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for question, (our_rules, their_rules) in FAMILIES.items():
        expected = [h for h in truth if h.rule in our_rules]
        mine = score(expected, [h for h in ours if h.rule in our_rules])
        peer = score(expected, [h for h in theirs if h.rule in their_rules])
        print(
            f"| {question} | {len(expected)} "
            f"| {mine[0]}/{mine[1]}/{mine[2]} | {ratio(mine[0], mine[0] + mine[1])} "
            f"| {ratio(mine[0], len(expected))} "
            f"| {peer[0]}/{peer[1]}/{peer[2]} | {ratio(peer[0], peer[0] + peer[1])} "
            f"| {ratio(peer[0], len(expected))} |"
        )
    everything = score(truth, ours)
    print(f"\nmixlint on all {len(truth)} expected findings of examples/shop: "
          f"{everything[0]} found, {everything[1]} extra, {everything[2]} missed.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
