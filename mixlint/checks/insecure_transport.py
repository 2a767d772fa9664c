"""MX401 insecure-transport: tracking data sent without verified TLS.

Client-level findings go to the construction that decides the transport (the
``Consumer(...)`` / ``BufferedConsumer(...)`` / flags config), one finding per
construction listing every problem; per-call findings go to direct HTTP
requests and plain-HTTP third-party senders.
"""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.fix.changes import edit_string, fix, remove_argument, replace
from mixlint.model import (
    Applicability,
    Change,
    Expr,
    ExprKind,
    Finding,
    Fix,
    Level,
    ProjectModel,
    SdkObject,
)
from mixlint.sdk import Sdk, load_sdk
from mixlint.transport import (
    URL_ARGUMENTS,
    Constants,
    host_of,
    is_consumer,
    is_mixpanel_host,
    request_url,
    scheme_of,
    sender_signature,
    shown,
    signature_of,
)


def _is_false(expr: Expr | None, constants: Constants, path: str) -> bool:
    found = constants.literal(expr, path)
    return found is not None and found[0].value in (False, 0)


def _https(expr: Expr, path: str, constants: Constants, bare: bool) -> Change | None:
    """``http://`` -> ``https://`` where the URL is written as a literal (an ``api_host``
    loses the scheme: it takes a bare host)."""
    found = constants.resolve(expr, path)
    if found is None:
        return None
    target, where = found
    if target.kind is ExprKind.CONCAT and target.value == "+" and target.args:
        return _https(target.args[0], where, constants, bare)
    if target.kind is ExprKind.FSTRING or (
        target.kind is ExprKind.CONST and isinstance(target.value, str)
    ):
        return edit_string(where, target.span, "http://", "" if bare else "https://")
    return None


def _safe_fix(problems: list[tuple[str, Change | None]]) -> Fix | None:
    """One fix for all the problems of a finding, or none when one of them has no change."""
    changes = [change for _, change in problems]
    if None in changes:
        return None
    return fix("Verify TLS and use https://", Applicability.SAFE, [c for c in changes if c])


def _plain_http_mixpanel(text: str, bare: bool) -> bool:
    if scheme_of(text) != "http":
        return False
    host = host_of(text, bare=bare)
    # An api_host with a scheme is broken anyway; its intent (plain HTTP) is what counts.
    return host is None or is_mixpanel_host(host)


class InsecureTransport(Rule):
    id = "MX401"
    name = "insecure-transport"
    level = Level.ERROR
    summary = (
        "Tracking data sent without verified TLS: `verify_cert=False` on a `Consumer` / "
        "`BufferedConsumer` (by keyword, or by position: 9th argument of `Consumer`, 10th "
        "of `BufferedConsumer`), an `http://` Mixpanel endpoint in `events_url`, "
        "`people_url`, `import_url`, `groups_url`, `api_host` or a flags config, a direct "
        "HTTP request to an `http://` Mixpanel URL or with `verify=False`, and "
        "mixpanel-celery's trackers, which always send plain HTTP. Reported at the consumer "
        "construction, or at the request or sender call."
    )
    why = (
        "Events and profile updates carry personal data (pseudonymous IDs, properties, "
        "sometimes the API secret). Without TLS, or with certificate verification off, "
        "anyone on the network path can read or alter them: GDPR Art. 32(1)(a) and (b) "
        "require encryption in transit and the confidentiality and integrity of processing "
        "systems. mixpanel 4.8.3 shipped with verification off by default; copies of that "
        "workaround still circulate."
    )
    fix = (
        "Remove `verify_cert=False` (the default verifies certificates); if a corporate "
        "proxy re-signs TLS, give Python its CA bundle (`REQUESTS_CA_BUNDLE`) instead. Use "
        '`https://` URLs and a bare `api_host="api-eu.mixpanel.com"`. Drop `verify=False` '
        "from hand-written requests, and replace mixpanel-celery with the official SDK "
        "(queue the work in your own Celery task that calls `mp.track`)."
    )
    autofix = (
        "Removes `verify_cert=False` and `verify=False` (the default verifies "
        "certificates), sets a `verify_cert` passed by position to `True`, and turns "
        "`http://` into `https://` in a Mixpanel URL written as a literal. "
        "mixpanel-celery's trackers have no fix."
    )
    autofix_safety = Applicability.SAFE
    tags = ("privacy", "gdpr", "security")
    security_severity = 7.4
    precision = "high"
    invalid = (
        """
from django.conf import settings
from mixpanel import Consumer, Mixpanel

# The office proxy re-signs TLS with its own CA.
consumer = Consumer(api_host="api-eu.mixpanel.com", verify_cert=False)
mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=consumer)
""",
        """
from mixpanel import BufferedConsumer, Mixpanel

# max_size, events_url, people_url, import_url, request_timeout, groups_url,
# api_host, retry_limit, retry_backoff_factor, verify_cert
consumer = BufferedConsumer(
    50, None, None, None, 10, None, "api-eu.mixpanel.com", 4, 0.25, False
)
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=consumer)
""",
        """
from mixpanel import Consumer, Mixpanel

mp = Mixpanel(
    "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
    consumer=Consumer(
        events_url="http://api-eu.mixpanel.com/track",
        api_host="api-eu.mixpanel.com",
    ),
)
""",
        """
import json

import requests


def send_batch(events):
    url = "http://api-eu.mixpanel.com/import?strict=1"
    requests.post(url, data={"data": json.dumps(events), "ip": 0}, timeout=10)
""",
        """
import requests


def send_profile(payload):
    requests.post(
        "https://api-eu.mixpanel.com/engage",
        data={"data": payload, "ip": 0},
        verify=False,
    )
""",
        """
from mixpanel.tasks import PeopleTracker


def on_plan_change(account, consent):
    if consent:
        PeopleTracker().delay(str(account.pk), {"plan": account.plan})
""",
    )
    valid = (
        """
from django.conf import settings
from mixpanel import Consumer, Mixpanel

consumer = Consumer(api_host="api-eu.mixpanel.com")
mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=consumer)
""",
        """
from mixpanel import BufferedConsumer, Mixpanel

consumer = BufferedConsumer(
    50, None, None, None, 10, None, "api-eu.mixpanel.com", 4, 0.25, True
)
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=consumer)
""",
        """
from mixpanel import Consumer

consumer = Consumer(
    events_url="https://api-eu.mixpanel.com/track",
    people_url="https://api-eu.mixpanel.com/engage",
    verify_cert=True,
)
""",
        """
import json

import requests


def send_batch(events):
    url = "https://api-eu.mixpanel.com/import?strict=1"
    requests.post(url, data={"data": json.dumps(events), "ip": 0}, timeout=10)
""",
        """
from mixpanel import LocalFlagsConfig, Mixpanel

flags = LocalFlagsConfig(api_host="api-eu.mixpanel.com")
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", local_flags_config=flags)
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        sdk = load_sdk()
        constants = Constants(project)
        for obj in project.objects:
            if is_consumer(obj) or obj.kind == "FlagsConfig":
                problems = self._construction(obj, constants, sdk)
                if problems:
                    yield self.finding(
                        obj.path,
                        obj.span,
                        (
                            f"this {obj.kind} sends tracking data without verified TLS "
                            f"({'; '.join(problem for problem, _ in problems)}): anyone on the "
                            f"network path can read or alter it (GDPR Art. 32). Keep certificate "
                            f"verification on (trust a proxy's CA with REQUESTS_CA_BUNDLE) and "
                            f"use https:// endpoints"
                        ),
                        fix=_safe_fix(problems),
                    )
        for call in project.calls:
            if call.kind == "http" and call.call is not None:
                problems = self._request(call.call, call.path, constants, sdk)
                if problems:
                    yield self.finding(
                        call.path,
                        call.span,
                        (
                            f"this request to Mixpanel's `{call.method}` endpoint "
                            f"{' and '.join(problem for problem, _ in problems)}: anyone on the "
                            f"network path can read or alter the tracking data (GDPR Art. 32). "
                            f"Use https:// and keep certificate verification on"
                        ),
                        fix=_safe_fix(problems),
                    )
            elif call.kind == "sender":
                signature = sender_signature(call.method, sdk)
                if signature is not None and signature.plain_http:
                    yield self.finding(
                        call.path,
                        call.span,
                        (
                            f"`{call.method}` (mixpanel-celery) sends the event over plain HTTP, "
                            f"readable by anyone on the network path (GDPR Art. 32). Replace it "
                            f"with your own Celery task that calls the official SDK"
                        ),
                    )

    def _construction(
        self, obj: SdkObject, constants: Constants, sdk: Sdk
    ) -> list[tuple[str, Change | None]]:
        """Each problem, with the change that fixes it (None: no automatic fix)."""
        signature = signature_of(obj, sdk)
        if signature is None:
            return []
        problems: list[tuple[str, Change | None]] = []
        verify = signature.argument(obj.call, "verify_cert")
        if verify is not None and _is_false(verify, constants, obj.path):
            by_keyword = obj.call.keyword("verify_cert") is not None
            how = "by keyword" if by_keyword else "by position"
            problems.append(
                (
                    f"certificate verification is off: verify_cert={verify.text} {how}",
                    remove_argument(obj.path, verify.span, "verify_cert")
                    if by_keyword
                    else replace(obj.path, verify.span, "True"),
                )
            )
        names = ("api_host",) if obj.kind == "FlagsConfig" else (*URL_ARGUMENTS, "api_host")
        for name in names:
            value = signature.argument(obj.call, name)
            text = constants.text(value, obj.path) if value is not None else None
            bare = name == "api_host"
            if value is not None and text is not None and _plain_http_mixpanel(text, bare):
                problems.append(
                    (
                        f"{name} is plain HTTP: {shown(text)}",
                        _https(value, obj.path, constants, bare),
                    )
                )
        return problems

    def _request(
        self, call: Expr, path: str, constants: Constants, sdk: Sdk
    ) -> list[tuple[str, Change | None]]:
        problems: list[tuple[str, Change | None]] = []
        url = request_url(call, constants, path, sdk)
        if url is not None and _plain_http_mixpanel(url[1], bare=False):
            problems.append(
                (f"uses plain HTTP ({shown(url[1])})", _https(url[0], path, constants, False))
            )
        verify = call.keyword("verify")
        if verify is not None and _is_false(verify, constants, path):
            problems.append(
                (
                    "turns certificate verification off (verify=False)",
                    remove_argument(path, verify.span, "verify"),
                )
            )
        return problems
