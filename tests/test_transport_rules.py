"""Transport, residency, credential, deletion and parse rules on realistic projects.

Each test writes a multi-file project and compares the complete list of
findings of MX001, MX302, MX401, MX402, MX403 and MX501 as
``(rule_id, path, line, column)``, so that a missing finding, an extra one or
one at the wrong place all fail.
"""

from __future__ import annotations

from pathlib import Path

from mixlint.config import Config
from mixlint.model import Level
from tests.helpers import findings_of, run, write_project

RULES = {"MX001", "MX302", "MX401", "MX402", "MX403", "MX501"}

DJANGO_PROJECT = {
    "mysite/__init__.py": "",
    "mysite/settings.py": '''
        """Django settings: the Mixpanel clients live here."""

        import os

        from mixpanel import BufferedConsumer, Consumer, Mixpanel

        DEBUG = os.environ.get("DJANGO_DEBUG") == "1"

        # The project token is public by design.
        MIXPANEL_TOKEN = os.environ.get("MIXPANEL_TOKEN", "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")
        MIXPANEL_CONSUMER = BufferedConsumer(max_size=20, api_host="api-eu.mixpanel.com")
        MIXPANEL = Mixpanel(MIXPANEL_TOKEN, consumer=MIXPANEL_CONSUMER)

        # Backfills go through the office proxy, which re-signs TLS.
        IMPORT_CONSUMER = Consumer(None, None, None, 30, None, "api.mixpanel.com", 4, 0.25, False)
        IMPORTER = Mixpanel(MIXPANEL_TOKEN, consumer=IMPORT_CONSUMER)

        MIXPANEL_API_SECRET = "9c1e7b3a5d2f48e6a0b4c8d2e6f1a3b5"
        MIXPANEL_GDPR_TOKEN = os.environ["MIXPANEL_GDPR_TOKEN"]
        ''',
    "mysite/analytics.py": """
        from mixpanel import Mixpanel

        from mysite.settings import MIXPANEL, MIXPANEL_TOKEN

        legacy = Mixpanel(MIXPANEL_TOKEN)


        class AnalyticsService:
            def __init__(self, client=None):
                self.mp = client or MIXPANEL

            def identify(self, user, anonymous_id):
                if user.profile.analytics_consent:
                    self.mp.alias(str(user.pk), anonymous_id)

            def sync_profile(self, user):
                if user.profile.analytics_consent:
                    self.mp.people_set(str(user.pk), {"plan": user.profile.plan})
        """,
    "billing/__init__.py": "",
    "billing/export.py": """
        from mysite import settings


        def backfill(invoices):
            for invoice in invoices:
                if not invoice.customer.profile.analytics_consent:
                    continue
                settings.IMPORTER.import_data(
                    None,
                    str(invoice.customer_id),
                    "Invoice Paid",
                    int(invoice.paid_at.timestamp()),
                    {"amount": str(invoice.amount)},
                    api_secret=settings.MIXPANEL_API_SECRET,
                )


        def merge_duplicates(old_id, new_id):
            settings.IMPORTER.merge(None, old_id, new_id, api_secret=settings.MIXPANEL_API_SECRET)
        """,
    "relay/__init__.py": "",
    "relay/consumers.py": '''
        from mixpanel import Consumer, Mixpanel

        from mysite.settings import MIXPANEL_TOKEN


        class QueueConsumer:
            """Puts messages on a queue; a worker posts them."""

            def __init__(self, queue):
                self.queue = queue

            def send(self, endpoint, json_message, api_key=None, api_secret=None):
                self.queue.put((endpoint, json_message))


        def make_client(queue):
            return Mixpanel(MIXPANEL_TOKEN, consumer=QueueConsumer(queue))


        def client_with(consumer):
            # The caller decides the consumer: judged where it is built.
            return Mixpanel(MIXPANEL_TOKEN, consumer=consumer)


        relay_consumer = Consumer(
            events_url="http://api-eu.mixpanel.com/track",
            people_url="https://mp-relay.internal.example.com/engage",
            api_host="api-eu.mixpanel.com",
        )
        ''',
    "webhooks/__init__.py": "",
    "webhooks/direct.py": """
        import base64
        import json

        import requests


        def _encode(message):
            return base64.b64encode(json.dumps(message).encode()).decode()


        def forward_event(event, consent):
            if consent:
                requests.post(
                    "https://api-eu.mixpanel.com/track", data={"data": _encode(event)}, timeout=5
                )


        def forward_profile(update, consent):
            if consent:
                url = "http://api-eu.mixpanel.com/engage"
                requests.post(url, data={"data": _encode(update), "ip": 0}, timeout=5)


        def forward_import(batch, consent):
            if consent:
                requests.post(
                    "https://api-eu.mixpanel.com/import?ip=0",
                    data={"data": _encode(batch)},
                    timeout=30,
                )
        """,
    "flaskapp/__init__.py": "",
    "flaskapp/app.py": """
        from flask import Flask, request
        from flask_mixpanel import Mixpanel

        app = Flask(__name__)
        mixpanel = Mixpanel(app)


        @app.post("/newsletter")
        def newsletter():
            if request.cookies.get("analytics_consent") == "yes":
                mixpanel.track("Newsletter Subscribed", {"source": "footer"})
            return "", 204
        """,
    "tasks/__init__.py": "",
    "tasks/reports.py": """
        from mixpanel.tasks import EventTracker


        def report_generated(report, analytics_consent):
            if analytics_consent:
                EventTracker.delay("Report Generated", {"report_id": report.pk})
        """,
    "gdpr/__init__.py": "",
    "gdpr/erase.py": """
        import requests

        GDPR_API = "https://eu.mixpanel.com/api/app/data-deletions/v3.0"
        GDPR_TOKEN = "mpgdpr_0f8e7d6c5b4a39281706f5e4d3c2b1a0"


        def erase(distinct_ids):
            return requests.post(
                GDPR_API,
                params={"token": "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05"},
                json={"distinct_ids": distinct_ids, "compliance_type": "GDPR"},
                headers={"Authorization": "Bearer " + GDPR_TOKEN},
                timeout=10,
            )
        """,
    "legacy/py2_report.py": """
        from mysite.settings import MIXPANEL

        MIXPANEL.track("cron", "Nightly Report")
        print "report sent"
        """,
}


def _found(root: Path, config: Config | None = None) -> list[tuple[str, str, int, int]]:
    config = config or Config(select=set(RULES))
    return [
        (f.rule_id, f.path, f.span.start_line, f.span.start_col)
        for f in findings_of(run(root, config))
        if f.rule_id in RULES
    ]


def test_django_project_transport_findings(tmp_path: Path) -> None:
    root = write_project(tmp_path, DJANGO_PROJECT)
    assert _found(root) == [
        ("MX302", "flaskapp/app.py", 11, 9),  # flask_mixpanel adds the client IP
        ("MX403", "gdpr/erase.py", 4, 14),  # bearer token constant, not the call
        ("MX001", "legacy/py2_report.py", 4, 1),
        ("MX402", "mysite/analytics.py", 5, 10),  # bare Mixpanel(token): US
        ("MX402", "mysite/analytics.py", 14, 13),  # alias() on self.mp
        ("MX401", "mysite/settings.py", 15, 19),  # verify_cert=False by position
        ("MX402", "mysite/settings.py", 15, 19),  # api_host api.mixpanel.com by position
        ("MX403", "mysite/settings.py", 18, 23),  # once, for import_data and merge
        ("MX302", "relay/consumers.py", 17, 12),  # custom consumer class
        ("MX302", "relay/consumers.py", 25, 18),  # people_url on a proxy
        ("MX401", "relay/consumers.py", 25, 18),  # events_url http://
        ("MX302", "tasks/reports.py", 6, 9),  # mixpanel-celery: no ip=0
        ("MX401", "tasks/reports.py", 6, 9),  # mixpanel-celery: plain HTTP
        ("MX302", "webhooks/direct.py", 13, 9),  # POST /track without ip=0
        ("MX401", "webhooks/direct.py", 21, 9),  # POST http:// /engage
    ]


def test_messages_explain_and_never_repeat_the_secret(tmp_path: Path) -> None:
    root = write_project(tmp_path, DJANGO_PROJECT)
    findings = findings_of(run(root, Config(select=set(RULES))))
    messages = "\n".join(f.message for f in findings)
    for secret in (
        "9c1e7b3a5d2f48e6a0b4c8d2e6f1a3b5",
        "0f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "9c1e7b",
    ):
        assert secret not in messages
    by_place = {(f.rule_id, f.path, f.span.start_line): f.message for f in findings}
    assert "'9c***'" in by_place[("MX403", "mysite/settings.py", 18)]
    assert "MIXPANEL_API_SECRET" in by_place[("MX403", "mysite/settings.py", 18)]
    assert "by position" in by_place[("MX401", "mysite/settings.py", 15)]
    assert "QueueConsumer" in by_place[("MX302", "relay/consumers.py", 17)]
    assert "mp-relay.internal.example.com" in by_place[("MX302", "relay/consumers.py", 25)]
    assert "Art. 44" in by_place[("MX402", "mysite/analytics.py", 14)]
    assert "cannot analyse this file" in by_place[("MX001", "legacy/py2_report.py", 4)]


def test_residency_config_levels(tmp_path: Path) -> None:
    root = write_project(tmp_path, DJANGO_PROJECT)
    default = [f for f in findings_of(run(root, Config(select={"MX402"})))]
    assert {f.level for f in default} == {Level.NOTE} and len(default) == 3
    eu = findings_of(run(root, Config(select={"MX402"}, residency="eu")))
    assert {f.level for f in eu} == {Level.ERROR} and len(eu) == 3
    assert findings_of(run(root, Config(select={"MX402"}, residency="any"))) == []


def test_cross_module_constants_and_env_fallbacks(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": """
            import os

            API_SECRET = "4f2b9e1d7c3a5f8e0b6d2c9a1e7f3b5d"
            SA_SECRET = os.environ.get("MIXPANEL_SA_SECRET", "h7Gk2LqP9sVx4TzW")
            SA_USER = "importer.7f3c1a.mp-service-account"
            EMPTY_SECRET = ""
            EU_HOST = "api-eu.mixpanel.com"
            """,
            "app/jobs.py": """
            from mixpanel import Consumer, Mixpanel, ServiceAccountCredentials

            from app import config
            from app.config import API_SECRET, EU_HOST, SA_SECRET, SA_USER

            credentials = ServiceAccountCredentials(SA_USER, SA_SECRET, 2841557)
            mp = Mixpanel(
                "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
                consumer=Consumer(api_host=EU_HOST, credentials=credentials),
            )


            def merge(old_id, new_id, consent):
                if consent:
                    mp.merge(None, old_id, new_id, api_secret=config.API_SECRET)
                    mp.merge(None, new_id, old_id, api_secret=API_SECRET)
                    mp.merge(None, new_id, old_id, api_secret=config.EMPTY_SECRET)
            """,
        },
    )
    assert _found(root) == [
        ("MX403", "app/config.py", 3, 14),
        ("MX403", "app/config.py", 4, 50),
    ]


def test_no_deletion_path_goes_to_the_first_write_in_path_order(tmp_path: Path) -> None:
    files = {
        "accounts-legacy.py": """
            from accounts.client import mp


            def import_old(user):
                if user.analytics_consent:
                    mp.people_set_once(str(user.pk), {"legacy": True})
            """,
        "accounts/__init__.py": "",
        "accounts/client.py": """
            from mixpanel import Consumer, Mixpanel

            mp = Mixpanel(
                "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
                consumer=Consumer(api_host="api-eu.mixpanel.com"),
            )
            """,
        "accounts/views.py": """
            from accounts.client import mp


            def sync(user):
                if user.analytics_consent:
                    mp.people_set(str(user.pk), {"plan": user.plan})
                    mp.people_increment(str(user.pk), {"logins": 1})
            """,
    }
    root = write_project(tmp_path, files)
    # ("accounts", "views.py") sorts before ("accounts-legacy.py",), unlike the plain strings.
    assert _found(root) == [("MX501", "accounts/views.py", 6, 9)]
    message = findings_of(run(root, Config(select={"MX501"})))[0].message
    assert "people_delete" in message and "events" in message and "Art. 17" in message

    # A people_delete anywhere in the project is a deletion path.
    (tmp_path / "accounts" / "erase.py").write_text(
        "from accounts.client import mp\n\n\ndef erase(user):\n"
        "    mp.people_delete(str(user.pk), meta={'$ignore_alias': True})\n",
        encoding="utf-8",
    )
    assert _found(root) == []


def test_construction_edge_cases(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "clients.py": """
                import asyncio

                from aiomixpanel import AIOConsumer
                from django.conf import settings
                from mixpanel import Consumer, LocalFlagsConfig, Mixpanel, RemoteFlagsConfig
                from mixpanel_utils import MixpanelUtils

                # A bare host in the first slot is the events URL, not the api_host.
                misplaced = Consumer("api-eu.mixpanel.com")
                # aiomixpanel's consumer sends ip=0 itself.
                async_mp = Mixpanel(
                    settings.MIXPANEL_TOKEN,
                    consumer=AIOConsumer(settings.HTTP_CLIENT, asyncio.get_event_loop()),
                )
                # Options mixlint cannot see are not guessed.
                configured = Mixpanel(**settings.MIXPANEL_OPTIONS)
                flags = LocalFlagsConfig(api_host="https://api-eu.mixpanel.com")
                plain_flags = RemoteFlagsConfig(api_host="http://api-eu.mixpanel.com")
                india = MixpanelUtils(settings.MIXPANEL_API_SECRET, residency="in")
                """,
        },
    )
    assert _found(root) == [
        ("MX402", "clients.py", 9, 13),
        ("MX401", "clients.py", 18, 15),
        ("MX402", "clients.py", 19, 9),
    ]
    messages = {f.span.start_line: f.message for f in findings_of(run(root))}
    assert "passed as events_url (position 0)" in messages[9]
    assert "'in'" in messages[19]


def test_mixpanel_utils_eu_flag_and_upper_case_residency(tmp_path: Path) -> None:
    # Seen on public code: MixpanelUtils(..., eu=True) was reported as sending to the US.
    root = write_project(
        tmp_path,
        {
            "exports.py": """
                import os

                from mixpanel_utils import MixpanelUtils

                SECRET = os.environ["MIXPANEL_API_SECRET"]
                EU = True

                legacy = MixpanelUtils(SECRET, token=os.environ["MIXPANEL_TOKEN"], eu=True)
                current = MixpanelUtils(SECRET, residency="EU")
                from_constant = MixpanelUtils(SECRET, eu=EU)
                from_settings = MixpanelUtils(SECRET, eu=os.environ.get("MIXPANEL_EU") == "1")
                us_again = MixpanelUtils(SECRET, eu=False)
                """,
        },
    )
    assert _found(root) == [("MX402", "exports.py", 12, 12)]
    message = findings_of(run(root))[0].message
    assert "MixpanelUtils' residency defaults to 'us'" in message


def test_a_consumer_made_by_a_project_factory_is_named_as_its_result(tmp_path: Path) -> None:
    """A consumer built from a dotted name in the settings (a Pyramid add-on's shape)
    cannot be verified; the message names the factory's result, not the factory."""
    root = write_project(
        tmp_path,
        {
            "tracking/__init__.py": "",
            "tracking/client.py": """
                from mixpanel import Mixpanel
                from pyramid.path import DottedNameResolver


                class Tracker:
                    @staticmethod
                    def _consumer(dotted_name):
                        return DottedNameResolver().resolve(dotted_name)()

                    def __init__(self, settings):
                        consumer = self._consumer(settings["mixpanel.consumer"])
                        self.api = Mixpanel(settings["mixpanel.token"], consumer=consumer)
                """,
        },
    )
    found = findings_of(run(root, Config(select={"MX302"})))
    assert [(f.rule_id, f.path, f.span.start_line) for f in found] == [
        ("MX302", "tracking/client.py", 12)
    ]
    assert found[0].message.startswith(
        "this client sends through the consumer that `self._consumer()` returns, which is "
        "not the SDK's Consumer or BufferedConsumer (or mixlint cannot see that it is one)"
    )
