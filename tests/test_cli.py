"""The command line as users meet it: exit codes, one-line errors, every command."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from mixlint import __version__
from mixlint.checks import all_rules
from mixlint.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).parent.parent / "examples" / "shop"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version_and_help() -> None:
    assert invoke("--version") == (0, f"mixlint {__version__}\n", "")
    code, out, _ = invoke("check", "--help")
    assert code == 0 and "--format" in out and "--fail-on" in out


def test_exit_codes_follow_the_findings(tmp_path: Path) -> None:
    code, out, _ = invoke("check", str(EXAMPLE))
    assert code == 1 and "Found 24 findings" in out
    assert invoke("check", str(EXAMPLE), "--exit-zero")[0] == 0
    assert invoke("check", str(EXAMPLE), "--fail-on", "never")[0] == 0
    clean = tmp_path / "clean.py"
    clean.write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    assert invoke("check", str(clean)) == (0, "No findings.\n", "")


def test_select_and_ignore_narrow_the_rules() -> None:
    code, out, _ = invoke(
        "check", str(EXAMPLE), "--select", "MX1", "--ignore", "MX105", "--format", "json"
    )
    assert code == 1
    rules = {finding["rule"] for finding in json.loads(out)["findings"]}
    assert rules == {"MX101", "MX102", "MX103", "MX104", "MX106"}


def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    for args, message in [
        (["check", str(tmp_path / "missing.py")], "does not exist"),
        (["check", str(EXAMPLE), "--select", "MX999"], "--select: unknown rule 'MX999'"),
        (["check", str(EXAMPLE), "--format", "xml"], "Invalid value for '--format'"),
        (["check", str(EXAMPLE), "--config", str(tmp_path / "nope.toml")], "does not exist"),
        (["explain", "MX999"], "unknown rule 'MX999'"),
        (["frobnicate"], "No such command"),
    ]:
        process = subprocess.run(
            [sys.executable, "-m", "mixlint.cli", *args], capture_output=True, text=True
        )
        assert process.returncode == 2, (args, process.stderr)
        assert process.stdout == ""
        lines = process.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("mixlint: error:"), process.stderr
        assert message in lines[0]


def test_rules_and_explain() -> None:
    code, out, _ = invoke("rules", "--format", "json")
    listed = json.loads(out)
    assert code == 0 and [rule["id"] for rule in listed] == [rule.id for rule in all_rules()]
    code, out, _ = invoke("explain", "personal-data-key")
    assert code == 0
    assert out.startswith("# MX101 personal-data-key\n")
    for heading in (
        "## What it does",
        "## Why it matters under the GDPR",
        "## How to fix it",
        "## Example (flagged)",
        "## Example (not flagged)",
    ):
        assert heading in out


def test_inventory_json_lists_every_expected_call() -> None:
    project = FIXTURES / "celery_worker"
    code, out, _ = invoke("inventory", str(project), "--format", "json")
    assert code == 0
    calls = json.loads(out)["calls"]
    expected = yaml.safe_load((project / "expected.yaml").read_text(encoding="utf-8"))["calls"]
    assert sorted((c["path"], c["line"], c["kind"]) for c in calls) == sorted(
        (e["path"], e["line"], e["kind"]) for e in expected
    )


def test_inventory_names_personal_data_by_key_and_by_value() -> None:
    code, out, _ = invoke("inventory", str(EXAMPLE), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    by_key = {(row["path"], row["property"]): row for row in rows}
    assert by_key[("accounts/views.py", "Vorname")]["category"] == "person's name"
    assert by_key[("accounts/views.py", "source")]["category"] == "IP address"
    assert by_key[("accounts/views.py", "app")]["category"] == ""
