"""Every tracking call in the fixture projects is found, no false one, and the findings are pinned.

Each project under tests/fixtures/ holds an ``expected.yaml`` written by hand
from the code: the complete list of tracking calls with kind, method, event,
property keys, resolution and consent state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mixlint.config import Config
from mixlint.engine import check
from mixlint.model import ExprKind, Span, TrackingCall
from mixlint.run import analyse
from tests.helpers import findings_of, run

FIXTURES = Path(__file__).parent / "fixtures"
PROJECTS = sorted(p.parent for p in FIXTURES.glob("*/expected.yaml"))
EXAMPLE = Path(__file__).parent.parent / "examples" / "shop"


def describe(call: TrackingCall) -> dict[str, Any]:
    event = (
        call.event.value if call.event is not None and call.event.kind is ExprKind.CONST else None
    )
    sent = call.properties or call.context  # a feature flag sends its context
    if sent is None:
        keys: list[str] | str = []
    elif sent.opaque and not sent.properties:
        keys = "?"
    else:
        keys = sorted(p.key or "?" for p in sent.properties)
    return {
        "path": call.path,
        "line": call.span.start_line,
        "kind": call.kind,
        "method": call.method,
        "event": event,
        "keys": keys,
        "resolution": call.resolution.value,
        "guarded": call.guarded,
    }


def expected_calls(project: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load((project / "expected.yaml").read_text(encoding="utf-8"))
    calls = []
    for entry in data.get("calls") or []:
        keys = entry.get("keys", [])
        calls.append(
            {
                "path": entry["path"],
                "line": entry["line"],
                "kind": entry["kind"],
                "method": entry["method"],
                "event": entry.get("event"),
                "keys": keys if keys == "?" else sorted(keys or []),
                "resolution": entry["resolution"],
                "guarded": entry["guarded"],
            }
        )
    return sorted(calls, key=lambda c: (c["path"], c["line"], c["method"], c["kind"]))


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_every_tracking_call_found(project: Path) -> None:
    model = analyse([project], Config())
    found = sorted(
        (describe(c) for c in model.calls),
        key=lambda c: (c["path"], c["line"], c["method"], c["kind"]),
    )
    assert found == expected_calls(project)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_complete_findings(project: Path) -> None:
    data = yaml.safe_load((project / "expected.yaml").read_text(encoding="utf-8"))
    result = run(project, Config())
    found = [[f.rule_id, f.path, f.span.start_line, f.span.start_col] for f in findings_of(result)]
    assert found == data["findings"]


# The rules that judge one tracking call each (the others judge clients and projects).
PER_CALL_RULES = {"MX101", "MX102", "MX103", "MX104", "MX105", "MX106", "MX201", "MX301"}


def _within(span: Span, outer: Span) -> bool:
    return (outer.start_line, outer.start_col) <= (span.start_line, span.start_col) and (
        span.end_line,
        span.end_col,
    ) <= (outer.end_line, outer.end_col)


def _judged_projects() -> list[Path]:
    """The fixtures with a finding of a per-call rule, and the example app."""
    judged = [
        project
        for project in PROJECTS
        if any(
            rule in PER_CALL_RULES
            for rule, *_ in yaml.safe_load((project / "expected.yaml").read_text("utf-8"))[
                "findings"
            ]
            or []
        )
    ]
    return [*judged, EXAMPLE]


@pytest.mark.parametrize(
    "project", _judged_projects(), ids=lambda p: p.name if p != EXAMPLE else "example"
)
def test_every_finding_on_a_call_is_about_an_inventory_entry(project: Path) -> None:
    """One model for every output: a finding about a tracking call lies in a call the
    inventory lists, or (a property written before the call, the callers of a wrapper
    none of which checks consent) points to one as a related location."""
    config = Config()
    model = analyse([project], config)
    result = check(model, config)
    judged = [f for f in result.findings if f.rule_id in PER_CALL_RULES]
    assert judged
    for finding in judged:
        places = [(finding.path, finding.span), *((r.path, r.span) for r in finding.related)]
        assert any(
            call.path == path and _within(span, call.span)
            for path, span in places
            for call in model.calls
        ), (finding.rule_id, finding.path, finding.span.start_line)
