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
from mixlint.model import ExprKind, TrackingCall
from mixlint.run import analyse
from tests.helpers import findings_of, run

FIXTURES = Path(__file__).parent / "fixtures"
PROJECTS = sorted(p.parent for p in FIXTURES.glob("*/expected.yaml"))


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
