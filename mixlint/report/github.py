"""GitHub Actions workflow commands, which annotate the lines of a pull request.

One ``::error``/``::warning``/``::notice`` command per unsuppressed finding.
Paths are written as given (relative to the project root): run mixlint from
the repository root, or GitHub cannot place the annotation on the diff.
"""

from __future__ import annotations

from mixlint.literals import mask_line
from mixlint.model import Finding, Level
from mixlint.report import Report, active, rules_by_id

_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def render(
    report: Report, *, color: bool = False, statistics: bool = False, show_suppressed: bool = False
) -> str:
    rules = rules_by_id(report)
    lines = []
    for finding in active(report.findings):
        rule = rules.get(finding.rule_id)
        title = f"{finding.rule_id} {rule.name}" if rule is not None else finding.rule_id
        lines.append(_command(finding, title))
    return "".join(line + "\n" for line in lines)


def _command(finding: Finding, title: str) -> str:
    span = finding.span
    properties = {
        "file": finding.path,
        "line": str(max(span.start_line, 1)),
        "col": str(max(span.start_col, 1)),
        "endLine": str(max(span.end_line, span.start_line, 1)),
        "endColumn": str(max(span.end_col, 1)),
        "title": title,
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{_COMMAND[finding.level]} {joined}::{escape_data(mask_line(finding.message))}"


def escape_data(text: str) -> str:
    """Escape a command's message as the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property: also ``:`` and ``,``, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
