"""MX302 ip-suppression-unverified: a transport that may not send ``ip=0``.

The SDK's ``Consumer`` (and ``BufferedConsumer``, which delegates to it) posts
``ip=0`` with every request, so Mixpanel does not geolocate the server's
address (``tests/test_sdk_ip.py`` pins that against the installed SDK). Any
other transport has to be checked by a person: a custom consumer class, a proxy
host, a hand-written HTTP request, a third-party sender.

This module also holds the small constant-folding and host helpers that the
other transport rules (MX401, MX402) share.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from mixlint.checks.base import CheckContext, Rule
from mixlint.model import Expr, ExprKind, Finding, Level, ModuleSummary, ProjectModel, SdkObject
from mixlint.sdk import Sdk, Signature, load_sdk

URL_ARGUMENTS = ("events_url", "people_url", "import_url", "groups_url")
DEFAULT_HOST = "api.mixpanel.com"
EU_HOST = "api-eu.mixpanel.com"
_MAX_DEPTH = 30
_IP_ZERO_QUERY = re.compile(r"[?&]ip=0(?![0-9])")
# Third-party consumers known to send `ip=0` themselves (mixpanel-sdk.md §7).
_IP_SAFE_PACKAGES = frozenset({"aiomixpanel"})
_UNKNOWN_PART = "\x00"  # stands for an interpolation whose value cannot be seen


# -- constants -------------------------------------------------------------------


class Constants:
    """Follows an expression to the value it holds, across module constants and imports.

    Local names are followed through their ``origin``; a name without one is looked
    up among its module's globals, and a global bound by ``from x import NAME`` (or
    read as ``module.NAME``) is followed into the project module that defines it.
    """

    def __init__(self, project: ProjectModel) -> None:
        self.project = project
        self.by_module: dict[str, ModuleSummary] = {}
        for summary in project.modules.values():
            self.by_module.setdefault(summary.module, summary)

    def resolve(self, expr: Expr | None, path: str, depth: int = 0) -> tuple[Expr, str] | None:
        """The expression that defines ``expr``'s value and the file it stands in."""
        if expr is None or depth > _MAX_DEPTH:
            return None
        sub = depth + 1
        if expr.kind is ExprKind.NAME:
            if expr.origin is not None:
                return self.resolve(expr.origin, path, sub)
            bound = self.global_value(path, str(expr.value))
            if bound is None:
                return expr, path
            return self.resolve(bound[0], bound[1], sub)
        if expr.kind is ExprKind.IMPORT:
            found = self.imported(str(expr.value))
            if found is None:
                return expr, path
            return self.resolve(found[0], found[1], sub)
        if expr.kind is ExprKind.ATTR and expr.base is not None:
            owner = self.resolve(expr.base, path, sub)
            if owner is not None and owner[0].kind is ExprKind.IMPORT:
                found = self.imported(f"{owner[0].value!s}.{expr.value!s}")
                if found is not None:
                    return self.resolve(found[0], found[1], sub)
        return expr, path

    def global_value(self, path: str, name: str) -> tuple[Expr, str] | None:
        """The single module-level binding of ``name`` (None when absent or rebound)."""
        summary = self.project.modules.get(path)
        if summary is None:
            return None
        values = summary.globals.get(name, ())
        if len(values) != 1:
            return None
        return values[0], path

    def imported(self, qualified: str) -> tuple[Expr, str] | None:
        """``pkg.config.API_SECRET`` -> the binding of API_SECRET in pkg/config.py."""
        if qualified in self.by_module:
            return None  # a module, not a constant
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.by_module.get(".".join(parts[:cut]))
            if module is None:
                continue
            if cut != len(parts) - 1:
                return None
            return self.global_value(module.path, parts[-1])
        return None

    def literal(self, expr: Expr | None, path: str) -> tuple[Expr, str] | None:
        """The CONST expression behind ``expr`` (and its file), if it is a literal."""
        found = self.resolve(expr, path)
        if found is None or found[0].kind is not ExprKind.CONST:
            return None
        return found

    def text(self, expr: Expr | None, path: str, depth: int = 0) -> str | None:
        """A string's value; f-strings and ``+`` keep their literal parts, with unknown
        interpolations as a placeholder character. None when nothing literal is seen."""
        found = self.resolve(expr, path)
        if found is None or depth > _MAX_DEPTH:
            return None
        target, where = found
        if target.kind is ExprKind.CONST:
            return target.value if isinstance(target.value, str) else None
        if target.kind is ExprKind.FSTRING:
            return _fstring_literal(target.text)
        if target.kind is ExprKind.CONCAT and target.value == "+" and len(target.args) == 2:
            left = self.text(target.args[0], where, depth + 1)
            right = self.text(target.args[1], where, depth + 1)
            if left is None and right is None:
                return None
            return (left if left is not None else _UNKNOWN_PART) + (
                right if right is not None else _UNKNOWN_PART
            )
        return None


def _fstring_literal(text: str) -> str | None:
    """``f"https://{host}/track"`` -> "https://\\x00/track" (source text, best effort)."""
    match = re.match(r"(?is)^[rbfu]*('''|\"\"\"|'|\")(.*)\1$", text.strip())
    if match is None:
        return None
    body = match.group(2).replace("{{", "\x01").replace("}}", "\x02")
    body = re.sub(r"\{[^{}]*\}", _UNKNOWN_PART, body)
    return body.replace("\x01", "{").replace("\x02", "}")


# -- hosts -----------------------------------------------------------------------


def host_of(text: str, bare: bool) -> str | None:
    """The host of a URL (``bare``: an ``api_host`` value that should have no scheme).

    None when the host cannot be read (an interpolation, an empty value).
    """
    value = text.strip()
    if bare and "://" not in value:
        value = "https://" + value
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    if not host or _UNKNOWN_PART in host:
        return None
    return host.lower().rstrip(".")


def shown(text: str) -> str:
    """A literal text for a message, with unknown interpolations as ``{…}``."""
    return text.strip().replace(_UNKNOWN_PART, "{…}")


def is_mixpanel_host(host: str) -> bool:
    return host == "mixpanel.com" or host.endswith(".mixpanel.com")


def scheme_of(text: str) -> str:
    return text.strip().split("://", 1)[0].lower() if "://" in text else ""


def signature_of(obj: SdkObject, sdk: Sdk) -> Signature | None:
    return sdk.objects.get(obj.qualname)


def hidden_arguments(call: Expr) -> bool:
    """``Consumer(**options)`` / ``Consumer(*args)``: some arguments cannot be seen."""
    return any(key is None for key, _ in call.keywords) or any(
        arg.kind is ExprKind.STARRED for arg in call.args
    )


def is_consumer(obj: SdkObject) -> bool:
    return obj.kind in ("Consumer", "BufferedConsumer")


def request_url(call: Expr, constants: Constants, path: str, sdk: Sdk) -> tuple[Expr, str] | None:
    """The URL argument of a direct HTTP request (``url=`` or one of the first two)
    and its literal text, as the extractor chose it."""
    url = call.keyword("url")
    candidates = [url] if url is not None else list(call.args[:2])
    for candidate in candidates:
        text = constants.text(candidate, path)
        if text is not None and any(host in text for host in sdk.hosts):
            return candidate, text
    return None


# -- MX302 -------------------------------------------------------------------------


def _sends_ip_zero(expr: Expr | None, constants: Constants, path: str, depth: int = 0) -> bool:
    """Does a request payload (dict, ``dict(...)``, ``urlencode(...)``...) set ip to 0?"""
    if expr is None or depth > _MAX_DEPTH:
        return False
    found = constants.resolve(expr, path)
    if found is None:
        return False
    target, where = found
    sub = depth + 1
    if target.kind is ExprKind.DICT:
        for key, value in target.items:
            if key is None:
                if _sends_ip_zero(value, constants, where, sub):
                    return True
                continue
            key_value = constants.literal(key, where)
            if (
                key_value is not None
                and key_value[0].value in ("ip", "$ip")
                and _is_zero(value, constants, where)
            ):
                return True
            if _sends_ip_zero(value, constants, where, sub):
                return True
        return False
    if target.kind is ExprKind.CALL:
        for keyword, value in target.keywords:
            if keyword == "ip" and _is_zero(value, constants, where):
                return True
            if _sends_ip_zero(value, constants, where, sub):
                return True
        return any(_sends_ip_zero(arg, constants, where, sub) for arg in target.args)
    if target.kind is ExprKind.SEQ:
        if len(target.args) == 2:
            key_value = constants.literal(target.args[0], where)
            if (
                key_value is not None
                and key_value[0].value == "ip"
                and _is_zero(target.args[1], constants, where)
            ):
                return True
        return any(_sends_ip_zero(arg, constants, where, sub) for arg in target.args)
    return False


def _is_zero(expr: Expr, constants: Constants, path: str) -> bool:
    found = constants.literal(expr, path)
    return found is not None and found[0].value in (0, "0") and found[0].value is not False


def http_sends_ip_zero(call: Expr, constants: Constants, path: str, sdk: Sdk) -> bool:
    texts = [constants.text(arg, path) for arg in (*call.args[:2], call.keyword("url"))]
    if any(text is not None and _IP_ZERO_QUERY.search(text) for text in texts):
        return True
    return any(
        _sends_ip_zero(call.keyword(name), constants, path)
        for name in ("data", "json", "params", "body", "content")
    )


class IpSuppressionUnverified(Rule):
    id = "MX302"
    name = "ip-suppression-unverified"
    level = Level.WARNING
    summary = (
        "A transport that does not guarantee that Mixpanel ignores the request's IP "
        "address: a custom consumer object (anything but the SDK's `Consumer` / "
        "`BufferedConsumer` or a subclass), a `Consumer` whose `events_url`, `people_url`, "
        "`import_url`, `groups_url` or `api_host` points to a host that is not Mixpanel's "
        "(a proxy), a direct HTTP request to a Mixpanel ingestion endpoint that does not "
        "send `ip=0`, or a third-party sender that does not suppress the IP "
        "(`flask_mixpanel`, mixpanel-celery's `EventTracker` / `PeopleTracker`). Reported "
        "at the `Mixpanel(...)` construction for a custom consumer, at the consumer "
        "construction for a proxy, and at each request or sender call."
    )
    why = (
        "Mixpanel geolocates every event and profile update from the request's IP address "
        "unless the request says `ip=0`; the SDK's own consumers always do. A request "
        "without it stores the user's city, region and country (or the server's, which is "
        "wrong data) although the analysis needs none of it: data minimisation "
        "(GDPR Art. 5(1)(c)) and data protection by default (Art. 25(2)). A proxy or a "
        "custom consumer may drop the flag, so its code has to be reviewed."
    )
    fix = (
        "Use the SDK's `Consumer` or `BufferedConsumer` (a subclass keeps `ip=0`) with "
        '`api_host="api-eu.mixpanel.com"`. If a custom consumer or a proxy is needed, make '
        'it forward the `ip=0` form field, set `meta={"$ip": 0}` on profile updates, and '
        "suppress this finding with the reason. Add `ip=0` to hand-written requests "
        '(`data={"data": ..., "ip": 0}` or `?ip=0`). Replace `flask_mixpanel` and '
        "mixpanel-celery with the official SDK."
    )
    tags = ("privacy", "gdpr", "ip-address")
    security_severity = 4.0
    precision = "medium"
    invalid = (
        '''
from django.conf import settings
from mixpanel import Mixpanel


class CeleryConsumer:
    """Hands messages to a Celery worker instead of sending them inline."""

    def send(self, endpoint, json_message, api_key=None, api_secret=None):
        deliver_to_mixpanel.delay(endpoint, json_message)


mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=CeleryConsumer())
''',
        """
from mixpanel import BufferedConsumer, Mixpanel

consumer = BufferedConsumer(
    events_url="https://analytics-proxy.internal.example.com/mp/track",
    people_url="https://analytics-proxy.internal.example.com/mp/engage",
)
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=consumer)
""",
        """
import base64
import json

import requests


def send_event(event):
    url = "https://api-eu.mixpanel.com/track"
    data = base64.b64encode(json.dumps(event).encode()).decode()
    requests.post(url, data={"data": data, "verbose": 1}, timeout=5)
""",
        """
from flask import Flask
from flask_mixpanel import Mixpanel

app = Flask(__name__)
mixpanel = Mixpanel(app)


@app.post("/newsletter")
def newsletter():
    if consent_given():
        mixpanel.track("Newsletter Subscribed", {"source": "footer"})
    return "", 204
""",
        """
from mixpanel.tasks import EventTracker


def on_download(document, analytics_consent):
    if analytics_consent:
        EventTracker.delay("Document Downloaded", {"document_id": document.pk})
""",
        """
from mixpanel import Consumer, Mixpanel

mp = Mixpanel(
    "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
    consumer=Consumer(api_host="mp-relay.example.com"),
)
""",
    )
    valid = (
        """
from django.conf import settings
from mixpanel import Consumer, Mixpanel

mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))
""",
        '''
from mixpanel import BufferedConsumer, Mixpanel


class FlushingConsumer(BufferedConsumer):
    """Flushes after every request in short-lived jobs."""

    def send(self, endpoint, json_message, api_key=None, api_secret=None):
        super().send(endpoint, json_message, api_key, api_secret)
        self.flush()


consumer = FlushingConsumer(api_host="api-eu.mixpanel.com")
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=consumer)
''',
        """
import base64
import json

import requests


def send_event(event):
    data = base64.b64encode(json.dumps(event).encode()).decode()
    requests.post(
        "https://api-eu.mixpanel.com/track",
        data={"data": data, "verbose": 1, "ip": 0},
        timeout=5,
    )
""",
        """
import httpx


async def send_profile_update(payload):
    async with httpx.AsyncClient() as client:
        await client.post("https://api-eu.mixpanel.com/engage?ip=0", data={"data": payload})
""",
        """
from mixpanel import Consumer

consumer = Consumer(
    events_url="https://api-eu.mixpanel.com/track",
    people_url="https://api-eu.mixpanel.com/engage",
    api_host="api-eu.mixpanel.com",
)
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        sdk = load_sdk()
        constants = Constants(project)
        for obj in project.objects:
            if (
                obj.kind == "Mixpanel"
                and obj.consumer is not None
                and obj.consumer.startswith("custom:")
            ):
                message = self._custom_consumer(obj, constants, sdk)
                if message:
                    yield self.finding(obj.path, obj.span, message)
            elif is_consumer(obj):
                proxies = self._proxies(obj, constants, sdk)
                if proxies:
                    yield self.finding(
                        obj.path,
                        obj.span,
                        (
                            f"this {obj.kind} sends to a host that is not Mixpanel's "
                            f"({'; '.join(proxies)}): mixlint cannot verify that the proxy "
                            f"forwards the `ip=0` flag, so Mixpanel may geolocate users from "
                            f"their IP address (GDPR Art. 5(1)(c), 25). Check that the proxy "
                            f"keeps `ip=0` and suppress this finding with the reason, or send "
                            f"to api-eu.mixpanel.com directly"
                        ),
                    )
        for call in project.calls:
            if call.kind == "http" and call.call is not None:
                if not http_sends_ip_zero(call.call, constants, call.path, sdk):
                    yield self.finding(
                        call.path,
                        call.span,
                        (
                            f"this direct request to Mixpanel's `{call.method}` endpoint does not "
                            f"send `ip=0`, so Mixpanel geolocates the user from the request's IP "
                            f'address (GDPR Art. 5(1)(c), 25). Add `"ip": 0` to the form data '
                            f"or `?ip=0` to the URL, or use the SDK's Consumer, which always "
                            f"sends it"
                        ),
                    )
            elif call.kind == "sender":
                yield self.finding(call.path, call.span, self._sender(call.method, sdk))

    def _custom_consumer(self, obj: SdkObject, constants: Constants, sdk: Sdk) -> str:
        assert obj.consumer is not None
        name = obj.consumer.split(":", 1)[1]
        signature = signature_of(obj, sdk)
        consumer = signature.argument(obj.call, "consumer") if signature is not None else None
        found = constants.resolve(consumer, obj.path) if consumer is not None else None
        if found is not None and found[0].kind is ExprKind.PARAM:
            # Handed in by the caller: the construction that decides it is elsewhere.
            return ""
        if found is not None and found[0].kind is ExprKind.CALL:
            callee = constants.resolve(found[0].base, found[1])
            if (
                callee is not None
                and callee[0].kind is ExprKind.IMPORT
                and (str(callee[0].value).split(".")[0] in _IP_SAFE_PACKAGES)
            ):
                return ""
        return (
            f"this client sends through `{name}`, which is not the SDK's Consumer or "
            f"BufferedConsumer (or mixlint cannot see that it is one): the SDK's consumers "
            f"always send `ip=0`, a custom one may not, and then Mixpanel geolocates users "
            f"from their IP address (GDPR Art. 5(1)(c), 25). Derive it from Consumer, or make "
            f'it send `ip=0` and set `meta={{"$ip": 0}}` on profile updates, then suppress '
            f"this finding with the reason"
        )

    def _proxies(self, obj: SdkObject, constants: Constants, sdk: Sdk) -> list[str]:
        signature = signature_of(obj, sdk)
        if signature is None:
            return []
        found: list[str] = []
        for name in (*URL_ARGUMENTS, "api_host"):
            value = signature.argument(obj.call, name)
            text = constants.text(value, obj.path) if value is not None else None
            if text is None:
                continue
            host = host_of(text, bare=name == "api_host")
            if host is not None and not is_mixpanel_host(host):
                found.append(f"{name}={host}")
        return found

    def _sender(self, method: str, sdk: Sdk) -> str:
        signature = sender_signature(method, sdk)
        if signature is not None and signature.adds_ip:
            detail = (
                "flask_mixpanel adds the client's IP address (`request.access_route[0]`) "
                "to every event and `$ip` to every profile update"
            )
        else:
            detail = "mixpanel-celery sends its own HTTP request without `ip=0`"
        return (
            f"`{method}` is a third-party sender that does not suppress the IP: {detail}, so "
            f"Mixpanel geolocates the user (GDPR Art. 5(1)(c), 25). Send through the official "
            f"SDK's Consumer instead, which always sends `ip=0`"
        )


def sender_signature(method: str, sdk: Sdk) -> Signature | None:
    """The yaml entry of a third-party sender call (``mixpanel.tasks.EventTracker.delay``)."""
    name = method
    while name:
        signature = sdk.senders.get(name)
        if signature is not None:
            return signature
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return None
