"""MX201 missing-consent-check on realistic multi-file projects.

Compares the complete list of MX201 findings ``(rule_id, path, line, column)``:
guards in views, a Celery task wrapper called with ``.delay``, a service class
holding the client in ``self.mp``, nested wrappers, a consent decorator, a
signal receiver and a Flask app using flask_mixpanel.
"""

from __future__ import annotations

from pathlib import Path

from mixlint.config import Config, ConsentConfig
from tests.helpers import findings_of, run, write_project

PROJECT = {
    "shop/__init__.py": "",
    "shop/settings.py": """
        import os

        from mixpanel import Consumer, Mixpanel

        DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
        MIXPANEL = Mixpanel(
            os.environ["MIXPANEL_TOKEN"],
            consumer=Consumer(api_host="api-eu.mixpanel.com"),
        )
        """,
    "shop/consent.py": """
        from functools import wraps


        def has_analytics_consent(user):
            return user.is_authenticated and user.profile.analytics_consent


        def requires_consent(func):
            @wraps(func)
            def wrapper(user, *args, **kwargs):
                if not has_analytics_consent(user):
                    return None
                return func(user, *args, **kwargs)

            return wrapper
        """,
    "shop/services.py": """
        from shop.consent import has_analytics_consent
        from shop.settings import MIXPANEL


        class TrackingService:
            def __init__(self):
                self.mp = MIXPANEL

            def track(self, user, event, properties=None):
                self.mp.track(str(user.pk), event, {"app": "web", **(properties or {})})

            def sync_profile(self, user):
                if not has_analytics_consent(user):
                    return
                self.mp.people_set(str(user.pk), {"plan": user.profile.plan})


        service = TrackingService()


        def track_order(user, order, event):
            service.track(user, event, {"order_id": order.number})
        """,
    "shop/tasks.py": """
        from celery import shared_task

        from shop.settings import MIXPANEL


        @shared_task(ignore_result=True)
        def track_async(distinct_id, event, properties):
            MIXPANEL.track(distinct_id, event, properties)
        """,
    "shop/views.py": """
        from django.conf import settings

        from shop.consent import has_analytics_consent, requires_consent
        from shop.services import service, track_order
        from shop.settings import MIXPANEL
        from shop.tasks import track_async


        def checkout(request, order):
            if has_analytics_consent(request.user):
                track_async.delay(str(request.user.pk), "Order Completed", {"total": order.total})
                track_order(request.user, order, "Order Paid")


        def cancel(request, order):
            order.cancel()
            track_async.delay(str(request.user.pk), "Order Cancelled", {"id": order.number})


        def refund(request, order):
            order.refund()
            track_order(request.user, order, "Order Refunded")


        def search(request):
            allowed = has_analytics_consent(request.user)
            query = request.GET.get("q", "")
            if allowed:
                service.track(request.user, "Searched", {"length": len(query)})


        def export(request):
            service.track(request.user, "Exported", {"format": request.GET.get("format")})


        @requires_consent
        def upgrade(user, plan):
            service.track(user, "Upgraded", {"plan": plan.slug})
            service.sync_profile(user)


        def logout(request):
            if request.user.profile.analytics_consent or settings.DEBUG:
                MIXPANEL.track(str(request.user.pk), "Logged Out")
        """,
    "shop/signals.py": """
        from django.db.models.signals import post_save
        from django.dispatch import receiver

        from shop.models import User
        from shop.settings import MIXPANEL


        @receiver(post_save, sender=User)
        def on_user_saved(sender, instance, created, **kwargs):
            if created:
                MIXPANEL.track(str(instance.pk), "Signed Up")
        """,
    "flaskapp/__init__.py": "",
    "flaskapp/app.py": """
        from flask import Flask, request
        from flask_mixpanel import Mixpanel

        app = Flask(__name__)
        mixpanel = Mixpanel(app)


        @app.post("/subscribe")
        def subscribe():
            consent = request.cookies.get("analytics_consent") == "yes"
            consent and mixpanel.track("Newsletter Subscribed", {"source": "footer"})
            return "", 204


        @app.post("/unsubscribe")
        def unsubscribe():
            mixpanel.track("Newsletter Unsubscribed")
            return "", 204
        """,
}


def _found(root: Path, config: Config | None = None) -> list[tuple[str, str, int, int]]:
    config = config or Config(select={"MX201"})
    return [
        (f.rule_id, f.path, f.span.start_line, f.span.start_col)
        for f in findings_of(run(root, config), "MX201")
    ]


def test_project_consent_findings(tmp_path: Path) -> None:
    root = write_project(tmp_path, PROJECT)
    assert _found(root) == [
        ("MX201", "flaskapp/app.py", 17, 5),  # flask_mixpanel call in a view, no check
        ("MX201", "shop/signals.py", 11, 9),  # `if created:` is no consent check
        # .delay() of the Celery wrapper: the unguarded call site, not the task body
        ("MX201", "shop/views.py", 17, 5),
        # nested wrappers: the outermost unguarded call site only
        ("MX201", "shop/views.py", 22, 5),
        ("MX201", "shop/views.py", 33, 5),  # service method wrapper on self.mp
        ("MX201", "shop/views.py", 44, 9),  # `consent or DEBUG` does not require consent
    ]


def test_leaf_messages_name_the_event_and_the_wrapper_chain(tmp_path: Path) -> None:
    root = write_project(tmp_path, PROJECT)
    messages = {
        f.span.start_line: f.message
        for f in findings_of(run(root, Config(select={"MX201"})), "MX201")
        if f.path == "shop/views.py"
    }
    assert '"Order Refunded"' in messages[22]
    assert "track_order() -> TrackingService.track()" in messages[22]
    assert '"Order Cancelled"' in messages[17] and "track_async()" in messages[17]
    assert "Art. 6" in messages[44] and "ePrivacy" in messages[44]
    assert "logout()" in messages[44]


def test_guarding_every_call_site_clears_the_wrapper(tmp_path: Path) -> None:
    files = dict(PROJECT)
    unguarded = '    track_async.delay(str(request.user.pk), "Order Cancelled"'
    assert unguarded in files["shop/views.py"]
    files["shop/views.py"] = files["shop/views.py"].replace(
        unguarded,
        "    if not has_analytics_consent(request.user):\n"
        "                return\n"
        "        " + unguarded,
    )
    root = write_project(tmp_path, files)
    # The Celery task's body and its now-guarded .delay() are clear; the rest moved down 2.
    assert _found(root) == [
        ("MX201", "flaskapp/app.py", 17, 5),
        ("MX201", "shop/signals.py", 11, 9),
        ("MX201", "shop/views.py", 24, 5),
        ("MX201", "shop/views.py", 35, 5),
        ("MX201", "shop/views.py", 46, 9),
    ]


def test_recursion_and_module_level_code(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "jobs/__init__.py": "",
            "jobs/backfill.py": """
            import sys

            from mixpanel import Consumer, Mixpanel

            mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
                          consumer=Consumer(api_host="api-eu.mixpanel.com"))


            def replay(events, index):
                if index >= len(events):
                    return
                mp.track(events[index]["distinct_id"], events[index]["event"])
                replay(events, index + 1)


            def replay_for(user, events):
                if not has_analytics_consent(user):
                    return
                replay(events, 0)


            replay(load(sys.argv[1]), 0)
            """,
        },
    )
    # The recursive call is no entry point; the module-level call is the only unguarded one.
    assert _found(root) == [("MX201", "jobs/backfill.py", 22, 1)]


def test_configured_consent_api(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/track.py": """
            from mixpanel import Consumer, Mixpanel

            mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
                          consumer=Consumer(api_host="api-eu.mixpanel.com"))


            def purchase(user, order):
                if privacy.allows(user, "statistics"):
                    mp.track(str(user.pk), "Purchased", {"total": str(order.total)})
            """,
    }
    root = write_project(tmp_path, files)
    assert _found(root) == [("MX201", "app/track.py", 9, 9)]
    config = Config(select={"MX201"}, consent=ConsentConfig(predicates=["privacy.allows"]))
    assert _found(root, config) == []


def test_a_check_inside_the_wrapper_covers_every_call_site(tmp_path: Path) -> None:
    """The helper every view goes through checks consent itself (form 2 inside the
    wrapper): its call sites are covered, through a second wrapper too; a call a helper
    makes outside its check, where its only caller does not check either, is reported at
    that call, inside the helper, with the caller as a related location."""
    root = write_project(
        tmp_path,
        {
            "analytics/__init__.py": "",
            "analytics/client.py": """
            from django.conf import settings
            from mixpanel import Consumer, Mixpanel

            mp = Mixpanel(settings.MIXPANEL_TOKEN,
                          consumer=Consumer(api_host="api-eu.mixpanel.com"))
            """,
            "analytics/events.py": """
            from analytics.client import mp
            from accounts.consent import has_analytics_consent


            def track_event(user, event, properties=None):
                if not has_analytics_consent(user):
                    return
                mp.track(user.analytics_id, event, properties or {})


            def track_signup(user, plan):
                track_event(user, "Signed Up", {"plan": plan.slug})


            def record_plan(user, plan):
                if has_analytics_consent(user):
                    mp.track(user.analytics_id, "Plan Changed", {"plan": plan.slug})
                mp.people_set(user.analytics_id, {"plan": plan.slug})
            """,
            "shop/__init__.py": "",
            "shop/views.py": """
            from analytics.events import record_plan, track_event, track_signup


            def checkout(request, order):
                order.place()
                track_event(request.user, "Order Placed", {"total": str(order.total)})


            def register(request, plan):
                user = request.user
                track_signup(user, plan)


            def change_plan(request, plan):
                request.user.subscription.change(plan)
                record_plan(request.user, plan)
            """,
        },
    )
    assert _found(root) == [("MX201", "analytics/events.py", 18, 5)]
    (finding,) = findings_of(run(root, Config(select={"MX201"})), "MX201")
    assert finding.message.startswith(
        "`people_set()` in `record_plan()` is not guarded by a consent check, and its only "
        "call site does not check consent either: check consent here (or at that call site)"
    )
    assert [(r.path, r.span.start_line, r.message) for r in finding.related] == [
        ("shop/views.py", 16, "a call of record_plan() without a consent check")
    ]
    reasons = {
        (call.function, call.guard_reason)
        for call in run(root, Config(select={"MX201"})).model.calls
        if call.kind == "wrapper"
    }
    assert reasons == {
        (
            "shop/views.py::checkout",
            "inside track_event(): early exit on not has_analytics_consent(user) (line 6)",
        ),
        (
            "analytics/events.py::track_signup",
            "inside track_event(): early exit on not has_analytics_consent(user) (line 6)",
        ),
        # `plan.slug` reaches a property: `track_signup` and `record_plan` are wrappers too.
        (
            "shop/views.py::register",
            "inside track_signup(): inside track_event(): early exit on not "
            "has_analytics_consent(user) (line 6)",
        ),
        (
            "shop/views.py::change_plan",
            "inside record_plan(): if has_analytics_consent(user) (line 16)",
        ),
        ("shop/views.py::change_plan", ""),
    }


# A Django analytics helper that names its check `can_track`: what the variable holds
# decides, not its name.
NAMED_CHECK = {
    "hub/__init__.py": "",
    "hub/analytics.py": """
        from django.conf import settings
        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def track(request, event, properties):
            user = getattr(request, "user", None)
            can_track = (
                user is None or user.is_anonymous or getattr(user, "analytics_enabled", False)
            )
            if can_track is False:
                return
            mp.track(str(user.pk) if user else None, event, properties)


        def track_consenting(request, event, properties):
            can_track = getattr(request.user, "analytics_enabled", False)
            if can_track is False:
                return
            mp.track(str(request.user.pk), event, properties)


        def track_flagged(request, event, properties):
            can_track = request.user.flags.resolve("analytics")
            if not can_track:
                return
            mp.track(str(request.user.pk), event, properties)
        """,
}


def test_a_variable_named_like_a_check_is_judged_by_its_value(tmp_path: Path) -> None:
    """`can_track = anonymous or consent` lets anonymous visitors through: not a guard.
    Read from the predicate itself, or from an opaque call, the name still counts."""
    root = write_project(tmp_path, NAMED_CHECK)
    assert _found(root) == [("MX201", "hub/analytics.py", 14, 5)]
