"""Events sent as objects through a provider, and clients handed out by getters.

The shape of FastAPI services that keep their analytics in one place (tests/fixtures/
fastapi_events): pydantic event models built by async classmethod factories, a provider
method ``report_event(self, event_factory, *args, **kwargs)`` that runs the factory and
hands the event to a reporter, a reporter that builds the keywords of
``client.track(**kwargs)`` in an ``if``/``elif`` and sends them in two places, and a
getter that returns a client only where analytics are enabled (guard form 7).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from mixlint.cli import main
from mixlint.config import Config
from tests.helpers import findings_of, run, write_project

FIXTURE = Path(__file__).parent / "fixtures" / "fastapi_events"


def _message(root: Path, rule_id: str, path: str, line: int) -> str:
    found = [
        f
        for f in findings_of(run(root, Config()), rule_id)
        if f.path == path and f.span.start_line == line
    ]
    assert len(found) == 1, found
    return found[0].message


def test_the_payload_of_an_event_object_is_its_class_fields() -> None:
    message = _message(FIXTURE, "MX101", "svc/routes/auth.py", 16)
    assert message.startswith(
        "SignedIn.create makes the pydantic model SignedIn (svc/analytics/events.py:62), which "
        "track sends whole as event.properties(), and its fields 'member_email' (an e-mail "
        "address) and 'member_name' (a person's name) are personal data: "
    ), message
    hidden = _message(FIXTURE, "MX105", "svc/analytics/reporter.py", 26)
    assert hidden.startswith(
        "track sends every field of a model (event.properties()) as properties: the keys sent "
        "cannot be reviewed in code"
    ), hidden


def test_a_factory_argument_stored_in_a_field_is_judged_as_its_value() -> None:
    message = _message(FIXTURE, "MX102", "svc/routes/teams.py", 27)
    assert message.startswith(
        "[str(email) for email in body.emails] becomes the field 'invitees' of the "
        "MembersInvited that track sends, and it is an e-mail address read from body.emails: "
    ), message
    # len(rows) and len(accepted) fill rows_received and rows_accepted: counts, no finding.
    assert not [
        f for f in findings_of(run(FIXTURE, Config())) if f.path == "svc/routes/datasets.py"
    ]


def test_the_inventory_lists_each_call_site_once_with_every_sdk_call_it_reaches() -> None:
    result = CliRunner().invoke(main, ["inventory", str(FIXTURE), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)["calls"]
    sites = [(entry["path"], entry["line"]) for entry in entries]
    assert len(sites) == len(set(sites))
    sign_in = next(e for e in entries if (e["path"], e["line"]) == ("svc/routes/auth.py", 16))
    assert sign_in["via"] == ["svc/analytics/reporter.py:38", "svc/analytics/reporter.py:41"]
    # Both branches of the if/elif that builds the keywords give a distinct_id.
    assert sign_in["distinct_ids"] == ["event.member_email", "str(event.team_id)"]
    assert sign_in["unreviewable"] == [
        {"payload": "properties", "expression": "event.properties()"}
    ]
    # What the event sends is its fields, the personal ones with their category.
    assert [(item["key"], item["value"], item["category"]) for item in sign_in["properties"]] == [
        ("deployment_url", "(field of SignedIn)", None),
        ("member_id", "(field of SignedIn)", None),
        ("member_email", "(field of SignedIn)", "e-mail address"),
        ("member_name", "(field of SignedIn)", "person's name"),
        ("member_role", "(field of SignedIn)", None),
        ("team", "(field of SignedIn)", None),
        ("method", "(field of SignedIn)", None),
    ]
    invited = next(e for e in entries if e["path"] == "svc/routes/teams.py")
    # `invitees` is filled from the caller's e-mail addresses (MX102 there).
    assert ("invitees", "e-mail address") in [
        (item["key"], item["category"]) for item in invited["properties"]
    ]
    assert sign_in["guard_reason"] == (
        "inside AppState.report_event(): self._get_reporter() returns a client only with "
        "consent (early exit on self.settings.analytics_enabled is False, svc/state.py:26), "
        "None otherwise"
    )


def test_a_getter_that_creates_the_client_whatever_the_settings_guards_nothing() -> None:
    message = _message(FIXTURE, "MX201", "svc/tasks/exports.py", 30)
    assert message.startswith(
        '`track()` of event "export finished" in `export_finished()` is not guarded by a '
        "consent check (testing what `get_mixpanel()` returns checks no consent: it is also "
        "set without consent in `get_mixpanel()`, svc/tasks/exports.py:15)"
    ), message


UNION_AND_CLOSURE = {
    "shop/__init__.py": "",
    "shop/events.py": """
        import pydantic


        class CustomerEvent(pydantic.BaseModel):
            customer_id: int
            customer_email: str

            @classmethod
            def create(cls, customer):
                return cls(customer_id=customer.id, customer_email=customer.email)


        class CartEvent(pydantic.BaseModel):
            cart_id: int
            items: int

            @classmethod
            def create(cls, cart):
                return cls(cart_id=cart.id, items=len(cart.items))


        class Registered(CustomerEvent):
            NAME = "registered"


        class LoggedIn(CustomerEvent):
            NAME = "logged in"
    """,
    "shop/analytics.py": """
        from mixpanel import Consumer, Mixpanel

        from shop.settings import ANALYTICS_ENABLED, MIXPANEL_TOKEN

        _mp = None


        def analytics_client():
            global _mp
            if not ANALYTICS_ENABLED:
                return None
            if _mp is None:
                _mp = Mixpanel(MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))
            return _mp


        def send(factory, **inputs):
            client = analytics_client()
            if client is None:
                return
            event = factory(**inputs)
            client.track(str(event.customer_id), event.NAME, event.dict())
    """,
    "shop/settings.py": """
        import os

        ANALYTICS_ENABLED = os.environ.get("ANALYTICS_ENABLED") == "1"
        MIXPANEL_TOKEN = os.environ.get("MIXPANEL_TOKEN", "")
    """,
    "shop/views.py": """
        from shop.analytics import send
        from shop.events import CartEvent, LoggedIn, Registered


        def signed_in(customer, new):
            Event = Registered if new else LoggedIn
            send(Event.create, customer=customer)


        def cart_updated(cart):
            send(CartEvent.create, cart=cart)
    """,
}


def test_a_factory_of_either_class_sends_the_fields_of_both(tmp_path: Path) -> None:
    """``Event = Registered if new else LoggedIn``: the fields of either are what is sent;
    a module getter that returns the client only when analytics are enabled guards."""
    root = write_project(tmp_path, UNION_AND_CLOSURE)
    result = run(root, Config())
    found = [(f.rule_id, f.path, f.span.start_line, f.span.start_col) for f in findings_of(result)]
    assert found == [
        ("MX105", "shop/analytics.py", 22, 54),  # event.dict(): written in send()
        ("MX101", "shop/views.py", 7, 10),  # Event.create: customer_email
    ]
    message = _message(root, "MX101", "shop/views.py", 7)
    assert message.startswith(
        "Event.create makes the pydantic model Registered or LoggedIn (shop/events.py:22), "
        "which track sends whole as event.dict(), and its field 'customer_email' (an e-mail "
        "address) is personal data"
    ), message
    reasons = {
        (call.path, call.span.start_line): call.guard_reason
        for call in result.model.calls
        if call.path == "shop/views.py"
    }
    reason = (
        "inside send(): analytics_client() returns a client only with consent (early exit on "
        "not ANALYTICS_ENABLED, shop/analytics.py:10), None otherwise"
    )
    assert reasons == {("shop/views.py", 7): reason, ("shop/views.py", 11): reason}


PASSED_OBJECT = {
    "crm/__init__.py": "",
    "crm/models.py": """
        from dataclasses import dataclass


        @dataclass
        class Lead:
            company: str
            contact_name: str
            contact_phone: str
            source: str
    """,
    "crm/tracking.py": """
        from dataclasses import asdict

        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel("PROJECT_TOKEN", consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def track_record(owner_id, event, record):
            if record.consent_given:
                mp.track(str(owner_id), event, asdict(record))
    """,
    "crm/views.py": """
        from crm.models import Lead
        from crm.tracking import track_record


        def lead_created(request, lead: Lead):
            track_record(request.user.id, "Lead Created", lead)
    """,
}


def test_an_object_a_caller_passes_is_judged_by_its_class_at_the_call(tmp_path: Path) -> None:
    """``asdict(record)`` in a wrapper: MX105 there; the fields of the class each caller
    passes are judged at that caller's argument."""
    root = write_project(tmp_path, PASSED_OBJECT)
    found = [
        (f.rule_id, f.path, f.span.start_line, f.span.start_col)
        for f in findings_of(run(root, Config()))
    ]
    assert found == [
        ("MX105", "crm/tracking.py", 10, 40),
        ("MX101", "crm/views.py", 6, 51),
    ]
    message = _message(root, "MX101", "crm/views.py", 6)
    assert message.startswith(
        "asdict(record) sends every field of the dataclass Lead (crm/models.py:5), and its "
        "fields 'contact_name' (a person's name) and 'contact_phone' (a phone number) are "
        "personal data"
    ), message


def test_a_consumer_parameter_no_call_passes_is_the_default_consumer(tmp_path: Path) -> None:
    message = _message(FIXTURE, "MX402", "svc/analytics/reporter.py", 19)
    assert message.startswith(
        "this client's consumer `consumer` is None (a parameter that no call passes), so the "
        "SDK's default Consumer sends every event and profile update to api.mixpanel.com"
    ), message
    # Once a call passes an EU consumer, the parameter is no longer its default.
    root = tmp_path / "fixture"
    shutil.copytree(FIXTURE, root)
    state = root / "svc" / "state.py"
    state.write_text(
        state.read_text(encoding="utf-8")
        .replace(
            "EventReporter.from_token(token)",
            'EventReporter.from_token(token, consumer=Consumer(api_host="api-eu.mixpanel.com"))',
        )
        .replace("import typing as t\n", "import typing as t\n\nfrom mixpanel import Consumer\n"),
        encoding="utf-8",
    )
    assert not findings_of(run(root, Config()), "MX402")
