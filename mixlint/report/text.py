"""Human-readable output for terminals, in the style of ruff.

Each finding is ``path:line:col: RULE message`` followed by the source line and
a ``^^^`` marker under the offending part (its first line) and the places that
explain it (``= note: path:line:col: ...``), then a summary.
With ``statistics`` a per-rule table replaces the individual findings, as
``ruff --statistics`` does.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from mixlint.literals import mask_line
from mixlint.model import Applicability, Finding, Level
from mixlint.report import (
    Report,
    active,
    fixes_sentence,
    rules_by_id,
    source_line,
    summarise,
    summary_sentence,
    unresolved_sentence,
)

MAX_SHOWN_LINE = 1000  # longer source lines are not printed under a finding
MAX_SHOWN_RELATED = 5  # related locations listed under a finding; the rest are counted
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_BLUE = "\x1b[34m"
_FIXABLE = "\x1b[36m"
# paint(style, text): ``text`` in an ANSI style, or unchanged without colour.
_Painter = Callable[[str, str], str]

_LEVEL_STYLE = {
    Level.ERROR: "\x1b[1;31m",
    Level.WARNING: "\x1b[1;33m",
    Level.NOTE: "\x1b[1;36m",
}


def render(
    report: Report, *, color: bool = False, statistics: bool = False, show_suppressed: bool = False
) -> str:
    def paint(style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if color and text else text

    out: list[str] = []
    summary = summarise(report)
    if statistics:
        out.extend(_statistics(report, paint))
        out.extend(_unresolved(report))
    else:
        shown = report.findings if show_suppressed else active(report.findings)
        for finding in shown:
            out.extend(_finding(report, finding, paint))
            out.append("")
    out.append(paint(_BOLD, summary_sentence(summary)))
    if summary.by_rule and not statistics:
        counts = ", ".join(f"{rule} ({count})" for rule, count in summary.by_rule.items())
        out.append(f"By rule: {counts}.")
    fixes = fixes_sentence(summary)
    if fixes is not None:
        out.append(fixes.replace("[*]", f"[{paint(_FIXABLE, '*')}]", 1))
    unresolved = unresolved_sentence(report)
    if unresolved:
        out.append(unresolved)
    return "\n".join(out) + "\n"


def _finding(report: Report, finding: Finding, paint: _Painter) -> list[str]:
    span = finding.span
    style = _LEVEL_STYLE[finding.level]
    fixable = f"[{paint(_FIXABLE, '*')}] " if _fixable(report, finding) else ""
    header = (
        f"{paint(_BOLD, f'{finding.path}:{span.start_line}:{span.start_col}:')} "
        f"{paint(style, finding.rule_id)} {fixable}{mask_line(finding.message)}"
    )
    if finding.suppressed is not None:
        reason = f": {mask_line(finding.suppression_reason)}" if finding.suppression_reason else ""
        header += " " + paint(_DIM, f"(suppressed {finding.suppressed}{reason})")
    lines = [header]
    raw = source_line(report, finding.path, span.start_line)
    # A minified or generated line of megabytes would be printed (and masked) once
    # per finding: the position in the header says where it is.
    if raw is not None and len(raw) <= MAX_SHOWN_LINE:
        end_col = span.end_col if span.end_line == span.start_line else len(raw) + 1
        display, marker = _mark(raw, span.start_col, end_col)
        number = str(span.start_line)
        gutter = " " * len(number)
        lines.append(f"{paint(_BLUE, number + ' |')} {display}".rstrip())
        lines.append(f"{paint(_BLUE, gutter + ' |')} {paint(style, marker)}")
    lines.extend(_related(finding, paint))
    return lines


def _related(finding: Finding, paint: _Painter) -> list[str]:
    """The places that explain the finding (the call sites of a wrapper no caller
    guards, the tracking call that sends a property), as rustc's and ruff's notes."""
    note = paint(_BLUE, "= note:")
    lines = [
        f"  {note} {place.path}:{place.span.start_line}:{place.span.start_col}: "
        f"{mask_line(place.message)}"
        for place in finding.related[:MAX_SHOWN_RELATED]
    ]
    more = len(finding.related) - MAX_SHOWN_RELATED
    if more > 0:
        lines.append(f"  {note} and {more} more (all of them in the JSON and SARIF reports)")
    return lines


def _fixable(report: Report, finding: Finding) -> bool:
    """Whether ``--fix`` (with the run's ``--unsafe-fixes``) would fix it, marked ``[*]``."""
    fix = finding.fix
    return (
        fix is not None
        and finding.suppressed is None
        and (fix.applicability is Applicability.SAFE or report.unsafe_fixes is True)
    )


def _mark(raw: str, start_col: int, end_col: int) -> tuple[str, str]:
    """The masked line and a marker line under columns [start_col, end_col) of ``raw``.

    Masking may change the line's length, so the marker is placed by masking the
    line's prefixes: a literal inside a prefix is masked the same way as in the
    whole line, which keeps the marker under the same code.
    """
    start = min(max(start_col, 1), len(raw) + 1) - 1
    end = min(max(end_col, 1), len(raw) + 1) - 1
    display = mask_line(raw)
    before = mask_line(raw[:start])
    upto = mask_line(raw[:end]) if end > start else before
    # When a literal straddles the start, its prefix is masked differently, but
    # the difference of widths still places the marker.
    width = max(_width(upto) - _width(before), 1)
    # Tabs are copied so that the terminal expands them to the same stops as in
    # the source line above; wide characters take two cells.
    prefix = "".join("\t" if char == "\t" else " " * _width(char) for char in before)
    return display, prefix + "^" * width


def _width(text: str) -> int:
    return sum(
        0
        if unicodedata.combining(char)
        else 2
        if unicodedata.east_asian_width(char) in ("W", "F")
        else 1
        for char in text
    )


def _statistics(report: Report, paint: _Painter) -> list[str]:
    """One row per rule with findings: count, rule ID, level, name (most frequent first)."""
    rules = rules_by_id(report)
    shown = active(report.findings)
    rows: dict[str, tuple[int, str]] = {}
    for finding in shown:
        count, _ = rows.get(finding.rule_id, (0, ""))
        rows[finding.rule_id] = (count + 1, finding.level.value)
    if not rows:
        return []
    ordered = sorted(rows.items(), key=lambda item: (-item[1][0], item[0]))
    count_width = max(len(str(count)) for _, (count, _) in ordered)
    id_width = max(len(rule_id) for rule_id, _ in ordered)
    level_width = max(len(level) for _, (_, level) in ordered)
    lines = []
    for rule_id, (count, level) in ordered:
        rule = rules.get(rule_id)
        name = rule.name if rule is not None else ""
        row = f"{count:>{count_width}}  {rule_id:<{id_width}}  {level:<{level_width}}  {name}"
        lines.append(row.rstrip())
    lines.append("")
    return lines


def _unresolved(report: Report) -> list[str]:
    """One row per unresolved import: where, and the module it names."""
    if not report.unresolved:
        return []
    lines = ["Unresolved imports of project modules:"]
    for item in report.unresolved:
        lines.append(f"  {item.path}:{item.line}: {item.module}")
    lines.append("")
    return lines
