"""GitLab Code Quality report (a JSON list of Code Climate issues).

Unsuppressed findings only; GitLab compares reports of the source and target
branch by ``fingerprint``, which is the finding's own fingerprint, stable
when code moves.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mixlint.literals import mask_line
from mixlint.model import Finding, Level
from mixlint.report import Report, active

SEVERITY = {Level.ERROR: "critical", Level.WARNING: "major", Level.NOTE: "info"}


def render(
    report: Report, *, color: bool = False, statistics: bool = False, show_suppressed: bool = False
) -> str:
    issues = [_issue(finding) for finding in active(report.findings)]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issue(finding: Finding) -> dict[str, Any]:
    span = finding.span
    start = max(span.start_line, 1)
    return {
        "description": f"{finding.rule_id}: {mask_line(finding.message)}",
        "check_name": finding.rule_id,
        "fingerprint": finding.fingerprint or _fallback_fingerprint(finding),
        "severity": SEVERITY[finding.level],
        "location": {
            "path": finding.path,
            "lines": {"begin": start, "end": max(span.end_line, start)},
        },
    }


def _fallback_fingerprint(finding: Finding) -> str:
    # GitLab drops issues without a fingerprint; this one, unlike the real
    # fingerprint, changes when the code moves.
    span = finding.span
    key = (
        f"{finding.rule_id}\0{finding.path}\0{span.start_line}\0{span.start_col}\0{finding.message}"
    )
    return hashlib.sha256(key.encode()).hexdigest()
