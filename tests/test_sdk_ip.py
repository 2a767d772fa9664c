"""The real `mixpanel` SDK sends `ip=0` in the request body (MX302's premise).

MX302 trusts the SDK's `Consumer` and `BufferedConsumer` to suppress
geolocation, because `Consumer._write_request` posts the form field `ip=0`
with every request (mixpanel-sdk.md §2). These tests drive the installed SDK
and capture the HTTP request it would make, without network, so that CI
notices when a release stops sending it.

The capture sits at urllib3's connection pool, below `requests` (which the SDK
uses today through a `requests.Session`) and below a bare urllib3
`PoolManager` (which a future release might use): whatever the SDK calls, the
request ends up there, already encoded.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

mixpanel = pytest.importorskip("mixpanel")
urllib3 = pytest.importorskip("urllib3")

TOKEN = "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05"


@dataclass
class Captured:
    method: str
    url: str  # absolute URL as requested
    body: bytes
    headers: dict[str, str]
    cert_reqs: str | None  # the pool's certificate policy ("CERT_REQUIRED" / "CERT_NONE")

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Captured]:
    """Every request that reaches a urllib3 connection pool; none goes out."""
    requests_made: list[Captured] = []

    def urlopen(
        pool: Any, method: str, url: str, body: Any = None, headers: Any = None, **kwargs: Any
    ) -> Any:
        if isinstance(body, str):
            body = body.encode("utf-8")
        if url.startswith("/"):
            url = f"{pool.scheme}://{pool.host}{url}"
        cert_reqs = getattr(pool, "cert_reqs", None)
        requests_made.append(
            Captured(
                method,
                url,
                body or b"",
                dict(headers or {}),
                None if cert_reqs is None else str(cert_reqs),
            )
        )
        return urllib3.HTTPResponse(
            body=io.BytesIO(json.dumps({"status": 1, "error": None}).encode()),
            headers={"Content-Type": "application/json"},
            status=200,
            preload_content=kwargs.get("preload_content", True),
            decode_content=False,
            request_method=method,
        )

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "urlopen", urlopen)
    return requests_made


def _single(captured: list[Captured], path: str) -> Captured:
    matching = [request for request in captured if request.path == path]
    assert len(matching) == 1, [request.url for request in captured]
    return matching[0]


def _assert_ip_suppressed(request: Captured) -> None:
    assert request.method == "POST"
    assert request.form.get("ip") == ["0"], (
        f"the SDK no longer sends ip=0 in the form body of {request.path}: "
        f"form={request.form}, query={request.query}; MX302 must stop trusting it"
    )


def test_consumer_sends_ip_zero_to_track(captured: list[Captured]) -> None:
    mp = mixpanel.Mixpanel(TOKEN, consumer=mixpanel.Consumer(api_host="api-eu.mixpanel.com"))
    mp.track("user-1", "Signed Up", {"plan": "pro"})
    request = _single(captured, "/track")
    assert urlsplit(request.url).hostname == "api-eu.mixpanel.com"
    _assert_ip_suppressed(request)
    event = json.loads(request.form["data"][0])
    assert event["event"] == "Signed Up"
    assert "ip" not in event["properties"], "the SDK must not add an ip property itself"


def test_consumer_sends_ip_zero_to_engage(captured: list[Captured]) -> None:
    mp = mixpanel.Mixpanel(TOKEN, consumer=mixpanel.Consumer(api_host="api-eu.mixpanel.com"))
    mp.people_set("user-1", {"plan": "pro"})
    request = _single(captured, "/engage")
    _assert_ip_suppressed(request)
    update = json.loads(request.form["data"][0])
    assert update["$set"] == {"plan": "pro"}
    assert "$ip" not in update, "the SDK must not add $ip to a profile update itself"


def test_default_consumer_sends_ip_zero(captured: list[Captured]) -> None:
    mp = mixpanel.Mixpanel(TOKEN)
    mp.track("user-1", "Signed Up")
    mp.people_set("user-1", {"plan": "pro"})
    for path in ("/track", "/engage"):
        request = _single(captured, path)
        assert urlsplit(request.url).hostname == "api.mixpanel.com"
        _assert_ip_suppressed(request)


def test_buffered_consumer_sends_ip_zero_to_track_and_engage(captured: list[Captured]) -> None:
    consumer = mixpanel.BufferedConsumer(max_size=10, api_host="api-eu.mixpanel.com")
    mp = mixpanel.Mixpanel(TOKEN, consumer=consumer)
    mp.track("user-1", "Signed Up")
    mp.track("user-2", "Signed Up")
    mp.people_set("user-1", {"plan": "pro"})
    assert captured == [], "a BufferedConsumer sends nothing before it is flushed"
    consumer.flush()
    track = _single(captured, "/track")
    _assert_ip_suppressed(track)
    assert len(json.loads(track.form["data"][0])) == 2
    _assert_ip_suppressed(_single(captured, "/engage"))


def test_buffered_consumer_sends_ip_zero_when_full(captured: list[Captured]) -> None:
    consumer = mixpanel.BufferedConsumer(max_size=2, api_host="api-eu.mixpanel.com")
    mp = mixpanel.Mixpanel(TOKEN, consumer=consumer)
    mp.track("user-1", "Viewed")
    mp.track("user-1", "Viewed")
    _assert_ip_suppressed(_single(captured, "/track"))


@pytest.mark.parametrize("consumer_class", ["Consumer", "BufferedConsumer"])
@pytest.mark.parametrize(
    ("verify_cert", "cert_reqs"), [(True, "CERT_REQUIRED"), (False, "CERT_NONE")]
)
def test_verify_cert_reaches_the_connection(
    captured: list[Captured], consumer_class: str, verify_cert: bool, cert_reqs: str
) -> None:
    """MX401's premise: `verify_cert=False` really turns certificate checks off."""
    consumer = getattr(mixpanel, consumer_class)(verify_cert=verify_cert)
    mp = mixpanel.Mixpanel(TOKEN, consumer=consumer)
    mp.track("user-1", "Signed Up")
    if consumer_class == "BufferedConsumer":
        consumer.flush()
    request = _single(captured, "/track")
    assert urlsplit(request.url).scheme == "https"
    assert request.cert_reqs == cert_reqs
