"""Where a finding's data goes: related locations and code flows on real-looking code.

A property written before the call points to the tracking call that sends it; a finding
at a wrapper call site points to the SDK call inside the wrapper, and its code flow runs
from the call site through every wrapper to that SDK call.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mixlint.cli import main
from mixlint.config import Config
from mixlint.model import Finding, Location, Span
from tests.helpers import findings_of, run, write_project

ANALYTICS = """
from django.conf import settings
from mixpanel import Consumer, Mixpanel

mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))


def send(user, event, properties):
    if user.profile.analytics_consent:
        mp.track(str(user.pk), event, properties)


def track_order(user, event, properties):
    send(user, event, {"channel": "web", **properties})
"""

VIEWS = """
from app.analytics import mp, track_order


def checkout(request, order):
    props = {"order_id": order.number}
    props["email"] = request.user.email
    track_order(request.user, "Order Completed", props)


def refund(request, order):
    if request.user.profile.analytics_consent:
        props = {"order_id": order.number, "iban": order.refund_iban}
        mp.track(str(request.user.pk), "Refund", props, meta={"$ip": request.remote_addr})
"""

SDK_CALL = Span(9, 9, 9, 50)  # mp.track(...) in send()
CALL_SITE = Span(7, 5, 7, 56)  # track_order(...) in checkout()


def project(tmp_path: Path) -> Path:
    return write_project(tmp_path, {"app/__init__.py": "", "app/analytics.py": ANALYTICS,
                                    "app/views.py": VIEWS})  # fmt: skip


def about(findings: list[Finding], rule_id: str, key: str) -> Finding:
    (found,) = [f for f in findings if f.rule_id == rule_id and f"'{key}'" in f.message]
    return found


def test_a_property_written_before_a_wrapper_call(tmp_path: Path) -> None:
    email = about(findings_of(run(project(tmp_path))), "MX101", "email")
    assert (email.path, email.span) == ("app/views.py", Span(6, 11, 6, 18))
    assert email.related == (
        Location("app/views.py", CALL_SITE, "the tracking call that sends it"),
        Location("app/analytics.py", SDK_CALL, "the track() call inside send()"),
    )
    assert email.flows == (
        (
            Location("app/views.py", CALL_SITE, "track_order() is called here"),
            Location("app/analytics.py", Span(12, 5, 12, 16), "the wrapper track_order()"),
            Location(
                "app/analytics.py", Span(13, 5, 13, 56), "track_order() passes it on to send()"
            ),
            Location("app/analytics.py", Span(7, 5, 7, 9), "the wrapper send()"),
            Location("app/analytics.py", SDK_CALL, "send() sends it to Mixpanel with track()"),
        ),
    )


def test_a_property_written_before_a_direct_call(tmp_path: Path) -> None:
    findings = findings_of(run(project(tmp_path)))
    iban = about(findings, "MX101", "iban")
    assert iban.related == (
        Location("app/views.py", Span(13, 9, 13, 91), "the tracking call that sends it"),
    )
    assert iban.flows == ()
    # Written inside the call: nothing to point to.
    ip = about(findings, "MX301", "$ip")
    assert (ip.span, ip.related, ip.flows) == (Span(13, 70, 13, 89), (), ())


def test_json_and_sarif_carry_them(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = CliRunner().invoke(main, ["check", str(root), "--no-cache", "--format", "json"])
    email = next(f for f in json.loads(result.stdout)["findings"] if "'email'" in f["message"])
    assert email["related"][0] == {
        "path": "app/views.py",
        "start_line": 7,
        "start_column": 5,
        "end_line": 7,
        "end_column": 56,
        "message": "the tracking call that sends it",
    }
    assert [step["message"] for step in email["flows"][0]] == [
        "track_order() is called here",
        "the wrapper track_order()",
        "track_order() passes it on to send()",
        "the wrapper send()",
        "send() sends it to Mixpanel with track()",
    ]
    assert email["fix"] == {
        "applicability": "unsafe",
        "message": "Drop the property 'email'",
        "edits": [
            {
                "path": "app/views.py",
                "start_line": 6,
                "start_column": 1,
                "end_line": 7,
                "end_column": 1,
                "content": "",
            }
        ],
    }
    result = CliRunner().invoke(main, ["check", str(root), "--no-cache", "--format", "sarif"])
    results = json.loads(result.stdout)["runs"][0]["results"]
    sarif = next(r for r in results if "'email'" in r["message"]["text"])
    assert sarif["message"]["text"].endswith(
        "See [the tracking call that sends it](1), [the track() call inside send()](2)."
    )
    assert len(sarif["codeFlows"][0]["threadFlows"][0]["locations"]) == 5


def test_no_related_locations_for_a_call_that_writes_everything(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app.py": """
from mixpanel import Consumer, Mixpanel

mp = Mixpanel("t", consumer=Consumer(api_host="api-eu.mixpanel.com"))


def signed_up(user):
    if user.analytics_consent:
        mp.people_set(str(user.pk), {"$email": user.email})
"""})  # fmt: skip
    (email,) = findings_of(run(root, Config(select={"MX101"})))
    assert (email.related, email.flows) == ((), ())
