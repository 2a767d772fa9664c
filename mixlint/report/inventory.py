"""Inventory reporters: every tracking call and what it sends, as JSON, Markdown or CSV.

The inventory is the data map a privacy policy and a record of processing
activities (GDPR Art. 30) are written from. Like the other reporters it only
formats: the calls come from the ``ProjectModel`` and the personal-data
category of a property from the ``classify`` callback. Every expression it
prints goes through ``mask_line``.

Schema of ``mixlint inventory --format json`` (for the README):

```markdown
### Inventory JSON (`schema_version` 1)

An object with:

- `schema_version` (integer): 1. Keys are never removed within a schema version.
- `files_analysed` (integer): the number of Python files scanned.
- `calls` (array): every tracking call, ordered by path, line and column:
  - `path` (string): relative POSIX path from the project root.
  - `line`, `column`, `end_line`, `end_column` (integers): 1-based; columns count
    code points and the end column is exclusive.
  - `kind` (string): `sdk` (a Mixpanel client method), `wrapper` (a call of a
    project function that forwards into one), `http` (a request to a Mixpanel
    endpoint), `flags` (a feature-flag look-up) or `sender` (a third-party
    sender such as `flask_mixpanel`).
  - `method` (string): the SDK method (`track`, `people_set`), the sender, or
    `POST /track` for HTTP.
  - `wrapper_chain` (array of strings): the wrappers from this call down to the
    SDK call; empty for a direct call.
  - `function` (string): the enclosing function, module-qualified.
  - `test_code` (boolean): the call is in test code (`test-paths`): it shows what the
    tests send, not the application. (Added within `schema_version` 1.)
  - `resolution` (string): how the client was identified: `import`,
    `annotation`, `factory`, `heuristic`, `config`, `sender` or `http`.
  - `event` (string or null): the event name when it is a string literal.
  - `event_expression` (string or null): the event's source expression when it
    is not a literal; null for a literal or a call without an event.
  - `distinct_ids` (array of strings): the distinct_id expressions (two for
    `alias` and `merge`; the group key and id for `group_*`).
  - `properties`, `meta`, `context` (arrays): the event or profile properties,
    the meta properties (`$ip`, `$time` ...) and the feature-flag context, each
    item an object:
    - `key` (string or null): null when the key cannot be known statically.
    - `value` (string): the value's source expression.
    - `category` (string or null): the personal-data category, or null.
    - `reserved` (boolean): a Mixpanel reserved key such as `$email`.
    - `line`, `column` (integers): where the key (or value) is written.
    An object sent whole whose class is a dataclass, pydantic model, attrs class or
    Django model of the project (`asdict(info)`, an event model built by a factory)
    adds one item per field of that class: `key` the field, `value` `(field of
    Class)`, placed at the object's expression (which stays in `unreviewable`).
    (Added within `schema_version` 1.)
  - `unreviewable` (array): parts of a payload whose keys cannot be seen
    (`**kwargs`, `vars(user)`), each `{"payload": "properties" | "meta" |
    "context", "expression": string}`.
  - `guarded` (boolean): the call is dominated by a consent check.
  - `guard_reason` (string): how it is guarded (or why not); may be empty.
  - `via` (array of strings): for a wrapper call, the `path:line` of the SDK
    calls it reaches.
- `events` (object): a summary keyed by event name; profile writes (`people_*`)
  are under `(profile)`, group writes (`group_*`) under `(group)`, events with a
  computed name under `(dynamic)`, other calls under `(METHOD)` (`(alias)`).
  Named events come first, in alphabetical order. Each value is an object:
  - `calls` (array of strings): `path:line` of every call that sends it.
  - `guarded_calls` (integer): how many of them check consent.
  - `properties` (object): keyed by property key (`(dynamic key)` when it
    cannot be known, `(unreviewable)` for opaque parts); each value:
    - `categories` (array of strings): personal-data categories seen.
    - `values` (array of strings): the distinct value expressions.
    - `calls` (array of strings): `path:line` of the calls that send it.
- `unresolved_imports` (array): imports of project modules that name no file of
  the project, ordered by path and line; what they import is not followed, so
  tracking calls through them may be missing. Each `{"path": string, "line":
  integer, "module": string}`, the module as written (relative ones with their
  leading dots). Empty when every import resolved. Added within version 1.
```
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mixlint.literals import mask_line
from mixlint.model import Expr, ExprKind, Payload, ProjectModel, Property, TrackingCall

INVENTORY_FORMATS = ("json", "markdown", "csv")
SCHEMA_VERSION = 1

Classifier = Callable[[Property], str | None]
# The class of an object a call sends whole and its fields, each with its personal-data
# category: ("SignedIn", (("member_email", "e-mail address"), ("method", None))).
ObjectFields = Callable[[TrackingCall, Expr], tuple[str, tuple[tuple[str, str | None], ...]] | None]
# Whether a path (relative to the project root) is test code: ``Config.is_test_code``.
TestCode = Callable[[str], bool]

PROFILE = "(profile)"
GROUP = "(group)"
DYNAMIC = "(dynamic)"
DYNAMIC_KEY = "(dynamic key)"
UNREVIEWABLE = "(unreviewable)"

_PAYLOADS = ("properties", "meta", "context")

CSV_COLUMNS = (
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "kind",
    "method",
    "wrapper_chain",
    "function",
    "resolution",
    "event",
    "event_expression",
    "distinct_ids",
    "guarded",
    "guard_reason",
    "payload",
    "property",
    "value",
    "category",
    "reserved",
    "test_code",
)


def render_inventory(
    model: ProjectModel,
    fmt: str,
    classify: Classifier | None = None,
    is_test: TestCode | None = None,
    fields: ObjectFields | None = None,
) -> str:
    """The inventory of ``model`` as ``fmt`` (one of ``INVENTORY_FORMATS``); ``is_test``
    marks the calls in test code; ``fields`` lists the fields of objects sent whole."""
    calls = [
        _Call.of(call, classify, is_test, fields) for call in sorted(model.calls, key=_call_order)
    ]
    if fmt == "json":
        return _json(model, calls)
    if fmt == "markdown":
        return _markdown(model, calls)
    if fmt == "csv":
        return _csv(calls)
    raise ValueError(
        f"unknown inventory format {fmt!r}; expected one of {', '.join(INVENTORY_FORMATS)}"
    )


# One masked, classified view of a call, shared by the three formats.


@dataclass(frozen=True)
class _Item:
    payload: str  # "properties" | "meta" | "context"
    key: str | None
    value: str
    category: str | None
    reserved: bool
    line: int
    column: int


@dataclass(frozen=True)
class _Call:
    call: TrackingCall
    event: str | None
    event_expression: str | None
    distinct_ids: list[str]
    items: list[_Item]
    unreviewable: list[tuple[str, str]]  # (payload, expression)
    group: str  # the event (or pseudo-event) the call is summarised under
    site: str  # "path:line"
    test_code: bool

    @staticmethod
    def of(
        call: TrackingCall,
        classify: Classifier | None,
        is_test: TestCode | None,
        fields: ObjectFields | None = None,
    ) -> _Call:
        event: str | None = None
        expression: str | None = None
        if call.event is not None:
            if call.event.kind is ExprKind.CONST and isinstance(call.event.value, str):
                event = mask_line(call.event.value)
            else:
                expression = mask_line(call.event.text)
        items: list[_Item] = []
        unreviewable: list[tuple[str, str]] = []
        for name in _PAYLOADS:
            payload: Payload | None = getattr(call, name)
            if payload is None:
                continue
            items.extend(_item(name, prop, classify) for prop in payload.properties)
            unreviewable.extend((name, mask_line(part.text)) for part in payload.opaque)
            listed: set[tuple[str, str]] = set()  # (class, field) already listed
            for part in payload.opaque:
                described = fields(call, part) if fields is not None else None
                if described is not None:
                    items.extend(_field_items(name, part, *described, listed))
        return _Call(
            call=call,
            event=event,
            event_expression=expression,
            distinct_ids=list(dict.fromkeys(mask_line(expr.text) for expr in call.distinct_ids)),
            items=items,
            # The same code in two branches (``event.properties()`` after an if and an
            # elif) hides the same keys: listed once.
            unreviewable=list(dict.fromkeys(unreviewable)),
            group=_group(call, event),
            site=f"{call.path}:{call.span.start_line}",
            test_code=is_test is not None and is_test(call.path),
        )


def _field_items(
    payload: str,
    part: Expr,
    name: str,
    fields: tuple[tuple[str, str | None], ...],
    listed: set[tuple[str, str]],
) -> Iterator[_Item]:
    """The fields of the class of an object sent whole, as the properties it sends; each
    once per call (the same object sent from two branches), where it is first sent."""
    for field, category in fields:
        if (name, field) in listed:
            continue
        listed.add((name, field))
        yield _Item(
            payload=payload,
            key=field,
            value=f"(field of {name})",
            category=category,
            reserved=False,
            line=part.span.start_line,
            column=part.span.start_col,
        )


def _item(payload: str, prop: Property, classify: Classifier | None) -> _Item:
    where = prop.key_span if prop.key_span.start_line > 0 else prop.value.span
    return _Item(
        payload=payload,
        key=mask_line(prop.key) if prop.key is not None else None,
        value=mask_line(prop.value.text),
        category=classify(prop) if classify is not None else None,
        reserved=prop.reserved,
        line=where.start_line,
        column=where.start_col,
    )


def _group(call: TrackingCall, event: str | None) -> str:
    if event is not None:
        return event
    if call.method.startswith("people_"):
        return PROFILE
    if call.method.startswith("group_"):
        return GROUP
    if call.event is not None:
        return DYNAMIC
    return f"({call.method})"


def _call_order(call: TrackingCall) -> tuple[tuple[str, ...], int, int]:
    return (tuple(call.path.split("/")), call.span.start_line, call.span.start_col)


# JSON


def _json(model: ProjectModel, calls: list[_Call]) -> str:
    document = {
        "schema_version": SCHEMA_VERSION,
        "files_analysed": len(model.files),
        "calls": [_call_json(call) for call in calls],
        "events": _summary(calls),
        "unresolved_imports": [
            {"path": item.path, "line": item.line, "module": item.module}
            for item in model.unresolved
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _call_json(view: _Call) -> dict[str, Any]:
    call = view.call
    out: dict[str, Any] = {
        "path": call.path,
        "line": call.span.start_line,
        "column": call.span.start_col,
        "end_line": call.span.end_line,
        "end_column": call.span.end_col,
        "kind": call.kind,
        "method": call.method,
        "wrapper_chain": list(call.wrapper_chain),
        "function": call.function,
        "test_code": view.test_code,
        "resolution": call.resolution.value,
        "event": view.event,
        "event_expression": view.event_expression,
        "distinct_ids": view.distinct_ids,
    }
    for name in _PAYLOADS:
        out[name] = [
            {
                "key": item.key,
                "value": item.value,
                "category": item.category,
                "reserved": item.reserved,
                "line": item.line,
                "column": item.column,
            }
            for item in view.items
            if item.payload == name
        ]
    out["unreviewable"] = [
        {"payload": payload, "expression": expression} for payload, expression in view.unreviewable
    ]
    out["guarded"] = call.guarded
    out["guard_reason"] = mask_line(call.guard_reason)
    out["via"] = list(call.via)
    return out


def _summary(calls: list[_Call]) -> dict[str, Any]:
    events: dict[str, dict[str, Any]] = {}
    for view in calls:
        entry = events.setdefault(view.group, {"calls": [], "guarded_calls": 0, "properties": {}})
        _add(entry["calls"], view.site)
        entry["guarded_calls"] += int(view.call.guarded)
        for key, value, category in _sent(view):
            prop = entry["properties"].setdefault(
                key, {"categories": [], "values": [], "calls": []}
            )
            if category is not None:
                _add(prop["categories"], category)
            _add(prop["values"], value)
            _add(prop["calls"], view.site)
    for entry in events.values():
        for prop in entry["properties"].values():
            prop["categories"].sort()
            prop["values"].sort()
    return {name: events[name] for name in sorted(events, key=_event_order)}


def _sent(view: _Call) -> Iterator[tuple[str, str, str | None]]:
    """(key, value expression, category) of everything the call sends."""
    for item in view.items:
        yield (item.key if item.key is not None else DYNAMIC_KEY), item.value, item.category
    for _, expression in view.unreviewable:
        yield UNREVIEWABLE, expression, None


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _event_order(name: str) -> tuple[bool, str]:
    # Named events first: they are what a reader looks for; pseudo-events last.
    return (name.startswith("(") and name.endswith(")"), name.casefold())


# Markdown


_TITLES = {
    PROFILE: "User profile properties",
    GROUP: "Group profile properties",
    DYNAMIC: "Events with a computed name",
}


def _markdown(model: ProjectModel, calls: list[_Call]) -> str:
    out = ["# Data sent to Mixpanel", ""]
    if not calls:
        out.append(
            f"No tracking calls were found in the {_plural(len(model.files), 'file')} analysed."
        )
        out.extend(_unresolved_markdown(model))
        return "\n".join(out) + "\n"
    summary = _summary(calls)
    named = sum(1 for name in summary if not _event_order(name)[0])
    files = len({view.call.path for view in calls})
    tests = {view.site for view in calls if view.test_code}
    out.append(
        f"This appendix lists the data that the application sends to Mixpanel, as found "
        f"in its source code by mixlint: {_plural(len(calls), 'tracking call')} "
        f"in {_plural(files, 'file')}, {_plural(named, 'named event')}."
    )
    if tests:
        count = sum(1 for view in calls if view.test_code)
        out.append(
            f"Of these, {_plural(count, 'call')} {'is' if count == 1 else 'are'} in test "
            f"code, marked “(test code)”: {'it shows' if count == 1 else 'they show'} what the "
            f"tests send, not what the application sends."
        )

    def site(where: str) -> str:
        return _code(where) + (" (test code)" if where in tests else "")

    for name, entry in summary.items():
        title = _TITLES.get(name) or (
            f"Other calls: {_cell(name[1:-1])}"
            if _event_order(name)[0]
            else f"Event “{_cell(name)}”"
        )
        sites = entry["calls"]
        out += [
            "",
            f"## {title}",
            "",
            f"Sent from {', '.join(site(where) for where in sites)}. "
            f"Consent checked before sending: {entry['guarded_calls']} of "
            f"{_plural(len(sites), 'call')}.",
            "",
        ]
        if not entry["properties"]:
            out.append("No properties.")
            continue
        out += [
            "| Property | Example value expression | Personal data | Sent from |",
            "|---|---|---|---|",
        ]
        for key, prop in entry["properties"].items():
            values = prop["values"]
            example = _code(values[0]) + (f" (+{len(values) - 1} more)" if len(values) > 1 else "")
            category = ", ".join(prop["categories"]) or "—"
            where = ", ".join(site(call) for call in prop["calls"])
            out.append(f"| {_code(key)} | {example} | {_cell(category)} | {where} |")
    out.extend(_unresolved_markdown(model))
    return "\n".join(out) + "\n"


def _unresolved_markdown(model: ProjectModel) -> list[str]:
    """A closing note on the imports that could not be followed, if any."""
    if not model.unresolved:
        return []
    count = len(model.unresolved)
    out = [
        "",
        "## Not followed",
        "",
        f"{_plural(count, 'import')} of project modules could not be resolved, so "
        "tracking calls through them may be missing from this list:",
        "",
    ]
    out.extend(
        f"- {_code(f'{item.path}:{item.line}')}: {_code(item.module)}" for item in model.unresolved
    )
    return out


def _cell(text: str) -> str:
    text = " ".join(text.split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    # Inside a GFM table `|` splits cells even in code spans, so it is escaped.
    text = " ".join(text.split()).replace("|", "\\|")
    fence, pad = ("``", " ") if "`" in text else ("`", "")
    return f"{fence}{pad}{text}{pad}{fence}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# CSV


def _csv(calls: list[_Call]) -> str:
    buffer = io.StringIO()
    # "\n" rather than csv's "\r\n": the caller writes text, and on Windows a
    # text stream would turn "\r\n" into "\r\r\n".
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for view in calls:
        call = view.call
        common = [
            call.path,
            call.span.start_line,
            call.span.start_col,
            call.span.end_line,
            call.span.end_col,
            call.kind,
            call.method,
            " > ".join(call.wrapper_chain),
            call.function,
            call.resolution.value,
            view.event or "",
            view.event_expression or "",
            "; ".join(view.distinct_ids),
            _bool(call.guarded),
            mask_line(call.guard_reason),
        ]
        rows = [
            [
                item.payload,
                item.key or DYNAMIC_KEY,
                item.value,
                item.category or "",
                _bool(item.reserved),
            ]
            for item in view.items
        ]
        rows += [
            [payload, UNREVIEWABLE, expression, "", ""] for payload, expression in view.unreviewable
        ]
        for row in rows or [["", "", "", "", ""]]:
            writer.writerow([*common, *row, _bool(view.test_code)])
    return buffer.getvalue()


def _bool(value: bool) -> str:
    return "true" if value else "false"
