"""Reporters: turn the findings of a run into one output format.

Reporters never analyse. They receive a ``Report`` (findings already sorted,
suppression already decided, fingerprints already computed) and only format it.
Every source line, snippet and message they print goes through
``mixlint.literals.mask_line`` so that a personal-data literal in the scanned
code never leaks into CI logs, PR comments or uploaded SARIF.

Every renderer returns the complete output, ending in a newline unless it is
empty (the ``github`` format with nothing to annotate), so the caller writes it
as is (``click.echo(text, nl=False)``).
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mixlint.checks.base import Rule
from mixlint.literals import mask_line
from mixlint.model import Applicability, FileProblem, Finding, Fix, Level
from mixlint.modules import UnresolvedImport

FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")

# Format name -> module in this package; imported on demand so that `mixlint
# check` does not pay for sarif_om when it prints text.
_MODULES = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "markdown": "markdown",
}

LEVELS = (Level.ERROR, Level.WARNING, Level.NOTE)


@dataclass
class Report:
    """Everything a reporter may show about one run."""

    root: Path  # project root; finding paths are relative POSIX paths under it
    findings: list[Finding]  # sorted; includes suppressed ones (``suppressed`` is not None)
    problems: list[FileProblem]  # files that could not be analysed (also MX001 findings)
    rules: Sequence[type[Rule]]  # every rule, for metadata
    lines: Mapping[str, Sequence[str]]  # path -> source lines; may miss a path
    files_analysed: int
    fail_level: Level | None  # findings at or above this level fail the run (None: never)
    tool_version: str
    # imports of project modules that name no file: what they import is not followed
    unresolved: Sequence[UnresolvedImport] = ()
    fixed: int | None = None  # findings ``--fix`` fixed (None: not a fixing run)
    unsafe_fixes: bool | None = None  # as configured; None: unsafe fixes are hinted at


def render(
    report: Report,
    fmt: str,
    *,
    color: bool = False,
    statistics: bool = False,
    show_suppressed: bool = False,
) -> str:
    """Format ``report`` as ``fmt`` (one of ``FORMATS``).

    ``color`` and ``statistics`` concern ``text`` only; ``show_suppressed``
    concerns ``text`` and ``markdown`` (machine formats always carry the
    suppression state, annotation formats never show suppressed findings).
    """
    if fmt not in _MODULES:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
    output: str = module.render(
        report, color=color, statistics=statistics, show_suppressed=show_suppressed
    )
    return output


# Helpers shared by the formats (counting and wording only, no analysis).


@dataclass(frozen=True)
class Summary:
    """Counts over the findings of a report; suppressed ones are counted apart."""

    findings: int
    by_level: dict[Level, int]
    by_rule: dict[str, int]  # rule ID -> unsuppressed findings, sorted by ID
    files_with_findings: int
    suppressed: int
    failed: bool  # an unsuppressed finding is at or above the fail level
    fixed: int | None  # findings ``--fix`` fixed (None: not a fixing run)
    fixable: int  # unsuppressed findings with a fix ``--fix`` would make
    hidden_fixes: int  # unsafe fixes left out (``--unsafe-fixes`` not given)


def active(findings: Sequence[Finding]) -> list[Finding]:
    """The findings that count: those not suppressed."""
    return [finding for finding in findings if finding.suppressed is None]


def summarise(report: Report) -> Summary:
    shown = active(report.findings)
    levels = Counter(finding.level for finding in shown)
    rules = Counter(finding.rule_id for finding in shown)
    fail = report.fail_level
    fixes = [finding.fix for finding in shown if finding.fix is not None]
    safe = sum(1 for fix in fixes if fix.applicability is Applicability.SAFE)
    return Summary(
        findings=len(shown),
        by_level={level: levels[level] for level in LEVELS},
        by_rule=dict(sorted(rules.items())),
        files_with_findings=len({finding.path for finding in shown}),
        suppressed=len(report.findings) - len(shown),
        failed=fail is not None and any(f.level.rank >= fail.rank for f in shown),
        fixed=report.fixed,
        fixable=len(fixes) if report.unsafe_fixes else safe,
        hidden_fixes=len(fixes) - safe if report.unsafe_fixes is None else 0,
    )


def plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}es" if word.endswith("fix") else f"{count} {word}s"


def summary_sentence(summary: Summary) -> str:
    """A ruff-style one-liner.

    "Found 12 findings (9 errors, 3 warnings) in 4 files; 2 suppressed." or "No findings.";
    after ``--fix``: "Found 12 findings: 5 fixed, 7 remaining (4 errors, 3 warnings) in 2
    files."
    """
    suppressed = f"; {summary.suppressed} suppressed" if summary.suppressed else ""
    levels = ", ".join(
        plural(count, level.value) for level, count in summary.by_level.items() if count
    )
    where = f"({levels}) in {plural(summary.files_with_findings, 'file')}"
    if summary.fixed:
        total = summary.fixed + summary.findings
        remaining = f"{summary.findings} remaining" + (f" {where}" if summary.findings else "")
        return f"Found {plural(total, 'finding')}: {summary.fixed} fixed, {remaining}{suppressed}."
    if not summary.findings:
        return f"No findings{suppressed}."
    return f"Found {plural(summary.findings, 'finding')} {where}{suppressed}."


def fixes_sentence(summary: Summary) -> str | None:
    """What ``--fix`` can still do, as ruff says it; None when nothing."""
    hidden = summary.hidden_fixes
    note = (
        f"{plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option"
        if hidden
        else ""
    )
    if summary.fixable:
        more = f" ({note})" if note else ""
        return f"[*] {summary.fixable} fixable with the `--fix` option{more}."
    return f"No fixes available ({note})." if note else None


def would_fix_sentence(count: int, hidden: int) -> str:
    """``--diff``'s summary (on stderr)."""
    more = f"{plural(hidden, 'additional fix')} available with `--unsafe-fixes`" if hidden else ""
    if count:
        return f"Would fix {plural(count, 'finding')}" + (f" ({more})." if more else ".")
    return f"No findings would be fixed ({more})." if more else "No findings would be fixed."


def shown_fix(finding: Finding) -> Fix | None:
    """The fix a report shows, with its edits; None without edits (not planned, or no
    longer applicable), or when its new code would show personal data from a literal
    (masked, it would be wrong)."""
    fix = finding.fix
    if fix is None or not fix.edits or any(mask_line(edit.text) != edit.text for edit in fix.edits):
        return None
    return fix


def unresolved_sentence(report: Report) -> str:
    """The one line saying that imports of the project could not be followed ("" when
    none)."""
    count = len(report.unresolved)
    if not count:
        return ""
    files = len({item.path for item in report.unresolved})
    return (
        f"{plural(count, 'import')} of project modules in {plural(files, 'file')} could not "
        f"be resolved: what {'it imports is' if count == 1 else 'they import is'} not "
        "followed, and tracking calls through it may be missed (--statistics lists them)."
    )


def rules_by_id(report: Report) -> dict[str, type[Rule]]:
    return {rule.id: rule for rule in report.rules}


def source_line(report: Report, path: str, line: int) -> str | None:
    """The raw (unmasked) source line ``line`` (1-based) of ``path``, if known."""
    lines = report.lines.get(path)
    if lines is None or not 1 <= line <= len(lines):
        return None
    return lines[line - 1].rstrip("\r\n")
