"""Machine-readable findings as one JSON object.

Shape (``schema_version`` 1; keys are never removed within a schema version)::

    {
      "schema_version": 1,
      "version": "0.1.0",                  # mixlint version
      "findings": [                        # sorted by path, line, column, rule
        {
          "rule": "MX101",
          "name": "personal-data-key",     # null for a rule mixlint does not know
          "level": "error",                # "error" | "warning" | "note" (effective level)
          "path": "app/views.py",          # relative POSIX path from the project root
          "start_line": 12, "start_column": 36,   # 1-based; columns count code points
          "end_line": 12, "end_column": 43,       # end column is exclusive
          "message": "...",
          "fingerprint": "3f2a...",        # stable across line moves; "" if none
          "suppressed": null,              # null | "inline" | "baseline"
          "suppression_reason": null,      # null | the reason given with the suppression
          "related": [                     # other places that explain it
            {"path": "app/views.py", "start_line": 14, "start_column": 5,
             "end_line": 14, "end_column": 40, "message": "the tracking call that sends it"}
          ],
          "flows": [[...]],                # wrapper chains: call site -> wrappers -> SDK call,
                                           # each step shaped like a related location
          "fix": null | {                  # what `--fix` does (null: no fix, or it no longer
            "applicability": "unsafe",     # applies); "safe" | "unsafe" (--unsafe-fixes)
            "message": "Drop the property 'email'",
            "edits": [                     # text replacements in the files as analysed
              {"path": "app/views.py", "start_line": 12, "start_column": 36,
               "end_line": 12, "end_column": 58, "content": ""}
            ]
          }
        }
      ],
      "problems": [                        # files that could not be analysed (also MX001)
        {"path": "app/broken.py", "line": 3, "column": 1, "message": "..."}
      ],
      "summary": {
        "files_analysed": 10,
        "files_with_findings": 4,          # among unsuppressed findings
        "findings": 12,                    # unsuppressed findings
        "suppressed": 2,
        "by_level": {"error": 9, "warning": 3, "note": 0},
        "by_rule": {"MX101": 5, "MX201": 7},   # unsuppressed, sorted by rule ID
        "problems": 1,
        "fail_level": "warning",           # null: the run never fails on findings
        "failed": true,
        "fixed": null,                     # findings `--fix` fixed (null: not a fixing run)
        "fixable": {"safe": 1, "unsafe": 4}  # unsuppressed findings with a fix shown
      }
    }
"""

from __future__ import annotations

import json
from typing import Any

from mixlint.literals import mask_line
from mixlint.model import Applicability, FileProblem, Finding, Location, Span
from mixlint.report import Report, rules_by_id, shown_fix, summarise

SCHEMA_VERSION = 1


def render(
    report: Report, *, color: bool = False, statistics: bool = False, show_suppressed: bool = False
) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


def to_dict(report: Report) -> dict[str, Any]:
    rules = rules_by_id(report)
    summary = summarise(report)
    return {
        "schema_version": SCHEMA_VERSION,
        "version": report.tool_version,
        "findings": [
            _finding(f, rules[f.rule_id].name if f.rule_id in rules else None)
            for f in report.findings
        ],
        "problems": [_problem(problem) for problem in report.problems],
        "summary": {
            "files_analysed": report.files_analysed,
            "files_with_findings": summary.files_with_findings,
            "findings": summary.findings,
            "suppressed": summary.suppressed,
            "by_level": {level.value: count for level, count in summary.by_level.items()},
            "by_rule": summary.by_rule,
            "problems": len(report.problems),
            "fail_level": report.fail_level.value if report.fail_level is not None else None,
            "failed": summary.failed,
            "fixed": report.fixed,
            "fixable": {
                applicability.value: sum(
                    1
                    for finding in report.findings
                    if finding.suppressed is None
                    and (fix := shown_fix(finding)) is not None
                    and fix.applicability is applicability
                )
                for applicability in Applicability
            },
        },
    }


def _place(path: str, span: Span) -> dict[str, Any]:
    return {
        "path": path,
        "start_line": span.start_line,
        "start_column": span.start_col,
        "end_line": span.end_line,
        "end_column": span.end_col,
    }


def _located(location: Location) -> dict[str, Any]:
    return {**_place(location.path, location.span), "message": mask_line(location.message)}


def _fix(finding: Finding) -> dict[str, Any] | None:
    fix = shown_fix(finding)
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "message": mask_line(fix.description),
        "edits": [{**_place(edit.path, edit.span), "content": edit.text} for edit in fix.edits],
    }


def _finding(finding: Finding, name: str | None) -> dict[str, Any]:
    return {
        "rule": finding.rule_id,
        "name": name,
        "level": finding.level.value,
        **_place(finding.path, finding.span),
        "message": mask_line(finding.message),
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppressed,
        "suppression_reason": (
            mask_line(finding.suppression_reason) if finding.suppressed is not None else None
        ),
        "related": [_located(item) for item in finding.related],
        "flows": [[_located(step) for step in flow] for flow in finding.flows],
        "fix": _fix(finding),
    }


def _problem(problem: FileProblem) -> dict[str, Any]:
    return {
        "path": problem.path,
        "line": problem.span.start_line,
        "column": problem.span.start_col,
        "message": mask_line(problem.message),
    }
