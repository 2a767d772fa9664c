"""Inline suppressions: what counts as one, what it covers, and MX002."""

from __future__ import annotations

from collections.abc import Callable

from mixlint.model import Applicability, Change, ChangeKind, Finding, Fix, Level, Span
from mixlint.suppressions import Suppression, apply_suppressions, parse_suppressions

KNOWN = frozenset(
    {
        "MX001",
        "MX002",
        "MX101",
        "MX102",
        "MX103",
        "MX104",
        "MX105",
        "MX106",
        "MX201",
        "MX301",
        "MX302",
        "MX401",
        "MX402",
        "MX403",
        "MX501",
    }
)


def source(text: str) -> list[str]:
    return text.splitlines()


def finding(rule_id: str, line: int, col: int = 5, path: str = "app.py") -> Finding:
    return Finding(
        rule_id=rule_id,
        level=Level.ERROR,
        path=path,
        span=Span(line, col, line, col + 7),
        message=f"{rule_id} here",
    )


def mx002(
    line: int, col: int, text: str, message: str, kept: str = "", removed: str = ""
) -> Finding:
    """MX002 with its fix: the directive ``text`` becomes ``kept`` without ``removed``
    (``kept`` "": the directive is removed)."""
    span = Span(line, col, line, col + len(text))
    description = f"Remove {removed} from the suppression" if kept else "Remove the suppression"
    return Finding(
        rule_id="MX002",
        level=Level.WARNING,
        path="app.py",
        span=span,
        message=message,
        fix=Fix(
            description,
            Applicability.SAFE,
            (Change(ChangeKind.EDIT_COMMENT, "app.py", span, kept),),
        ),
    )


# --------------------------------------------------------------------------- parsing


def test_parse_all_forms() -> None:
    lines = source(
        "# mixlint: ignore-file[MX201] -- batch job, consent checked upstream\n"
        "import mixpanel\n"
        'mp.track(uid, "signup", {"email": e})  # mixlint: ignore[MX101, mx102] -- hashed later\n'
        "mp.track(uid, 'x')  # noqa: MX103,E501 MX105\n"
        "mp.track(uid, 'y')  # noqa: E501  # mixlint: ignore[MX101]  # type: ignore\n"
        "x = 1  # noqa\n"
        "y = 2  # noqa: E501, F401\n"
        "z = 3  # mixlint: ignore -- forgot the IDs\n"
    )
    assert parse_suppressions("app.py", lines) == [
        Suppression(
            path="app.py",
            line=1,
            col=1,
            rule_ids=("MX201",),
            reason="batch job, consent checked upstream",
            file_level=True,
            text="# mixlint: ignore-file[MX201] -- batch job, consent checked upstream",
        ),
        Suppression(
            path="app.py",
            line=3,
            col=40,
            rule_ids=("MX101", "MX102"),
            reason="hashed later",
            file_level=False,
            text="# mixlint: ignore[MX101, mx102] -- hashed later",
        ),
        Suppression(
            path="app.py",
            line=4,
            col=21,
            rule_ids=("MX103", "MX105"),
            reason="",
            file_level=False,
            text="# noqa: MX103,E501 MX105",
        ),
        Suppression(
            path="app.py",
            line=5,
            col=35,
            rule_ids=("MX101",),
            reason="",
            file_level=False,
            text="# mixlint: ignore[MX101]",
        ),
        Suppression(
            path="app.py",
            line=8,
            col=8,
            rule_ids=(),
            reason="forgot the IDs",
            file_level=False,
            text="# mixlint: ignore -- forgot the IDs",
        ),
    ]


def test_reason_stops_at_another_tools_directive() -> None:
    (only,) = parse_suppressions(
        "a.py", ["x()  # mixlint: ignore[MX201] -- see ticket #42  # type: ignore[call-arg]"]
    )
    assert only.reason == "see ticket #42"
    assert only.text == "# mixlint: ignore[MX201] -- see ticket #42"


def test_noqa_reason_and_lowercase() -> None:
    (only,) = parse_suppressions("a.py", ["x()  # NOQA:mx101 -- test fixture"])
    assert (only.rule_ids, only.reason) == (("MX101",), "test fixture")


def test_directives_inside_strings_do_not_count() -> None:
    lines = source(
        's = "# noqa: MX101"\n'
        "t = '''\n"
        "# mixlint: ignore[MX201]\n"
        "'''\n"
        'u = f"{s} # mixlint: ignore[MX102]"  # mixlint: ignore[MX103]\n'
    )
    found = parse_suppressions("a.py", lines)
    assert [(s.line, s.rule_ids) for s in found] == [(5, ("MX103",))]


def test_falls_back_when_tokenize_fails() -> None:
    lines = source(
        "mp.track(uid, 'a')  # mixlint: ignore[MX201]\n"
        's = "# noqa: MX101"\n'
        "doc = '''\n"
        "# noqa: MX102\n"
        "'''\n"
        "broken = (  # noqa: MX103\n"
    )
    found = parse_suppressions("a.py", lines)
    assert [(s.line, s.col, s.rule_ids) for s in found] == [
        (1, 21, ("MX201",)),
        (6, 13, ("MX103",)),
    ]


def test_ignore_file_below_the_header_is_misplaced() -> None:
    lines = source(
        "#!/usr/bin/env python\n"
        "# -*- coding: utf-8 -*-\n"
        "\n"
        "# mixlint: ignore-file[MX501]\n"
        '"""Docstring."""\n'
        "# mixlint: ignore-file[MX201]\n"
    )
    found = parse_suppressions("a.py", lines)
    assert [(s.line, s.file_level, s.misplaced) for s in found] == [
        (4, True, False),
        (6, True, True),
    ]


def test_lines_with_newlines_are_accepted() -> None:
    lines = ["import x\n", "x.track()  # noqa: MX201\r\n"]
    (only,) = parse_suppressions("a.py", lines)
    assert (only.line, only.col, only.text) == (2, 12, "# noqa: MX201")


# --------------------------------------------------------------------------- applying


def run(
    lines: list[str],
    findings: list[Finding],
    call_lines: dict[tuple[str, int], int] | None = None,
    enabled: Callable[[str, str], bool] | None = None,
) -> list[Finding]:
    suppressions = {"app.py": parse_suppressions("app.py", lines)}
    return apply_suppressions(findings, suppressions, call_lines or {}, KNOWN, enabled=enabled)


def test_suppresses_on_own_line_and_call_first_line() -> None:
    lines = source(
        "mp.track(  # mixlint: ignore[MX101] -- legacy export\n"
        "    uid,\n"
        '    "signup",\n'
        '    {"email": e},\n'
        ")\n"
        'mp.track(uid, "x", {"phone": p})  # noqa: MX102\n'
    )
    on_call_line = finding("MX101", 4)
    elsewhere = finding("MX101", 9)
    own_line = finding("MX102", 6)
    result = run(lines, [on_call_line, elsewhere, own_line], {("app.py", 4): 1})
    assert result == [on_call_line, own_line, elsewhere]
    assert (on_call_line.suppressed, on_call_line.suppression_reason) == ("inline", "legacy export")
    assert (own_line.suppressed, own_line.suppression_reason) == ("inline", "")
    assert elsewhere.suppressed is None


def test_reports_unused_and_unknown_ids() -> None:
    text = "# mixlint: ignore[MX101, MX201, MX999]"
    lines = ["mp.track(uid, 'x', {'email': e})  " + text]
    used = finding("MX101", 1)
    result = run(lines, [used])
    assert used.suppressed == "inline"
    assert result == [
        used,
        mx002(
            1,
            35,
            text,
            "unused suppression: no MX201 finding on this line",
            "# mixlint: ignore[MX101, MX999]",
            "MX201",
        ),
        mx002(
            1,
            35,
            text,
            "unknown rule 'MX999' in suppression",
            "# mixlint: ignore[MX101, MX201]",
            "MX999",
        ),
    ]


def test_missing_ids_and_misplaced_ignore_file() -> None:
    lines = source("import x\nx.track()  # mixlint: ignore\n# mixlint: ignore-file[MX201]\n")
    result = run(lines, [])
    assert result == [
        mx002(
            2,
            12,
            "# mixlint: ignore",
            "suppression names no rule: rule IDs are required, e.g. '# mixlint: ignore[MX101]'",
        ),
        mx002(
            3,
            1,
            "# mixlint: ignore-file[MX201]",
            "'ignore-file' suppresses nothing here: it belongs in the comment block at the "
            "top of the file",
        ),
    ]


def test_file_level_suppression_and_its_unused_ids() -> None:
    header = "# mixlint: ignore-file[MX201, MX501]"
    lines = source(header + "\nimport x\nx.track()\nx.track()\n")
    first, second = finding("MX201", 3), finding("MX201", 4)
    other_file = finding("MX201", 3, path="other.py")
    result = run(lines, [first, second, other_file])
    assert [f.suppressed for f in (first, second, other_file)] == ["inline", "inline", None]
    assert result == [
        mx002(
            1,
            1,
            header,
            "unused suppression: no MX501 finding in this file",
            "# mixlint: ignore-file[MX201]",
            "MX501",
        ),
        first,
        second,
        other_file,
    ]


def test_mx002_is_suppressible_only_file_wide() -> None:
    lines = source(
        "# mixlint: ignore-file[MX002]\n"
        "import x\n"
        "x.track()  # mixlint: ignore[MX101]\n"
        "x.track()  # mixlint: ignore[MX002]\n"
    )
    result = run(lines, [])
    assert [(f.rule_id, f.span.start_line, f.suppressed) for f in result] == [
        ("MX002", 3, "inline"),
        ("MX002", 4, "inline"),
    ]
    assert result[1].message == (
        "MX002 can only be suppressed by '# mixlint: ignore-file[MX002]' or config"
    )


def test_unused_ignore_file_mx002_is_reported_and_not_self_suppressed() -> None:
    header = "# mixlint: ignore-file[MX002]"
    result = run(source(header + "\nimport x\n"), [])
    assert result == [mx002(1, 1, header, "unused suppression: no MX002 finding in this file")]
    assert result[0].suppressed is None


def test_enabled_keeps_rules_that_did_not_run_quiet() -> None:
    lines = ["x.track()  # noqa: MX101, MX201, MX999"]
    result = run(lines, [], enabled=lambda rule_id, path: rule_id != "MX101")
    assert [f.message for f in result] == [
        "unused suppression: no MX201 finding on this line",
        "unknown rule 'MX999' in suppression",
    ]


def test_findings_already_suppressed_are_left_alone() -> None:
    baselined = finding("MX101", 1)
    baselined.suppressed = "baseline"
    result = run(["x.track()  # noqa: MX101"], [baselined])
    assert baselined.suppressed == "baseline"
    assert [f.message for f in result if f.rule_id == "MX002"] == [
        "unused suppression: no MX101 finding on this line"
    ]
