"""Inventory reporters: complete JSON, Markdown and CSV for a small project."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from mixlint.model import (
    Expr,
    ExprKind,
    Payload,
    ProjectModel,
    Property,
    Resolution,
    Span,
    TrackingCall,
)
from mixlint.report import inventory
from mixlint.report.inventory import CSV_COLUMNS, render_inventory

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture(autouse=True)
def fake_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in that visibly changes what it masks; the real masking is
    # checked in test_report_masking.py.
    monkeypatch.setattr(inventory, "mask_line", lambda line: _EMAIL.sub("<email>", line))


def expr(kind: ExprKind, text: str, line: int, col: int, value: Any = None) -> Expr:
    return Expr(kind=kind, text=text, span=Span(line, col, line, col + len(text)), value=value)


def const(text: str, line: int, col: int) -> Expr:
    return expr(ExprKind.CONST, text, line, col, value=json.loads(text))


def attr(text: str, line: int, col: int) -> Expr:
    base, _, name = text.rpartition(".")
    node = expr(ExprKind.ATTR, text, line, col, value=name)
    return Expr(
        kind=node.kind,
        text=node.text,
        span=node.span,
        value=node.value,
        base=expr(ExprKind.NAME, base, line, col, value=base),
    )


def prop(key: str | None, value: Expr, *, reserved: bool = False) -> Property:
    if key is None:
        return Property(key=None, key_span=Span(0, 0, 0, 0), value=value)
    line, col = value.span.start_line, value.span.start_col - len(key) - 4
    return Property(
        key=key, key_span=Span(line, col, line, col + len(key) + 2), value=value, reserved=reserved
    )


def payload(
    text: str, line: int, col: int, *props: Property, opaque: tuple[Expr, ...] = ()
) -> Payload:
    return Payload(expr=expr(ExprKind.DICT, text, line, col), properties=props, opaque=opaque)


SIGN_UP = TrackingCall(
    path="app/views.py",
    span=Span(12, 9, 12, 81),
    kind="sdk",
    method="track",
    function="app.views.signup",
    resolution=Resolution.IMPORT,
    client="app/settings.py:3:6",
    event=const('"Signed Up"', 12, 27),
    distinct_ids=(attr("user.id", 12, 18),),
    properties=payload(
        '{"email": user.email, "plan": user.plan}',
        12,
        40,
        prop("email", attr("user.email", 12, 50)),
        prop("plan", attr("user.plan", 12, 70)),
    ),
    guarded=True,
    guard_reason="if has_consent(user)",
)

PROFILE = TrackingCall(
    path="app/views.py",
    span=Span(20, 5, 20, 80),
    kind="sdk",
    method="people_set",
    function="app.views.signup",
    resolution=Resolution.IMPORT,
    distinct_ids=(attr("user.id", 20, 19),),
    properties=payload(
        '{"$email": "jane.doe@example.com", "$name": user.get_full_name()}',
        20,
        28,
        prop("$email", const('"jane.doe@example.com"', 20, 39), reserved=True),
        prop(
            "$name",
            expr(ExprKind.CALL, "user.get_full_name()", 20, 70),
            reserved=True,
        ),
    ),
    meta=payload('{"$ip": 0}', 20, 95, prop("$ip", const("0", 20, 103))),
)

API_SIGN_UP = TrackingCall(
    path="app/api/v1.py",
    span=Span(3, 5, 3, 70),
    kind="wrapper",
    method="track",
    function="app.api.v1.register",
    resolution=Resolution.FACTORY,
    wrapper_chain=("app.analytics.track_event",),
    event=const('"Signed Up"', 3, 17),
    distinct_ids=(expr(ExprKind.NAME, "uid", 3, 30, value="uid"),),
    properties=payload(
        "{...}",
        3,
        35,
        prop("email", expr(ExprKind.SUBSCRIPT, 'request.json["email"]', 3, 45)),
        prop(None, expr(ExprKind.NAME, "value", 3, 60, value="value")),
        opaque=(expr(ExprKind.STARRED, "**extra", 3, 62),),
    ),
    guarded=False,
    guard_reason="no consent check before the call",
    via=("app/analytics.py:8",),
)

DYNAMIC = TrackingCall(
    path="app/tasks.py",
    span=Span(7, 5, 7, 44),
    kind="sdk",
    method="track",
    function="app.tasks.report",
    resolution=Resolution.ANNOTATION,
    event=expr(ExprKind.NAME, "event_name", 7, 21, value="event_name"),
    distinct_ids=(expr(ExprKind.NAME, "uid", 7, 16, value="uid"),),
    properties=payload("vars(job)", 7, 33, opaque=(expr(ExprKind.CALL, "vars(job)", 7, 33),)),
)

ALIAS = TrackingCall(
    path="app/views.py",
    span=Span(25, 5, 25, 40),
    kind="sdk",
    method="alias",
    function="app.views.signup",
    resolution=Resolution.IMPORT,
    distinct_ids=(attr("user.id", 25, 14), expr(ExprKind.NAME, "anon_id", 25, 23, value="anon_id")),
    guarded=True,
    guard_reason="if has_consent(user)",
)


def model() -> ProjectModel:
    # Given out of order: the reporter orders calls by path, line and column.
    return ProjectModel(
        root="/work/project",
        files=["app/api/v1.py", "app/settings.py", "app/tasks.py", "app/views.py"],
        calls=[ALIAS, PROFILE, SIGN_UP, DYNAMIC, API_SIGN_UP],
    )


def classify(item: Property) -> str | None:
    if item.key is not None and item.key.lstrip("$") == "email":
        return "e-mail"
    if item.key == "$name":
        return "person name"
    return None


def test_json() -> None:
    def item(
        key: str | None,
        value: str,
        category: str | None,
        line: int,
        col: int,
        reserved: bool = False,
    ) -> dict[str, Any]:
        return {
            "key": key,
            "value": value,
            "category": category,
            "reserved": reserved,
            "line": line,
            "column": col,
        }

    assert json.loads(render_inventory(model(), "json", classify)) == {
        "schema_version": 1,
        "files_analysed": 4,
        "calls": [
            {
                "path": "app/api/v1.py",
                "line": 3,
                "column": 5,
                "end_line": 3,
                "end_column": 70,
                "kind": "wrapper",
                "method": "track",
                "wrapper_chain": ["app.analytics.track_event"],
                "function": "app.api.v1.register",
                "test_code": False,
                "resolution": "factory",
                "event": "Signed Up",
                "event_expression": None,
                "distinct_ids": ["uid"],
                "properties": [
                    item("email", 'request.json["email"]', "e-mail", 3, 36),
                    item(None, "value", None, 3, 60),
                ],
                "meta": [],
                "context": [],
                "unreviewable": [{"payload": "properties", "expression": "**extra"}],
                "guarded": False,
                "guard_reason": "no consent check before the call",
                "via": ["app/analytics.py:8"],
            },
            {
                "path": "app/tasks.py",
                "line": 7,
                "column": 5,
                "end_line": 7,
                "end_column": 44,
                "kind": "sdk",
                "method": "track",
                "wrapper_chain": [],
                "function": "app.tasks.report",
                "test_code": False,
                "resolution": "annotation",
                "event": None,
                "event_expression": "event_name",
                "distinct_ids": ["uid"],
                "properties": [],
                "meta": [],
                "context": [],
                "unreviewable": [{"payload": "properties", "expression": "vars(job)"}],
                "guarded": False,
                "guard_reason": "",
                "via": [],
            },
            {
                "path": "app/views.py",
                "line": 12,
                "column": 9,
                "end_line": 12,
                "end_column": 81,
                "kind": "sdk",
                "method": "track",
                "wrapper_chain": [],
                "function": "app.views.signup",
                "test_code": False,
                "resolution": "import",
                "event": "Signed Up",
                "event_expression": None,
                "distinct_ids": ["user.id"],
                "properties": [
                    item("email", "user.email", "e-mail", 12, 41),
                    item("plan", "user.plan", None, 12, 62),
                ],
                "meta": [],
                "context": [],
                "unreviewable": [],
                "guarded": True,
                "guard_reason": "if has_consent(user)",
                "via": [],
            },
            {
                "path": "app/views.py",
                "line": 20,
                "column": 5,
                "end_line": 20,
                "end_column": 80,
                "kind": "sdk",
                "method": "people_set",
                "wrapper_chain": [],
                "function": "app.views.signup",
                "test_code": False,
                "resolution": "import",
                "event": None,
                "event_expression": None,
                "distinct_ids": ["user.id"],
                "properties": [
                    item("$email", '"<email>"', "e-mail", 20, 29, reserved=True),
                    item("$name", "user.get_full_name()", "person name", 20, 61, reserved=True),
                ],
                "meta": [item("$ip", "0", None, 20, 96)],
                "context": [],
                "unreviewable": [],
                "guarded": False,
                "guard_reason": "",
                "via": [],
            },
            {
                "path": "app/views.py",
                "line": 25,
                "column": 5,
                "end_line": 25,
                "end_column": 40,
                "kind": "sdk",
                "method": "alias",
                "wrapper_chain": [],
                "function": "app.views.signup",
                "test_code": False,
                "resolution": "import",
                "event": None,
                "event_expression": None,
                "distinct_ids": ["user.id", "anon_id"],
                "properties": [],
                "meta": [],
                "context": [],
                "unreviewable": [],
                "guarded": True,
                "guard_reason": "if has_consent(user)",
                "via": [],
            },
        ],
        "events": {
            "Signed Up": {
                "calls": ["app/api/v1.py:3", "app/views.py:12"],
                "guarded_calls": 1,
                "properties": {
                    "email": {
                        "categories": ["e-mail"],
                        "values": ['request.json["email"]', "user.email"],
                        "calls": ["app/api/v1.py:3", "app/views.py:12"],
                    },
                    "(dynamic key)": {
                        "categories": [],
                        "values": ["value"],
                        "calls": ["app/api/v1.py:3"],
                    },
                    "(unreviewable)": {
                        "categories": [],
                        "values": ["**extra"],
                        "calls": ["app/api/v1.py:3"],
                    },
                    "plan": {
                        "categories": [],
                        "values": ["user.plan"],
                        "calls": ["app/views.py:12"],
                    },
                },
            },
            "(alias)": {"calls": ["app/views.py:25"], "guarded_calls": 1, "properties": {}},
            "(dynamic)": {
                "calls": ["app/tasks.py:7"],
                "guarded_calls": 0,
                "properties": {
                    "(unreviewable)": {
                        "categories": [],
                        "values": ["vars(job)"],
                        "calls": ["app/tasks.py:7"],
                    }
                },
            },
            "(profile)": {
                "calls": ["app/views.py:20"],
                "guarded_calls": 0,
                "properties": {
                    "$email": {
                        "categories": ["e-mail"],
                        "values": ['"<email>"'],
                        "calls": ["app/views.py:20"],
                    },
                    "$name": {
                        "categories": ["person name"],
                        "values": ["user.get_full_name()"],
                        "calls": ["app/views.py:20"],
                    },
                    "$ip": {"categories": [], "values": ["0"], "calls": ["app/views.py:20"]},
                },
            },
        },
        "unresolved_imports": [],
    }


def test_json_event_order_and_without_classifier() -> None:
    document = json.loads(render_inventory(model(), "json"))
    assert list(document["events"]) == ["Signed Up", "(alias)", "(dynamic)", "(profile)"]
    assert {item["category"] for call in document["calls"] for item in call["properties"]} == {None}


def test_group_calls_are_summarised_as_group() -> None:
    group = TrackingCall(
        path="app/orgs.py",
        span=Span(4, 5, 4, 60),
        kind="sdk",
        method="group_set",
        function="app.orgs.create",
        resolution=Resolution.HEURISTIC,
        distinct_ids=(const('"company"', 4, 18), attr("org.id", 4, 29)),
        properties=payload('{"name": org.name}', 4, 37, prop("name", attr("org.name", 4, 46))),
    )
    events = json.loads(render_inventory(ProjectModel(root="/p", calls=[group]), "json"))["events"]
    assert events == {
        "(group)": {
            "calls": ["app/orgs.py:4"],
            "guarded_calls": 0,
            "properties": {
                "name": {"categories": [], "values": ["org.name"], "calls": ["app/orgs.py:4"]}
            },
        }
    }


MARKDOWN = """\
# Data sent to Mixpanel

This appendix lists the data that the application sends to Mixpanel, as found in its source \
code by mixlint: 5 tracking calls in 3 files, 1 named event.

## Event “Signed Up”

Sent from `app/api/v1.py:3`, `app/views.py:12`. Consent checked before sending: 1 of 2 calls.

| Property | Example value expression | Personal data | Sent from |
|---|---|---|---|
| `email` | `request.json["email"]` (+1 more) | e-mail | `app/api/v1.py:3`, `app/views.py:12` |
| `(dynamic key)` | `value` | — | `app/api/v1.py:3` |
| `(unreviewable)` | `**extra` | — | `app/api/v1.py:3` |
| `plan` | `user.plan` | — | `app/views.py:12` |

## Other calls: alias

Sent from `app/views.py:25`. Consent checked before sending: 1 of 1 call.

No properties.

## Events with a computed name

Sent from `app/tasks.py:7`. Consent checked before sending: 0 of 1 call.

| Property | Example value expression | Personal data | Sent from |
|---|---|---|---|
| `(unreviewable)` | `vars(job)` | — | `app/tasks.py:7` |

## User profile properties

Sent from `app/views.py:20`. Consent checked before sending: 0 of 1 call.

| Property | Example value expression | Personal data | Sent from |
|---|---|---|---|
| `$email` | `"<email>"` | e-mail | `app/views.py:20` |
| `$name` | `user.get_full_name()` | person name | `app/views.py:20` |
| `$ip` | `0` | — | `app/views.py:20` |
"""


def test_markdown() -> None:
    assert render_inventory(model(), "markdown", classify) == MARKDOWN


def test_markdown_escapes_table_cells() -> None:
    call = TrackingCall(
        path="app/x.py",
        span=Span(1, 1, 1, 50),
        kind="sdk",
        method="track",
        function="app.x.f",
        resolution=Resolution.IMPORT,
        event=const('"A|B <b>"', 1, 10),
        properties=payload("{...}", 1, 20, prop("a|b", expr(ExprKind.OTHER, "x | y `z`", 1, 30))),
    )
    output = render_inventory(ProjectModel(root="/p", calls=[call]), "markdown")
    assert output.splitlines()[4:] == [
        "## Event “A\\|B &lt;b&gt;”",
        "",
        "Sent from `app/x.py:1`. Consent checked before sending: 0 of 1 call.",
        "",
        "| Property | Example value expression | Personal data | Sent from |",
        "|---|---|---|---|",
        "| `a\\|b` | `` x \\| y `z` `` | — | `app/x.py:1` |",
    ]


def test_markdown_without_calls() -> None:
    assert render_inventory(ProjectModel(root="/p", files=["a.py", "b.py"]), "markdown") == (
        "# Data sent to Mixpanel\n\nNo tracking calls were found in the 2 files analysed.\n"
    )


CSV = '''\
path,line,column,end_line,end_column,kind,method,wrapper_chain,function,resolution,event,\
event_expression,distinct_ids,guarded,guard_reason,payload,property,value,category,reserved,test_code
app/api/v1.py,3,5,3,70,wrapper,track,app.analytics.track_event,app.api.v1.register,factory,\
Signed Up,,uid,false,no consent check before the call,properties,email,"request.json[""email""]",\
e-mail,false,false
app/api/v1.py,3,5,3,70,wrapper,track,app.analytics.track_event,app.api.v1.register,factory,\
Signed Up,,uid,false,no consent check before the call,properties,(dynamic key),value,,false,false
app/api/v1.py,3,5,3,70,wrapper,track,app.analytics.track_event,app.api.v1.register,factory,\
Signed Up,,uid,false,no consent check before the call,properties,(unreviewable),**extra,,,false
app/tasks.py,7,5,7,44,sdk,track,,app.tasks.report,annotation,,event_name,uid,false,,properties,\
(unreviewable),vars(job),,,false
app/views.py,12,9,12,81,sdk,track,,app.views.signup,import,Signed Up,,user.id,true,\
if has_consent(user),properties,email,user.email,e-mail,false,false
app/views.py,12,9,12,81,sdk,track,,app.views.signup,import,Signed Up,,user.id,true,\
if has_consent(user),properties,plan,user.plan,,false,false
app/views.py,20,5,20,80,sdk,people_set,,app.views.signup,import,,,user.id,false,,properties,\
$email,"""<email>""",e-mail,true,false
app/views.py,20,5,20,80,sdk,people_set,,app.views.signup,import,,,user.id,false,,properties,\
$name,user.get_full_name(),person name,true,false
app/views.py,20,5,20,80,sdk,people_set,,app.views.signup,import,,,user.id,false,,meta,$ip,0,,false,false
app/views.py,25,5,25,40,sdk,alias,,app.views.signup,import,,,user.id; anon_id,true,\
if has_consent(user),,,,,,false
'''


def test_csv() -> None:
    output = render_inventory(model(), "csv", classify)
    assert output == CSV
    rows = list(csv.DictReader(io.StringIO(output)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 10


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown inventory format 'html'"):
        render_inventory(model(), "html")
