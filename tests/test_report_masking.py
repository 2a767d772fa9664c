"""No reporter lets a personal-data literal through, with the real ``mask_line``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixlint.checks.base import Rule
from mixlint.model import (
    Expr,
    ExprKind,
    FileProblem,
    Finding,
    Level,
    Payload,
    ProjectModel,
    Property,
    Resolution,
    Span,
    TrackingCall,
)
from mixlint.report import FORMATS, Report, render
from mixlint.report.inventory import INVENTORY_FORMATS, render_inventory

EMAIL = "jane.doe@example.com"
LINE = f'    mp.track(user.id, "Signed Up", {{"contact": "{EMAIL}"}})'


class PersonalDataValue(Rule):
    id = "MX102"
    name = "personal-data-value"
    level = Level.ERROR
    summary = "A property value that carries personal data"
    why = "Personal data needs a legal basis (GDPR Art. 6)."
    fix = "Drop the value or pseudonymise it with a keyed hash."
    security_severity = 8.0
    precision = "high"
    invalid = (f'mp.track(uid, "Signed Up", {{"to": "{EMAIL}"}})\n',)


def report() -> Report:
    span = Span(1, LINE.index(EMAIL), 1, LINE.index(EMAIL) + len(EMAIL) + 2)
    findings = [
        Finding("MX102", Level.ERROR, "app/views.py", span, f"Value {EMAIL!r} is an e-mail.", "a"),
        Finding(
            "MX102",
            Level.ERROR,
            "app/views.py",
            span,
            f"Value {EMAIL!r} again.",
            "b",
            suppressed="inline",
            suppression_reason=f"approved by {EMAIL}",
        ),
    ]
    return Report(
        root=Path("/work/project"),
        findings=findings,
        problems=[FileProblem("app/bad.py", f"cannot decode line 2: {EMAIL}")],
        rules=(PersonalDataValue,),
        lines={"app/views.py": [LINE]},
        files_analysed=2,
        fail_level=Level.ERROR,
        tool_version="0.1.0",
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_findings_reporters_mask_literals(fmt: str) -> None:
    output = render(report(), fmt, show_suppressed=True)
    assert "jane.doe" not in output


@pytest.mark.parametrize("fmt", INVENTORY_FORMATS)
def test_inventory_masks_literals(fmt: str) -> None:
    value = Expr(kind=ExprKind.CONST, text=f'"{EMAIL}"', span=Span(1, 46, 1, 68), value=EMAIL)
    call = TrackingCall(
        path="app/views.py",
        span=Span(1, 5, 1, 69),
        kind="sdk",
        method="track",
        function="app.views.f",
        resolution=Resolution.IMPORT,
        event=Expr(
            kind=ExprKind.CONST,
            text=f'"Mail to {EMAIL}"',
            span=Span(1, 23, 1, 33),
            value=f"Mail to {EMAIL}",
        ),
        distinct_ids=(
            Expr(kind=ExprKind.CONST, text=f'"{EMAIL}"', span=Span(1, 14, 1, 21), value=EMAIL),
        ),
        properties=Payload(
            expr=value,
            properties=(Property(key="contact", key_span=Span(1, 35, 1, 44), value=value),),
        ),
        guard_reason=f"if {EMAIL!r} in allowed",
    )
    output = render_inventory(ProjectModel(root="/p", calls=[call]), fmt)
    assert "jane.doe" not in output
