"""Reporters for findings: text, json, github, gitlab, markdown (SARIF has its own file).

Every test compares a complete output. ``mask_line`` is replaced by a fake that
changes the line's length ("jane.doe@example.com" -> "<email>"), so the tests
show that each reporter masks what it prints and that markers stay aligned;
the real masking is checked in ``test_report_masking.py``.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from mixlint.checks.base import Rule
from mixlint.model import FileProblem, Finding, Level, Location, Span
from mixlint.report import FORMATS, Report, render

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def fake_mask_line(line: str) -> str:
    return _EMAIL.sub("<email>", line)


@pytest.fixture(autouse=True)
def fake_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("text", "json_report", "github", "gitlab", "markdown"):
        module = importlib.import_module(f"mixlint.report.{name}")
        monkeypatch.setattr(module, "mask_line", fake_mask_line)


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
    fix = "Drop the property, or send a pseudonymous value under a neutral key."
    tags = ("privacy", "gdpr", "personal-data")
    security_severity = 8.0
    precision = "high"
    valid = ('mp.track(user.id, "Signed Up", {"plan": user.plan})\n',)
    invalid = ('mp.track(user.id, "Signed Up", {"email": user.email})\n',)


class PersonalDataValue(Rule):
    id = "MX102"
    name = "personal-data-value"
    level = Level.ERROR
    summary = "A property value that carries personal data"
    why = "Personal data needs a legal basis (GDPR Art. 6)."
    fix = "Drop the value or pseudonymise it with a keyed hash."
    security_severity = 8.0
    precision = "medium"


class UnreviewablePayload(Rule):
    id = "MX105"
    name = "unreviewable-payload"
    level = Level.WARNING
    summary = "Properties that cannot be reviewed in code"
    why = "Data minimisation (GDPR Art. 5(1)(c)) cannot be shown."
    fix = "List the properties explicitly."
    security_severity = 5.0
    precision = "high"


class MissingConsentCheck(Rule):
    id = "MX201"
    name = "missing-consent-check"
    level = Level.ERROR
    summary = "A tracking call that is not guarded by a consent check"
    why = "Analytics tracking needs consent (GDPR Art. 6(1)(a), ePrivacy Art. 5(3))."
    fix = "Check consent before the call."
    security_severity = 7.0
    precision = "medium"


class DataResidency(Rule):
    id = "MX402"
    name = "data-residency"
    level = Level.NOTE
    summary = "Data that leaves for a non-EU host"
    why = "Transfers to third countries need safeguards (GDPR Chapter V)."
    fix = 'Use a consumer with api_host="api-eu.mixpanel.com".'
    security_severity = 4.0
    precision = "high"


RULES: tuple[type[Rule], ...] = (
    ParseError,
    PersonalDataKey,
    PersonalDataValue,
    UnreviewablePayload,
    MissingConsentCheck,
    DataResidency,
)

LINES = {
    "app/settings.py": ["from mixpanel import Mixpanel", "mp = Mixpanel(TOKEN)"],
    "app/views.py": [
        "from app.settings import mp",
        "",
        "def signup(user, order):",
        '    mp.track(user.id, "Signed Up", {"email": user.email, "plan": user.plan})',
        '    mp.people_set(user.id, {"contact": "jane.doe@example.com"})',
        '\tmp.track(user.id, "Checkout", vars(order))',
        '    mp.track(user.id, "Viewed", {"name": user.name})  # mixlint: ignore[MX101] ok',
    ],
}

PROBLEM = FileProblem("app/broken.py", "invalid syntax (line 3, column 9)", Span(3, 9, 3, 10))


def finding(
    rule: type[Rule],
    path: str,
    span: Span,
    message: str,
    fingerprint: str,
    **extra: str,
) -> Finding:
    return Finding(rule.id, rule.level, path, span, message, fingerprint, **extra)  # type: ignore[arg-type]


def findings() -> list[Finding]:
    return [
        finding(ParseError, "app/broken.py", Span(3, 9, 3, 10), PROBLEM.message, "fp-001"),
        finding(
            DataResidency,
            "app/settings.py",
            Span(2, 6, 2, 21),
            "Mixpanel(TOKEN) sends data to the US host api.mixpanel.com.",
            "fp-402",
        ),
        finding(
            MissingConsentCheck,
            "app/views.py",
            Span(4, 5, 4, 77),
            "track() is not guarded by a consent check.",
            "fp-201",
        ),
        finding(
            PersonalDataKey,
            "app/views.py",
            Span(4, 37, 4, 44),
            "Key 'email' names personal data: 'email' matched 'email' (e-mail, en).",
            "fp-101a",
        ),
        finding(
            PersonalDataValue,
            "app/views.py",
            Span(5, 40, 5, 62),
            'Value "jane.doe@example.com" is an e-mail address.',
            "fp-102",
        ),
        finding(
            UnreviewablePayload,
            "app/views.py",
            Span(6, 32, 6, 43),
            "vars(order) sends every attribute of the object | and more.",
            "fp-105",
        ),
        finding(
            PersonalDataKey,
            "app/views.py",
            Span(7, 34, 7, 40),
            "Key 'name' names personal data: 'name' matched 'name' (person name, en).",
            "fp-101b",
            suppressed="inline",
            suppression_reason="ok",
        ),
    ]


def make_report(
    found: list[Finding] | None = None,
    *,
    problems: list[FileProblem] | None = None,
    fail_level: Level | None = Level.WARNING,
) -> Report:
    return Report(
        root=Path("/work/project"),
        findings=findings() if found is None else found,
        problems=[PROBLEM] if problems is None else problems,
        rules=RULES,
        lines=LINES,
        files_analysed=5,
        fail_level=fail_level,
        tool_version="0.1.0",
    )


# text

TEXT = (
    "app/broken.py:3:9: MX001 invalid syntax (line 3, column 9)\n"
    "\n"
    "app/settings.py:2:6: MX402 Mixpanel(TOKEN) sends data to the US host api.mixpanel.com.\n"
    "2 | mp = Mixpanel(TOKEN)\n"
    "  |      ^^^^^^^^^^^^^^^\n"
    "\n"
    "app/views.py:4:5: MX201 track() is not guarded by a consent check.\n"
    '4 |     mp.track(user.id, "Signed Up", {"email": user.email, "plan": user.plan})\n'
    "  |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    "\n"
    "app/views.py:4:37: MX101 Key 'email' names personal data: 'email' matched 'email' "
    "(e-mail, en).\n"
    '4 |     mp.track(user.id, "Signed Up", {"email": user.email, "plan": user.plan})\n'
    "  |                                     ^^^^^^^\n"
    "\n"
    'app/views.py:5:40: MX102 Value "<email>" is an e-mail address.\n'
    '5 |     mp.people_set(user.id, {"contact": "<email>"})\n'
    "  |                                        ^^^^^^^^^\n"
    "\n"
    "app/views.py:6:32: MX105 vars(order) sends every attribute of the object | and more.\n"
    '6 | \tmp.track(user.id, "Checkout", vars(order))\n'
    "  | \t                              ^^^^^^^^^^^\n"
    "\n"
    "Found 6 findings (4 errors, 1 warning, 1 note) in 3 files; 1 suppressed.\n"
    "By rule: MX001 (1), MX101 (1), MX102 (1), MX105 (1), MX201 (1), MX402 (1).\n"
)


def test_text() -> None:
    assert render(make_report(), "text") == TEXT


def test_text_shows_suppressed_findings_on_request() -> None:
    output = render(make_report(), "text", show_suppressed=True)
    suppressed = (
        "app/views.py:7:34: MX101 Key 'name' names personal data: 'name' matched 'name' "
        "(person name, en). (suppressed inline: ok)\n"
        '7 |     mp.track(user.id, "Viewed", {"name": user.name})  # mixlint: ignore[MX101] ok\n'
        "  |                                  ^^^^^^\n"
        "\n"
    )
    summary = "Found 6 findings"
    assert output == TEXT.replace(summary, suppressed + summary)


def test_text_statistics_replace_the_findings() -> None:
    found = findings()
    found.insert(
        3,
        finding(
            MissingConsentCheck,
            "app/views.py",
            Span(5, 5, 5, 63),
            "people_set() is not guarded by a consent check.",
            "fp-201b",
        ),
    )
    assert render(make_report(found), "text", statistics=True) == (
        "2  MX201  error    missing-consent-check\n"
        "1  MX001  error    parse-error\n"
        "1  MX101  error    personal-data-key\n"
        "1  MX102  error    personal-data-value\n"
        "1  MX105  warning  unreviewable-payload\n"
        "1  MX402  note     data-residency\n"
        "\n"
        "Found 7 findings (5 errors, 1 warning, 1 note) in 3 files; 1 suppressed.\n"
    )


def test_text_colour() -> None:
    report = make_report([findings()[3]], problems=[])
    assert render(report, "text", color=True) == (
        "\x1b[1mapp/views.py:4:37:\x1b[0m \x1b[1;31mMX101\x1b[0m Key 'email' names personal "
        "data: 'email' matched 'email' (e-mail, en).\n"
        '\x1b[34m4 |\x1b[0m     mp.track(user.id, "Signed Up", {"email": user.email, "plan": '
        "user.plan})\n"
        "\x1b[34m  |\x1b[0m \x1b[1;31m                                    ^^^^^^^\x1b[0m\n"
        "\n"
        "\x1b[1mFound 1 finding (1 error) in 1 file.\x1b[0m\n"
        "By rule: MX101 (1).\n"
    )


def test_text_lists_the_related_locations_under_a_finding() -> None:
    """The call sites of a wrapper no caller guards, as notes: five, then a count."""
    sites = tuple(
        Location(
            f"app/views/v{n}.py", Span(n, 5, n, 30), "a call of send() without a consent check"
        )
        for n in range(1, 8)
    )
    root_cause = Finding(
        "MX201",
        Level.ERROR,
        "app/settings.py",
        Span(2, 1, 2, 21),
        "`track()` in `send()` is not guarded by a consent check, and none of its 7 call "
        "sites checks consent.",
        "fp-201",
        related=sites,
    )
    assert render(make_report([root_cause], problems=[]), "text") == (
        "app/settings.py:2:1: MX201 `track()` in `send()` is not guarded by a consent check, "
        "and none of its 7 call sites checks consent.\n"
        "2 | mp = Mixpanel(TOKEN)\n"
        "  | ^^^^^^^^^^^^^^^^^^^^\n"
        "  = note: app/views/v1.py:1:5: a call of send() without a consent check\n"
        "  = note: app/views/v2.py:2:5: a call of send() without a consent check\n"
        "  = note: app/views/v3.py:3:5: a call of send() without a consent check\n"
        "  = note: app/views/v4.py:4:5: a call of send() without a consent check\n"
        "  = note: app/views/v5.py:5:5: a call of send() without a consent check\n"
        "  = note: and 2 more (all of them in the JSON and SARIF reports)\n"
        "\n"
        "Found 1 finding (1 error) in 1 file.\n"
        "By rule: MX201 (1).\n"
    )


def test_text_without_findings() -> None:
    assert render(make_report([], problems=[]), "text") == "No findings.\n"
    only_suppressed = [f for f in findings() if f.suppressed]
    assert render(make_report(only_suppressed), "text") == "No findings; 1 suppressed.\n"
    assert render(make_report([]), "text", statistics=True) == "No findings.\n"


@pytest.mark.parametrize(
    ("line", "span", "marker"),
    [
        # a span over several lines is marked on its first line, up to its end
        ("    mp.track(", Span(1, 5, 3, 2), "  |     ^^^^^^^^^"),
        # a span that runs past the end of the line is clipped to it
        ("x = 1", Span(1, 5, 1, 40), "  |     ^"),
        # a span at the end of the line still gets one caret
        ("x = 1", Span(1, 6, 1, 6), "  |      ^"),
        # wide characters take two terminal cells
        ('t("注册", {"e": v})', Span(1, 10, 1, 13), "  |            ^^^"),
        # tabs before the span are copied so the marker lines up
        ("\t\tx = {'k':\tv}", Span(1, 13, 1, 14), "  | \t\t         \t^"),
    ],
)
def test_text_marker(line: str, span: Span, marker: str) -> None:
    report = Report(
        root=Path("/p"),
        findings=[Finding("MX105", Level.WARNING, "a.py", span, "m", "fp")],
        problems=[],
        rules=RULES,
        lines={"a.py": [line, "", ""]},
        files_analysed=1,
        fail_level=None,
        tool_version="0.1.0",
    )
    assert render(report, "text").splitlines()[1:3] == [f"1 | {line}", marker]


def test_text_marker_stays_under_code_after_a_masked_literal() -> None:
    line = 'mp.track(u, "E", {"to": "jane.doe@example.com", "plan": plan})'
    report = Report(
        root=Path("/p"),
        findings=[Finding("MX101", Level.ERROR, "a.py", Span(1, 49, 1, 55), "m", "fp")],
        problems=[],
        rules=RULES,
        lines={"a.py": [line]},
        files_analysed=1,
        fail_level=None,
        tool_version="0.1.0",
    )
    assert render(report, "text").splitlines()[1:3] == [
        '1 | mp.track(u, "E", {"to": "<email>", "plan": plan})',
        "  | " + " " * len('mp.track(u, "E", {"to": "<email>", ') + "^" * len('"plan"'),
    ]


# json


def test_json() -> None:
    def entry(
        rule: str,
        name: str,
        level: str,
        path: str,
        span: tuple[int, int, int, int],
        message: str,
        fingerprint: str,
        suppressed: str | None = None,
        reason: str | None = None,
    ) -> dict[str, object]:
        return {
            "rule": rule,
            "name": name,
            "level": level,
            "path": path,
            "start_line": span[0],
            "start_column": span[1],
            "end_line": span[2],
            "end_column": span[3],
            "message": message,
            "fingerprint": fingerprint,
            "suppressed": suppressed,
            "suppression_reason": reason,
            "related": [],
            "flows": [],
            "fix": None,
        }

    assert json.loads(render(make_report(), "json")) == {
        "schema_version": 1,
        "version": "0.1.0",
        "findings": [
            entry(
                "MX001",
                "parse-error",
                "error",
                "app/broken.py",
                (3, 9, 3, 10),
                "invalid syntax (line 3, column 9)",
                "fp-001",
            ),
            entry(
                "MX402",
                "data-residency",
                "note",
                "app/settings.py",
                (2, 6, 2, 21),
                "Mixpanel(TOKEN) sends data to the US host api.mixpanel.com.",
                "fp-402",
            ),
            entry(
                "MX201",
                "missing-consent-check",
                "error",
                "app/views.py",
                (4, 5, 4, 77),
                "track() is not guarded by a consent check.",
                "fp-201",
            ),
            entry(
                "MX101",
                "personal-data-key",
                "error",
                "app/views.py",
                (4, 37, 4, 44),
                "Key 'email' names personal data: 'email' matched 'email' (e-mail, en).",
                "fp-101a",
            ),
            entry(
                "MX102",
                "personal-data-value",
                "error",
                "app/views.py",
                (5, 40, 5, 62),
                'Value "<email>" is an e-mail address.',
                "fp-102",
            ),
            entry(
                "MX105",
                "unreviewable-payload",
                "warning",
                "app/views.py",
                (6, 32, 6, 43),
                "vars(order) sends every attribute of the object | and more.",
                "fp-105",
            ),
            entry(
                "MX101",
                "personal-data-key",
                "error",
                "app/views.py",
                (7, 34, 7, 40),
                "Key 'name' names personal data: 'name' matched 'name' (person name, en).",
                "fp-101b",
                "inline",
                "ok",
            ),
        ],
        "problems": [
            {
                "path": "app/broken.py",
                "line": 3,
                "column": 9,
                "message": "invalid syntax (line 3, column 9)",
            }
        ],
        "summary": {
            "files_analysed": 5,
            "files_with_findings": 3,
            "findings": 6,
            "suppressed": 1,
            "by_level": {"error": 4, "warning": 1, "note": 1},
            "by_rule": {
                "MX001": 1,
                "MX101": 1,
                "MX102": 1,
                "MX105": 1,
                "MX201": 1,
                "MX402": 1,
            },
            "problems": 1,
            "fail_level": "warning",
            "failed": True,
            "fixed": None,
            "fixable": {"safe": 0, "unsafe": 0},
        },
    }


def test_json_summary_passes_below_the_fail_level() -> None:
    notes = [f for f in findings() if f.level is Level.NOTE]
    summary = json.loads(render(make_report(notes, problems=[]), "json"))["summary"]
    assert summary == {
        "files_analysed": 5,
        "files_with_findings": 1,
        "findings": 1,
        "suppressed": 0,
        "by_level": {"error": 0, "warning": 0, "note": 1},
        "by_rule": {"MX402": 1},
        "problems": 0,
        "fail_level": "warning",
        "failed": False,
        "fixed": None,
        "fixable": {"safe": 0, "unsafe": 0},
    }
    never = json.loads(render(make_report(fail_level=None), "json"))["summary"]
    assert (never["fail_level"], never["failed"]) == (None, False)


# github


def test_github() -> None:
    assert render(make_report(), "github") == (
        "::error file=app/broken.py,line=3,col=9,endLine=3,endColumn=10,"
        "title=MX001 parse-error::invalid syntax (line 3, column 9)\n"
        "::notice file=app/settings.py,line=2,col=6,endLine=2,endColumn=21,"
        "title=MX402 data-residency::Mixpanel(TOKEN) sends data to the US host api.mixpanel.com.\n"
        "::error file=app/views.py,line=4,col=5,endLine=4,endColumn=77,"
        "title=MX201 missing-consent-check::track() is not guarded by a consent check.\n"
        "::error file=app/views.py,line=4,col=37,endLine=4,endColumn=44,"
        "title=MX101 personal-data-key::Key 'email' names personal data: 'email' matched "
        "'email' (e-mail, en).\n"
        "::error file=app/views.py,line=5,col=40,endLine=5,endColumn=62,"
        'title=MX102 personal-data-value::Value "<email>" is an e-mail address.\n'
        "::warning file=app/views.py,line=6,col=32,endLine=6,endColumn=43,"
        "title=MX105 unreviewable-payload::vars(order) sends every attribute of the object "
        "| and more.\n"
    )


def test_github_escapes_properties_and_data() -> None:
    odd = Finding(
        "MX101",
        Level.WARNING,
        "app/a,b:c%.py",
        Span(1, 1, 1, 2),
        "50% of\r\nit: a, b",
        "fp",
    )
    assert render(make_report([odd], problems=[]), "github") == (
        "::warning file=app/a%2Cb%3Ac%25.py,line=1,col=1,endLine=1,endColumn=2,"
        "title=MX101 personal-data-key::50%25 of%0D%0Ait: a, b\n"
    )
    assert render(make_report([], problems=[]), "github") == ""


# gitlab


def test_gitlab() -> None:
    def issue(rule: str, message: str, fp: str, severity: str, path: str, line: int) -> object:
        return {
            "description": f"{rule}: {message}",
            "check_name": rule,
            "fingerprint": fp,
            "severity": severity,
            "location": {"path": path, "lines": {"begin": line, "end": line}},
        }

    assert json.loads(render(make_report(), "gitlab")) == [
        issue(
            "MX001",
            "invalid syntax (line 3, column 9)",
            "fp-001",
            "critical",
            "app/broken.py",
            3,
        ),
        issue(
            "MX402",
            "Mixpanel(TOKEN) sends data to the US host api.mixpanel.com.",
            "fp-402",
            "info",
            "app/settings.py",
            2,
        ),
        issue(
            "MX201",
            "track() is not guarded by a consent check.",
            "fp-201",
            "critical",
            "app/views.py",
            4,
        ),
        issue(
            "MX101",
            "Key 'email' names personal data: 'email' matched 'email' (e-mail, en).",
            "fp-101a",
            "critical",
            "app/views.py",
            4,
        ),
        issue(
            "MX102",
            'Value "<email>" is an e-mail address.',
            "fp-102",
            "critical",
            "app/views.py",
            5,
        ),
        issue(
            "MX105",
            "vars(order) sends every attribute of the object | and more.",
            "fp-105",
            "major",
            "app/views.py",
            6,
        ),
    ]


def test_gitlab_multi_line_and_missing_fingerprint() -> None:
    multi = Finding("MX201", Level.ERROR, "a.py", Span(3, 1, 6, 2), "m", "")
    [issue] = json.loads(render(make_report([multi], problems=[]), "gitlab"))
    assert issue["location"] == {"path": "a.py", "lines": {"begin": 3, "end": 6}}
    assert re.fullmatch("[0-9a-f]{64}", issue["fingerprint"])


# markdown

MARKDOWN = """\
## mixlint

**Failed:** findings at or above *warning*. Found 6 findings (4 errors, 1 warning, 1 note) \
in 3 files; 1 suppressed. 5 files analysed.

| Rule | Name | Level | Findings |
|---|---|---|---:|
| MX001 | parse-error | error | 1 |
| MX101 | personal-data-key | error | 1 |
| MX102 | personal-data-value | error | 1 |
| MX105 | unreviewable-payload | warning | 1 |
| MX201 | missing-consent-check | error | 1 |
| MX402 | data-residency | note | 1 |

### Findings

| Location | Rule | Message |
|---|---|---|
| `app/broken.py:3` | MX001 | invalid syntax (line 3, column 9) |
| `app/settings.py:2` | MX402 | Mixpanel(TOKEN) sends data to the US host api.mixpanel.com. |
| `app/views.py:4` | MX201 | track() is not guarded by a consent check. |
| `app/views.py:4` | MX101 | Key 'email' names personal data: 'email' matched 'email' \
(e-mail, en). |
| `app/views.py:5` | MX102 | Value "&lt;email&gt;" is an e-mail address. |
| `app/views.py:6` | MX105 | vars(order) sends every attribute of the object \\| and more. |

### Files not analysed

- `app/broken.py`: invalid syntax (line 3, column 9)
"""


def test_markdown() -> None:
    assert render(make_report(), "markdown") == MARKDOWN


def test_markdown_with_suppressed_findings_shown() -> None:
    output = render(make_report(), "markdown", show_suppressed=True)
    table = output[output.index("### Findings") : output.index("### Files not analysed")]
    assert table == (
        "### Findings\n"
        "\n"
        "| Location | Rule | Message | Suppressed |\n"
        "|---|---|---|---|\n"
        "| `app/broken.py:3` | MX001 | invalid syntax (line 3, column 9) |  |\n"
        "| `app/settings.py:2` | MX402 | Mixpanel(TOKEN) sends data to the US host "
        "api.mixpanel.com. |  |\n"
        "| `app/views.py:4` | MX201 | track() is not guarded by a consent check. |  |\n"
        "| `app/views.py:4` | MX101 | Key 'email' names personal data: 'email' matched "
        "'email' (e-mail, en). |  |\n"
        '| `app/views.py:5` | MX102 | Value "&lt;email&gt;" is an e-mail address. |  |\n'
        "| `app/views.py:6` | MX105 | vars(order) sends every attribute of the object "
        "\\| and more. |  |\n"
        "| `app/views.py:7` | MX101 | Key 'name' names personal data: 'name' matched "
        "'name' (person name, en). | inline |\n"
        "\n"
    )
    assert output.replace(table, "") == MARKDOWN.replace(
        MARKDOWN[MARKDOWN.index("### Findings") : MARKDOWN.index("### Files not analysed")], ""
    )


def test_markdown_caps_the_findings_table() -> None:
    many = [
        Finding("MX201", Level.NOTE, "app/x|y.py", Span(n, 1, n, 2), "m", f"fp{n}")
        for n in range(1, 206)
    ]
    output = render(make_report(many, problems=[], fail_level=None), "markdown")
    assert output.startswith(
        "## mixlint\n"
        "\n"
        "Found 205 findings (205 notes) in 1 file. 5 files analysed.\n"
        "\n"
        "| Rule | Name | Level | Findings |\n"
        "|---|---|---|---:|\n"
        "| MX201 | missing-consent-check | note | 205 |\n"
        "\n"
        "### Findings\n"
        "\n"
        "| Location | Rule | Message |\n"
        "|---|---|---|\n"
        "| `app/x\\|y.py:1` | MX201 | m |\n"
    )
    assert output.endswith("| `app/x\\|y.py:200` | MX201 | m |\n\n… and 5 more.\n")
    assert output.count("| MX201 | m |") == 200


def test_markdown_without_findings() -> None:
    assert render(make_report([], problems=[], fail_level=Level.ERROR), "markdown") == (
        "## mixlint\n\n**Passed:** no findings at or above *error*. No findings. "
        "5 files analysed.\n"
    )


# dispatch


def test_every_format_renders_and_unknown_formats_are_refused() -> None:
    for fmt in FORMATS:
        if fmt != "sarif":
            assert render(make_report(), fmt).endswith("\n")
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(make_report(), "xml")
