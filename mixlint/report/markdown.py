"""A Markdown summary for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

A heading, the totals and the verdict, a table of rules with their counts, and
a table of findings capped at ``MAX_ROWS`` rows (comments have a size limit and
nobody reads further).
"""

from __future__ import annotations

from mixlint.literals import mask_line
from mixlint.report import LEVELS, Report, active, plural, rules_by_id, summarise, summary_sentence

MAX_ROWS = 200


def render(
    report: Report, *, color: bool = False, statistics: bool = False, show_suppressed: bool = False
) -> str:
    summary = summarise(report)
    rules = rules_by_id(report)
    out = ["## mixlint", ""]
    verdict = ""
    if report.fail_level is not None:
        level = report.fail_level.value
        verdict = (
            f"**Failed:** findings at or above *{level}*. "
            if summary.failed
            else f"**Passed:** no findings at or above *{level}*. "
        )
    out.append(
        f"{verdict}{summary_sentence(summary)} {plural(report.files_analysed, 'file')} analysed."
    )
    levels_seen = {(f.rule_id, f.level) for f in active(report.findings)}
    if summary.by_rule:
        out += ["", "| Rule | Name | Level | Findings |", "|---|---|---|---:|"]
        for rule_id, count in summary.by_rule.items():
            rule = rules.get(rule_id)
            name = rule.name if rule is not None else ""
            # The effective level: config may re-level a rule.
            level = ", ".join(level.value for level in LEVELS if (rule_id, level) in levels_seen)
            out.append(f"| {rule_id} | {cell(name)} | {level} | {count} |")
    shown = report.findings if show_suppressed else active(report.findings)
    if shown:
        suppressed_column = show_suppressed and summary.suppressed > 0
        out += ["", "### Findings", ""]
        if suppressed_column:
            out += ["| Location | Rule | Message | Suppressed |", "|---|---|---|---|"]
        else:
            out += ["| Location | Rule | Message |", "|---|---|---|"]
        for finding in shown[:MAX_ROWS]:
            row = (
                f"| {code(f'{finding.path}:{finding.span.start_line}')} "
                f"| {finding.rule_id} | {cell(mask_line(finding.message))} |"
            )
            if suppressed_column:
                row += f" {finding.suppressed or ''} |"
            out.append(row)
        if len(shown) > MAX_ROWS:
            out += ["", f"… and {len(shown) - MAX_ROWS} more."]
    if report.problems:
        out += ["", "### Files not analysed", ""]
        out += [
            f"- {code(problem.path)}: {cell(mask_line(problem.message))}"
            for problem in report.problems
        ]
    return "\n".join(out) + "\n"


def cell(text: str) -> str:
    """Text safe inside a table cell: one line, ``|`` escaped, no raw HTML."""
    text = " ".join(text.split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """Inline code; ``|`` must be escaped even inside backticks in a GFM table."""
    fence, pad = ("``", " ") if "`" in text else ("`", "")
    escaped = text.replace("|", "\\|")
    return f"{fence}{pad}{escaped}{pad}{fence}"
