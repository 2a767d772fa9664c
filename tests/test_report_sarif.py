"""The SARIF reporter: the complete log, schema validity, and what GitHub relies on."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mixlint.checks.base import Rule
from mixlint.model import (
    Applicability,
    Change,
    ChangeKind,
    Edit,
    FileProblem,
    Finding,
    Fix,
    Level,
    Location,
    Span,
)
from mixlint.modules import UnresolvedImport
from mixlint.report import Report, render
from mixlint.report import sarif as sarif_module

SCHEMA = json.loads((Path(__file__).parent / "data/sarif-schema-2.1.0.json").read_text())
# The shared tools sit beside the repository in the development setup only.
SARIF_VALIDATE = Path(__file__).parents[1].parent / "shared/tools/sarif-validate"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture(autouse=True)
def fake_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in that visibly changes what it masks; the real masking is
    # checked in test_report_masking.py.
    monkeypatch.setattr(sarif_module, "mask_line", lambda line: _EMAIL.sub("<email>", line))


class ParseError(Rule):
    id = "MX001"
    name = "parse-error"
    level = Level.ERROR
    summary = "A Python file that cannot be read or parsed"
    why = "Compliance of a file that cannot be analysed is unknown."
    fix = "Fix the syntax error or exclude the file."
    tags = ("privacy", "gdpr")
    security_severity = 3.0
    precision = "very-high"


class PersonalDataKey(Rule):
    id = "MX101"
    name = "personal-data-key"
    level = Level.ERROR
    summary = "A property key that names personal data"
    why = "Sending personal data to Mixpanel needs a legal basis (GDPR Art. 6)."
    fix = "Drop the property, or send a pseudonymous value under a neutral key"
    tags = ("privacy", "gdpr", "personal-data")
    security_severity = 8.0
    precision = "high"
    valid = ('mp.track(user.id, "Signed Up", {"plan": user.plan})\n',)
    invalid = ('mp.track(user.id, "Signed Up", {"email": "jane.doe@example.com"})\n',)


class DataResidency(Rule):
    id = "MX402"
    name = "data-residency"
    level = Level.NOTE
    summary = "Data that leaves for a non-EU host."
    why = "Transfers to third countries need safeguards (GDPR Chapter V)."
    fix = 'Use a consumer with api_host="api-eu.mixpanel.com".'
    tags = ("privacy", "gdpr", "security", "residency")
    security_severity = 4.0
    precision = "medium"


PROBLEM = FileProblem("app/broken.py", "invalid syntax (line 3, column 9)", Span(3, 9, 3, 10))


def report(
    findings: list[Finding],
    *,
    rules: tuple[type[Rule], ...] = (ParseError, PersonalDataKey),
    problems: list[FileProblem] | None = None,
    unresolved: tuple[UnresolvedImport, ...] = (),
) -> Report:
    return Report(
        root=Path("/work/project"),
        findings=findings,
        problems=[PROBLEM] if problems is None else problems,
        rules=rules,
        lines={},
        files_analysed=3,
        fail_level=Level.WARNING,
        tool_version="0.1.0",
        unresolved=unresolved,
    )


UNRESOLVED = (
    UnresolvedImport("app/middleware/audit.py", 3, "..settings"),
    UnresolvedImport("app/views.py", 7, "app.tracking"),
)


def small_findings() -> list[Finding]:
    return [
        Finding("MX001", Level.ERROR, "app/broken.py", Span(3, 9, 3, 10), PROBLEM.message, "f1"),
        Finding(
            "MX101",
            Level.ERROR,
            "app/views.py",
            Span(4, 37, 4, 44),
            "Key 'email' names personal data (jane.doe@example.com)",
            "f2",
        ),
        Finding(
            "MX101",
            Level.WARNING,  # re-levelled in config
            "app/views.py",
            Span(9, 5, 11, 6),
            "Key 'phone' names personal data.",
            "f3",
            suppressed="baseline",
        ),
    ]


def sarif(findings: list[Finding], **kwargs: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report(findings, **kwargs), "sarif"))
    return data


def location(uri: str, start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": start[0],
                "startColumn": start[1],
                "endLine": end[0],
                "endColumn": end[1],
            },
        }
    }


EXPECTED_RULES = [
    {
        "id": "MX001",
        "name": "parse-error",
        "shortDescription": {"text": "A Python file that cannot be read or parsed."},
        "fullDescription": {
            "text": "A Python file that cannot be read or parsed. "
            "Compliance of a file that cannot be analysed is unknown."
        },
        "help": {
            "text": "MX001 parse-error (error)\n\n"
            "A Python file that cannot be read or parsed.\n\n"
            "Why: Compliance of a file that cannot be analysed is unknown.\n\n"
            "Fix: Fix the syntax error or exclude the file.",
            "markdown": "**MX001 parse-error** (default level: error)\n\n"
            "A Python file that cannot be read or parsed.\n\n"
            "### Why it matters\n\nCompliance of a file that cannot be analysed is unknown.\n\n"
            "### How to fix\n\nFix the syntax error or exclude the file.",
        },
        "helpUri": "https://github.com/mixlint/mixlint/blob/main/docs/rules/MX001.md",
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["privacy", "gdpr", "security"],
            "precision": "very-high",
            "security-severity": "3.0",
            "problem.severity": "error",
        },
    },
    {
        "id": "MX101",
        "name": "personal-data-key",
        "shortDescription": {"text": "A property key that names personal data."},
        "fullDescription": {
            "text": "A property key that names personal data. "
            "Sending personal data to Mixpanel needs a legal basis (GDPR Art. 6)."
        },
        "help": {
            "text": "MX101 personal-data-key (error)\n\n"
            "A property key that names personal data.\n\n"
            "Why: Sending personal data to Mixpanel needs a legal basis (GDPR Art. 6).\n\n"
            "Fix: Drop the property, or send a pseudonymous value under a neutral key.\n\n"
            'Flagged:\nmp.track(user.id, "Signed Up", {"email": "<email>"})\n\n'
            'Not flagged:\nmp.track(user.id, "Signed Up", {"plan": user.plan})',
            "markdown": "**MX101 personal-data-key** (default level: error)\n\n"
            "A property key that names personal data.\n\n"
            "### Why it matters\n\n"
            "Sending personal data to Mixpanel needs a legal basis (GDPR Art. 6).\n\n"
            "### How to fix\n\n"
            "Drop the property, or send a pseudonymous value under a neutral key.\n\n"
            '### Flagged\n\n```python\nmp.track(user.id, "Signed Up", {"email": "<email>"})\n'
            "```\n\n"
            '### Not flagged\n\n```python\nmp.track(user.id, "Signed Up", {"plan": user.plan})\n'
            "```",
        },
        "helpUri": "https://github.com/mixlint/mixlint/blob/main/docs/rules/MX101.md",
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["privacy", "gdpr", "personal-data", "security"],
            "precision": "high",
            "security-severity": "8.0",
            "problem.severity": "error",
        },
    },
]


def test_complete_log() -> None:
    assert sarif(small_findings()) == {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mixlint",
                        "fullName": "mixlint 0.1.0",
                        "version": "0.1.0",
                        "semanticVersion": "0.1.0",
                        "informationUri": "https://github.com/mixlint/mixlint",
                        "rules": EXPECTED_RULES,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///work/project/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {
                                "message": {
                                    "text": "Could not analyse app/broken.py: "
                                    "invalid syntax (line 3, column 9)."
                                },
                                "level": "error",
                                "locations": [location("app/broken.py", (3, 9), (3, 10))],
                                "associatedRule": {"id": "MX001", "index": 0},
                            }
                        ],
                    }
                ],
                "results": [
                    {
                        "ruleId": "MX001",
                        "ruleIndex": 0,
                        "level": "error",
                        "message": {"text": "invalid syntax (line 3, column 9)."},
                        "locations": [location("app/broken.py", (3, 9), (3, 10))],
                        "partialFingerprints": {"mixlint/v1": "f1"},
                    },
                    {
                        "ruleId": "MX101",
                        "ruleIndex": 1,
                        "level": "error",
                        "message": {"text": "Key 'email' names personal data (<email>)."},
                        "locations": [location("app/views.py", (4, 37), (4, 44))],
                        "partialFingerprints": {"mixlint/v1": "f2"},
                    },
                    {
                        "ruleId": "MX101",
                        "ruleIndex": 1,
                        "level": "warning",
                        "message": {"text": "Key 'phone' names personal data."},
                        "locations": [location("app/views.py", (9, 5), (11, 6))],
                        "partialFingerprints": {"mixlint/v1": "f3"},
                        "suppressions": [{"kind": "external"}],
                    },
                ],
            }
        ],
    }


def rich_findings() -> list[Finding]:
    """Every feature at once: unknown rule, odd path, both suppressions, no position."""
    return [
        *small_findings(),
        Finding(
            "MX101",
            Level.ERROR,
            "app/my views#1.py",
            Span(2, 1, 2, 8),
            "Key 'Geburtsdatum' matched 'geburtsdatum' (birth date, de)",
            "f4",
            suppressed="inline",
            suppression_reason="reviewed by DPO, see ticket 12",
        ),
        Finding("MX402", Level.NOTE, "app/settings.py", Span(2, 6, 2, 21), "US host.", "f5"),
        Finding("MX999", Level.WARNING, "app/z.py", Span(0, 0, 0, 0), "From a plugin rule", ""),
        through_wrapper(),
    ]


def through_wrapper() -> Finding:
    """A property a caller builds before calling the project's tracking wrapper."""
    return Finding(
        "MX101",
        Level.ERROR,
        "app/views.py",
        Span(20, 9, 20, 16),
        "property 'email' is an e-mail address (personal data) ['email' matched 'email']",
        "f6",
        related=(
            Location("app/views.py", Span(22, 5, 22, 40), "the tracking call that sends it"),
            Location(
                "app/analytics.py", Span(9, 5, 9, 45), "the track() call inside track_event()"
            ),
        ),
        flows=(
            (
                Location("app/views.py", Span(22, 5, 22, 40), "track_event() is called here"),
                Location("app/analytics.py", Span(7, 5, 7, 16), "the wrapper track_event()"),
                Location(
                    "app/analytics.py",
                    Span(9, 5, 9, 45),
                    "track_event() sends it to Mixpanel with track()",
                ),
            ),
        ),
        fix=Fix(
            "Drop the property 'email'",
            Applicability.UNSAFE,
            (Change(ChangeKind.REMOVE_ENTRY, "app/views.py", Span(20, 18, 20, 28), key="email"),),
            (Edit("app/views.py", Span(19, 22, 21, 1), "\n"),),
        ),
    )


def rich_report(unresolved: tuple[UnresolvedImport, ...] = ()) -> Report:
    return report(
        rich_findings(), rules=(ParseError, PersonalDataKey, DataResidency), unresolved=unresolved
    )


def test_schema_valid() -> None:
    # The vendored schema names its own draft in "$schema"; validate by that.
    validator = jsonschema.validators.validator_for(SCHEMA)
    validator.check_schema(SCHEMA)
    for log in (
        sarif(small_findings()),
        json.loads(render(rich_report(), "sarif")),
        json.loads(render(rich_report(UNRESOLVED), "sarif")),
    ):
        validator(SCHEMA).validate(log)


def test_rule_index_points_at_the_rule() -> None:
    run = json.loads(render(rich_report(), "sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["MX001", "MX101", "MX402", "MX999"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    # a rule mixlint was not told about is still described, minimally
    assert rules[3] == {
        "id": "MX999",
        "shortDescription": {"text": "Findings of rule MX999."},
        "fullDescription": {
            "text": "Findings of rule MX999. mixlint has no description of this rule."
        },
        "help": {"text": "Findings of rule MX999.", "markdown": "Findings of rule MX999."},
        "helpUri": "https://github.com/mixlint/mixlint",
    }


def test_fingerprints_survive_moving_code() -> None:
    def moved(lines: int) -> Finding:
        return Finding(
            "MX101", Level.ERROR, "app/views.py", Span(4 + lines, 37, 4 + lines, 44), "m.", "f2"
        )

    before = sarif([moved(0)], problems=[])["runs"][0]["results"][0]
    after = sarif([moved(3)], problems=[])["runs"][0]["results"][0]
    assert before["partialFingerprints"] == after["partialFingerprints"] == {"mixlint/v1": "f2"}
    assert before["locations"] != after["locations"]


def test_suppressed_findings_are_kept_with_their_suppression() -> None:
    results = json.loads(render(rich_report(), "sarif"))["runs"][0]["results"]
    by_fingerprint = {
        result.get("partialFingerprints", {}).get("mixlint/v1"): result for result in results
    }
    assert by_fingerprint["f3"]["suppressions"] == [{"kind": "external"}]
    assert by_fingerprint["f4"]["suppressions"] == [
        {"kind": "inSource", "justification": "reviewed by DPO, see ticket 12"}
    ]
    assert [r for r in results if "suppressions" in r] == [
        by_fingerprint["f3"],
        by_fingerprint["f4"],
    ]


def test_locations_paths_and_levels() -> None:
    results = json.loads(render(rich_report(), "sarif"))["runs"][0]["results"]
    odd, note, plugin = results[3:6]
    assert odd["locations"] == [location("app/my%20views%231.py", (2, 1), (2, 8))]
    assert note["level"] == "note"
    # a finding without a position points at the start of its file; no fingerprint, none sent
    assert plugin["level"] == "warning"
    assert plugin["locations"] == [location("app/z.py", (1, 1), (1, 1))]
    assert "partialFingerprints" not in plugin
    # rule tags keep their order; "security" is added once, for security-severity to apply
    rules = json.loads(render(rich_report(), "sarif"))["runs"][0]["tool"]["driver"]["rules"]
    assert rules[2]["properties"]["tags"] == ["privacy", "gdpr", "security", "residency"]


def test_related_locations_code_flows_and_fixes() -> None:
    """What GitHub code scanning shows for a finding reached through a wrapper: links to
    the related locations from the message, the path step by step, and the fix."""
    (result,) = sarif([through_wrapper()], problems=[])["runs"][0]["results"]

    def step(uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> dict[str, Any]:
        return {"location": {"message": {"text": text}, **location(uri, start, end)}}

    assert result == {
        "ruleId": "MX101",
        "ruleIndex": 1,
        "level": "error",
        "message": {
            "text": "property 'email' is an e-mail address (personal data) "
            "\\['email' matched 'email'\\]. See [the tracking call that sends it](1), "
            "[the track() call inside track_event()](2)."
        },
        "locations": [location("app/views.py", (20, 9), (20, 16))],
        "relatedLocations": [
            {
                "id": 1,
                "message": {"text": "the tracking call that sends it."},
                **location("app/views.py", (22, 5), (22, 40)),
            },
            {
                "id": 2,
                "message": {"text": "the track() call inside track_event()."},
                **location("app/analytics.py", (9, 5), (9, 45)),
            },
        ],
        "codeFlows": [
            {
                "threadFlows": [
                    {
                        "locations": [
                            step(
                                "app/views.py", (22, 5), (22, 40), "track_event() is called here."
                            ),
                            step("app/analytics.py", (7, 5), (7, 16), "the wrapper track_event()."),
                            step(
                                "app/analytics.py",
                                (9, 5),
                                (9, 45),
                                "track_event() sends it to Mixpanel with track().",
                            ),
                        ]
                    }
                ]
            }
        ],
        "partialFingerprints": {"mixlint/v1": "f6"},
        "fixes": [
            {
                "description": {"text": "Drop the property 'email'."},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": "app/views.py", "uriBaseId": "%SRCROOT%"},
                        "replacements": [
                            {
                                "deletedRegion": {
                                    "startLine": 19,
                                    "startColumn": 22,
                                    "endLine": 21,
                                    "endColumn": 1,
                                },
                                "insertedContent": {"text": "\n"},
                            }
                        ],
                    }
                ],
                "properties": {"applicability": "unsafe"},
            }
        ],
    }


def test_a_fix_that_would_show_personal_data_is_left_out() -> None:
    finding = through_wrapper()
    assert finding.fix is not None
    finding.fix = Fix(
        "Pseudonymise the distinct_id",
        Applicability.UNSAFE,
        finding.fix.changes,
        (Edit("app/views.py", Span(3, 14, 3, 35), 'make_token("jane.doe@example.com")'),),
    )
    (result,) = sarif([finding], problems=[])["runs"][0]["results"]
    assert "fixes" not in result
    assert "jane.doe" not in json.dumps(result)


def test_problems_are_notifications() -> None:
    problems = [PROBLEM, FileProblem("app/bin.py", "not UTF-8: byte 0xff at offset 12")]
    run = sarif(small_findings(), problems=problems)["runs"][0]
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notifications] == [
        "Could not analyse app/broken.py: invalid syntax (line 3, column 9).",
        "Could not analyse app/bin.py: not UTF-8: byte 0xff at offset 12.",
    ]
    assert {n["level"] for n in notifications} == {"error"}
    assert notifications[1]["locations"] == [location("app/bin.py", (1, 1), (1, 1))]
    assert run["invocations"][0]["executionSuccessful"] is True
    clean = sarif([], problems=[])["runs"][0]
    assert clean["invocations"] == [{"executionSuccessful": True}]
    assert clean["results"] == []


def test_unresolved_imports_are_warning_notifications() -> None:
    """What an unresolved import names is not followed: the result set may be incomplete,
    which SARIF says with a tool execution notification, after those of the problems."""
    run = sarif(small_findings(), unresolved=UNRESOLVED)["runs"][0]
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert notifications[1:] == [
        {
            "message": {
                "text": "The import of ..settings names no module of the project: what it "
                "imports is not followed, and tracking calls through it may be missed."
            },
            "level": "warning",
            "locations": [location("app/middleware/audit.py", (3, 1), (3, 1))],
        },
        {
            "message": {
                "text": "The import of app.tracking names no module of the project: what it "
                "imports is not followed, and tracking calls through it may be missed."
            },
            "level": "warning",
            "locations": [location("app/views.py", (7, 1), (7, 1))],
        },
    ]
    assert notifications[0]["level"] == "error"  # the problem of app/broken.py


@pytest.mark.needs_shared
def test_microsoft_sarif_validator_with_github_rules(tmp_path: Path) -> None:
    """The SARIF multitool (SARIF and GitHub ingestion rules) reports nothing.

    The validator is a shared development tool; on a user's machine it is
    absent and there is nothing to run. Where it exists this is a real check.
    """
    if not SARIF_VALIDATE.exists():
        return
    log = tmp_path / "mixlint.sarif"
    log.write_text(render(rich_report(UNRESOLVED), "sarif"), encoding="utf-8")
    done = subprocess.run(
        [str(SARIF_VALIDATE), str(log)], capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == f"{log}: OK"
