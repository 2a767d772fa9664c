"""MX302 ip-suppression-unverified: a transport that may not send ``ip=0``.

The SDK's ``Consumer`` (and ``BufferedConsumer``, which delegates to it) posts
``ip=0`` with every request, so Mixpanel does not geolocate the server's
address (``tests/test_sdk_ip.py`` pins that against the installed SDK). Any
other transport has to be checked by a person: a custom consumer class, a proxy
host, a hand-written HTTP request, a third-party sender.
"""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.model import ExprKind, Finding, Level, ProjectModel, SdkObject
from mixlint.sdk import Sdk, load_sdk
from mixlint.transport import (
    IP_SAFE_PACKAGES,
    URL_ARGUMENTS,
    Constants,
    host_of,
    http_sends_ip_zero,
    is_consumer,
    is_mixpanel_host,
    sender_signature,
    signature_of,
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
                and (str(callee[0].value).split(".")[0] in IP_SAFE_PACKAGES)
            ):
                return ""
        through = f"the consumer that `{name}` returns" if name.endswith("()") else f"`{name}`"
        return (
            f"this client sends through {through}, which is not the SDK's Consumer or "
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
