"""The personal-data rules (MX101-MX106, MX301) on small realistic multi-file projects.

Each test pins the complete list of findings of these rules, so that the
precedence (one finding per property), the placement (key, value or
distinct_id; call site or wrapper body) and de-duplication are all checked.
"""

from __future__ import annotations

from pathlib import Path

from mixlint.config import Config
from mixlint.model import Finding
from tests.helpers import findings_of, run, write_project

PERSONAL_RULES = {"MX101", "MX102", "MX103", "MX104", "MX105", "MX106", "MX301"}

DJANGO = {
    "shop/__init__.py": "",
    "shop/analytics.py": """
        from django.conf import settings
        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def has_analytics_consent(user):
            return user.profile.analytics_consent


        def track_event(user, event, props):
            payload = {**props, "plan": user.plan.name, "account_email": user.email}
            mp.track(str(user.pk), event, payload)


        def sync_profile(user):
            if has_analytics_consent(user):
                mp.people_set(str(user.pk), {
                    "$name": user.get_full_name(),
                    "$email_verified": user.email_verified,
                    "locale": user.locale,
                })
    """,
    "accounts/__init__.py": "",
    "accounts/views.py": """
        import hashlib

        from django.shortcuts import redirect

        from shop.analytics import has_analytics_consent, mp, track_event


        def signup(request):
            user = request.user
            if has_analytics_consent(user):
                track_event(user, "Signed Up", {
                    "Vorname": user.first_name,
                    "contact": user.email.lower(),
                    "source": request.META["REMOTE_ADDR"],
                    "email_verified": user.email_verified,
                    "plan_name": user.plan.name,
                })
            return redirect("home")


        def login_done(request):
            user = request.user
            if has_analytics_consent(user):
                props = {"ip": request.META.get("HTTP_X_FORWARDED_FOR"), "method": "password"}
                track_event(user, "Logged In", props)
                mp.track(str(user.pk), "Session Started", props)


        def search(request):
            if has_analytics_consent(request.user):
                track_event(request.user, "Searched", request.GET.dict())


        def password_reset(request):
            user = request.user
            if has_analytics_consent(user):
                mp.track(user.email, "Password Reset Requested")
                mp.alias(hashlib.sha256(user.email.encode()).hexdigest(), str(user.pk))


        def delete_account(request):
            mp.people_unset(str(request.user.pk), ["$email", "$name"])
    """,
}


def _run(tmp_path: Path, files: dict[str, str], config: Config | None = None) -> list[Finding]:
    root = write_project(tmp_path, files)
    result = run(root, config or Config(select=set(PERSONAL_RULES)))
    return [f for f in findings_of(result) if f.rule_id in PERSONAL_RULES]


def _where(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return [(f.rule_id, f.path, f.span.start_line, f.span.start_col) for f in findings]


def _message(findings: list[Finding], rule_id: str, path: str, line: int) -> str:
    matches = [
        f.message
        for f in findings
        if (f.rule_id, f.path, f.span.start_line) == (rule_id, path, line)
    ]
    assert len(matches) == 1, matches
    return matches[0]


def test_django_project_with_a_wrapper(tmp_path: Path) -> None:
    findings = _run(tmp_path, DJANGO)
    assert _where(findings) == [
        ("MX101", "accounts/views.py", 12, 13),  # "Vorname" at the wrapper's call site
        ("MX102", "accounts/views.py", 13, 24),  # user.email.lower() under "contact"
        ("MX102", "accounts/views.py", 14, 23),  # REMOTE_ADDR under "source"
        ("MX301", "accounts/views.py", 24, 24),  # "ip" in a local dict used by two calls
        ("MX105", "accounts/views.py", 31, 47),  # request.GET.dict() passed to the wrapper
        ("MX103", "accounts/views.py", 37, 18),  # user.email as distinct_id
        ("MX106", "accounts/views.py", 38, 18),  # sha256(email) as alias id
        ("MX101", "shop/analytics.py", 12, 49),  # "account_email", written in the wrapper
        ("MX101", "shop/analytics.py", 19, 13),  # "$name" in a helper that is not a wrapper
    ]
    vorname = _message(findings, "MX101", "accounts/views.py", 12)
    assert "'Vorname'" in vorname and "person's name" in vorname
    assert "['Vorname' matched 'vorname' (person's name, de)]" in vorname
    contact = _message(findings, "MX102", "accounts/views.py", 13)
    assert "'contact'" in contact and "user.email" in contact and "e-mail address" in contact
    source = _message(findings, "MX102", "accounts/views.py", 14)
    assert "client's IP address" in source and 'request.META["REMOTE_ADDR"]' in source
    ip = _message(findings, "MX301", "accounts/views.py", 24)
    assert "'ip'" in ip and "geolocates" in ip and "HTTP_X_FORWARDED_FOR" in ip
    assert "whole request payload" in _message(findings, "MX105", "accounts/views.py", 31)
    assert "direct identifier" in _message(findings, "MX103", "accounts/views.py", 37)
    weak = _message(findings, "MX106", "accounts/views.py", 38)
    assert "unkeyed hashlib.sha256" in weak and "hmac" in weak
    assert "'account_email'" in _message(findings, "MX101", "shop/analytics.py", 12)


def test_flask_view_sends_the_remote_address(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/tracking.py": """
            from mixpanel import LocalFlagsConfig, Mixpanel

            mp = Mixpanel("PROJECT_TOKEN", local_flags_config=LocalFlagsConfig())
        """,
        "app/views.py": """
            from flask import Blueprint, request
            from flask_login import current_user

            from app.tracking import mp

            bp = Blueprint("views", __name__)


            @bp.route("/checkout", methods=["POST"])
            def checkout():
                if not current_user.analytics_consent:
                    return "ok"
                mp.track(str(current_user.id), "Checkout", {
                    "ip": request.remote_addr,
                    "client": request.remote_addr,
                    "total": request.form.get("total"),
                })
                variant = mp.local_flags.get_variant_value("checkout-v2", "control", {
                    "distinct_id": current_user.email,
                    "custom_properties": {"Telefonnummer": current_user.phone, "plan": "pro"},
                })
                mp.people_set(str(current_user.id), {"plan": variant}, meta={"$ip": 0})
                return "ok"
        """,
    }
    findings = _run(tmp_path, files)
    assert _where(findings) == [
        ("MX301", "app/views.py", 14, 15),  # "ip": request.remote_addr
        ("MX102", "app/views.py", 15, 19),  # "client": request.remote_addr
        ("MX103", "app/views.py", 19, 24),  # flag context distinct_id
        ("MX101", "app/views.py", 20, 31),  # nested flag context key
    ]
    assert "request.remote_addr" in _message(findings, "MX301", "app/views.py", 14)
    nested = _message(findings, "MX101", "app/views.py", 20)
    assert "flag context key 'Telefonnummer'" in nested and "(phone number, de)" in nested


def test_kwargs_wrapper_and_celery_task(tmp_path: Path) -> None:
    files = {
        "worker/__init__.py": "",
        "worker/tasks.py": """
            from celery import shared_task
            from mixpanel import Mixpanel

            mp = Mixpanel("PROJECT_TOKEN")


            @shared_task
            def track_async(distinct_id, event, **properties):
                mp.track(distinct_id, event, properties)


            def track_untraced(distinct_id, event, **properties):
                mp.track(distinct_id, event, {"source": "worker", **properties})
        """,
        "worker/signals.py": """
            from worker.tasks import track_async


            def order_paid(order):
                if order.customer.analytics_consent:
                    track_async.delay(str(order.customer.id), "Order Paid",
                                      amount=order.total, Rechnungsadresse=order.billing_address)


            def appointment_booked(patient, form):
                if patient.consent_given:
                    track_async.delay(str(patient.id), "Appointment Booked",
                                      reason=form.cleaned_data["diagnose"],
                                      **form.cleaned_data)
        """,
    }
    findings = _run(tmp_path, files)
    assert _where(findings) == [
        ("MX101", "worker/signals.py", 7, 47),  # the keyword Rechnungsadresse=
        ("MX104", "worker/signals.py", 13, 27),  # reason=, its value read from a "diagnose" field
        ("MX105", "worker/signals.py", 14, 29),  # **form.cleaned_data
        ("MX105", "worker/tasks.py", 13, 57),  # **properties, and nobody calls track_untraced
    ]
    special = _message(findings, "MX104", "worker/signals.py", 13)
    assert "health data" in special and "Art. 9" in special
    assert "**properties" in _message(findings, "MX105", "worker/tasks.py", 13)


def test_project_pseudonymiser_and_configuration(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/privacy.py": """
            import hashlib
            import hmac
            import os

            KEY = os.environ["PSEUDONYM_KEY"].encode()


            def hash_email(email):
                return hashlib.sha256(email.strip().lower().encode()).hexdigest()


            def pseudonymize(value):
                return hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()
        """,
        "app/events.py": """
            from mixpanel import Mixpanel

            from app.privacy import hash_email, pseudonymize

            mp = Mixpanel("PROJECT_TOKEN")


            def registered(kunde):
                if kunde.einwilligung:
                    mp.track(hash_email(kunde.email), "Registriert")
                    mp.track(pseudonymize(kunde.email), "Registriert", {
                        "E-Mail": pseudonymize(kunde.email),
                        "E-Mail-Adresse": scramble(kunde.email),
                        "Kundenname": kunde.name,
                    })
        """,
    }
    findings = _run(tmp_path, files)
    assert _where(findings) == [
        ("MX106", "app/events.py", 10, 18),  # hash_email's body is a plain sha256
        ("MX101", "app/events.py", 13, 13),  # scramble() is not known to pseudonymise
        ("MX101", "app/events.py", 14, 13),  # "Kundenname": a person's name (compound)
    ]
    weak = _message(findings, "MX106", "app/events.py", 10)
    assert "app.privacy.hash_email() is a plain hashlib.sha256 digest" in weak
    # A configured pseudonymiser clears the key of its value, but one whose body is an
    # unkeyed digest stays MX106; an allowed key is not reported, its value still is.
    config = Config(
        select=set(PERSONAL_RULES),
        allow_keys=["Kundenname"],
        pseudonymizers=["scramble", "hash_email"],
    )
    assert _where(_run(tmp_path, files, config)) == [
        ("MX106", "app/events.py", 10, 18),
        ("MX102", "app/events.py", 14, 27),
    ]


def test_same_finding_is_reported_once(tmp_path: Path) -> None:
    files = {
        "jobs.py": """
            from mixpanel import Mixpanel

            mp = Mixpanel("PROJECT_TOKEN")


            def nightly(users):
                for user in users:
                    if user.tracking_enabled:
                        props = {"Nachname": user.last_name, "contact": user.email}
                        mp.track(str(user.id), "Nightly", props)
                        mp.people_set(str(user.id), props)
                        mp.track(str(user.id), "Nightly Again", props)
        """,
    }
    findings = _run(tmp_path, files)
    assert _where(findings) == [
        ("MX101", "jobs.py", 9, 22),
        ("MX102", "jobs.py", 9, 61),
    ]


def test_literals_are_never_repeated(tmp_path: Path) -> None:
    files = {
        "seed.py": """
            from mixpanel import Mixpanel

            mp = Mixpanel("PROJECT_TOKEN")


            def seed():
                mp.track("max.mustermann@example.de", "Seeded", {
                    "ip": "203.0.113.7",
                    "iban": "DE89 3704 0044 0532 0130 00",
                    "hotline": "+49 151 12345678",
                })
        """,
    }
    findings = _run(tmp_path, files)
    assert _where(findings) == [
        ("MX103", "seed.py", 7, 14),
        ("MX301", "seed.py", 8, 15),
        ("MX101", "seed.py", 9, 9),
        ("MX102", "seed.py", 10, 20),
    ]
    for finding in findings:
        for literal in ("max.mustermann@example.de", "203.0.113.7", "0532 0130", "12345678"):
            assert literal not in finding.message, finding.message
