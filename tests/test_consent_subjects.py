"""MX201 asks for consent where there is someone to ask: no finding for calls about no
one, and none where the client itself exists only with consent (guard form 7).
"""

from __future__ import annotations

from pathlib import Path

from mixlint.config import Config
from tests.helpers import findings_of, run, write_project

MX201 = Config(select={"MX201"})

# A community bot: member counts and repository statistics under a fixed distinct_id,
# next to two calls that do concern a person.
BOT = {
    "bot/__init__.py": "",
    "bot/stats.py": """
        import os

        from mixpanel import Consumer, Mixpanel

        BOT_ID = "community-counter"
        mp = Mixpanel(os.environ["MP_TOKEN"], consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def count_members(guild):
            humans = [member for member in guild.members if not member.bot]
            mp.track("community-counter", "Members Counted", {
                "members": guild.member_count,
                "humans": len(humans),
                "bots": guild.member_count - len(humans),
            })


        def repository_stats(repo):
            mp.people_set(BOT_ID, {
                "stars": repo.stargazers_count,
                "forks": repo.forks_count,
                "repository": repo.full_name,
                "language": repo.language,
            })


        def record(event, value):
            mp.track(BOT_ID, event, {"value": value})


        def weekly_report(repo, guild, newest):
            record("Stars", repo.stargazers_count)
            record("Channels", len(guild.channels))
            record("Newest Member", newest.member.display_name)


        def on_message(message):
            mp.track(BOT_ID, "Message Posted", {"author": message.author.id, "words": 3})
        """,
    "bot/jobs.py": """
        from bot.stats import record


        def nightly(repo):
            # BOT_ID is the distinct_id record() writes: a constant of bot/stats.py.
            record("Open Issues", repo.open_issues_count)
        """,
}


def located(root: Path, config: Config = MX201) -> list[tuple[str, int, int]]:
    return [
        (f.path, f.span.start_line, f.span.start_col)
        for f in findings_of(run(root, config), "MX201")
    ]


def test_calls_about_no_one_need_no_consent(tmp_path: Path) -> None:
    root = write_project(tmp_path, BOT)
    assert located(root) == [
        # record() reaches a person through one of its three call sites (the newest
        # member's name); the other two send counts about no one.
        ("bot/stats.py", 28, 5),
        ("bot/stats.py", 38, 5),  # the author of a message is a person
    ]
    record, _ = findings_of(run(root, MX201), "MX201")
    assert "the one call site that reaches it does not check consent either" in record.message
    assert [(r.path, r.span.start_line) for r in record.related] == [("bot/stats.py", 34)]


def test_a_constant_id_with_a_persons_data_is_about_that_person(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "ops/__init__.py": "",
            "ops/notify.py": """
            from mixpanel import Consumer, Mixpanel

            mp = Mixpanel("0c3f4e9d2b7a41f88a5e6d1c9b0a7f32",
                          consumer=Consumer(api_host="api-eu.mixpanel.com"))
            SUPPORT = "support@example.com"


            def escalate(ticket):
                mp.track("ops-bot", "Ticket Escalated", {"customer": ticket.customer.pk})


            def page_support(reason):
                mp.track(SUPPORT, "Support Paged", {"reason": "disk full"})


            def deploy_finished(version):
                mp.track("ops-bot", "Deployed", {"version": version})


            def nightly():
                deploy_finished("2.4.1")
            """,
        },
    )
    assert located(root) == [
        ("ops/notify.py", 9, 5),  # the ticket's customer is a person
        ("ops/notify.py", 13, 5),  # an e-mail address as distinct_id names a person
    ]


# A command-line tool that creates its Mixpanel client only once the user opts in and
# drops it on opt-out; every send first asks whether the client exists.
OPT_IN_CLI = {
    "notes_cli/__init__.py": "",
    "notes_cli/settings.py": """
        import json
        from dataclasses import asdict, dataclass
        from pathlib import Path

        SETTINGS = Path.home() / ".notes" / "settings.json"


        @dataclass
        class Settings:
            install_id: str
            analytics_opt_in: bool = False


        def load_settings():
            return Settings(**json.loads(SETTINGS.read_text()))


        def save_settings(settings):
            SETTINGS.write_text(json.dumps(asdict(settings)))
        """,
    "notes_cli/telemetry.py": """
        from mixpanel import Consumer, Mixpanel

        from notes_cli.settings import load_settings, save_settings

        TOKEN = "0c3f4e9d2b7a41f88a5e6d1c9b0a7f32"


        def _client():
            return Mixpanel(TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))


        class Telemetry:
            def __init__(self):
                self.settings = load_settings()
                self.mp = None
                if self.settings.analytics_opt_in:
                    self.mp = _client()

            def enable_analytics(self):
                self.settings.analytics_opt_in = True
                save_settings(self.settings)
                self.mp = _client()

            def disable_analytics(self):
                self.mp = None
                self.settings.analytics_opt_in = False
                save_settings(self.settings)

            def track(self, event, **properties):
                if self.mp is not None:
                    self.mp.track(self.settings.install_id, event, {**properties, "cli": "notes"})

            def identify(self, version):
                if self.mp is None:
                    return
                self.mp.people_set(self.settings.install_id, {"version": version})
        """,
    "notes_cli/crash.py": """
        from mixpanel import Consumer, Mixpanel

        _client = None


        def opt_in(token):
            global _client
            _client = Mixpanel(token, consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def opt_out():
            global _client
            _client = None


        def report_crash(install_id, error):
            if _client is None:
                return
            _client.track(install_id, "Crashed", {"error": type(error).__name__})
        """,
    "notes_cli/cli.py": """
        import click

        from notes_cli import __version__
        from notes_cli.telemetry import Telemetry

        telemetry = Telemetry()


        @click.group()
        def cli():
            telemetry.identify(__version__)


        @cli.command()
        @click.argument("text")
        def add(text):
            telemetry.track("Note Added", words=len(text.split()))


        @cli.command()
        def sync():
            telemetry.track("Notes Synced")


        @cli.command()
        @click.option("--on/--off", default=True)
        def analytics(on):
            if on:
                telemetry.enable_analytics()
            else:
                telemetry.disable_analytics()
        """,
}


def test_a_client_created_only_after_opt_in_guards_its_calls(tmp_path: Path) -> None:
    root = write_project(tmp_path, OPT_IN_CLI)
    assert located(root) == []
    reasons = {
        (call.path, call.span.start_line): call.guard_reason
        for call in run(root, MX201).model.calls
        if call.kind == "sdk"
    }
    assert reasons == {
        ("notes_cli/crash.py", 19): "_client exists only with consent (it is None until the "
        "user opts in)",
        ("notes_cli/telemetry.py", 31): "self.mp exists only with consent (it is None until "
        "the user opts in)",
        ("notes_cli/telemetry.py", 36): "self.mp exists only with consent (it is None until "
        "the user opts in)",
    }


def test_a_client_created_without_consent_guards_nothing(tmp_path: Path) -> None:
    files = dict(OPT_IN_CLI)
    # Reconnecting after a network error builds the client whatever the user chose.
    files["notes_cli/telemetry.py"] += """
            def reconnect(self):
                self.mp = _client()
        """
    files["notes_cli/crash.py"] = files["notes_cli/crash.py"].replace(
        "_client = None\n", "_client = Mixpanel(TOKEN)\n", 1
    )
    root = write_project(tmp_path, files)
    assert located(root) == [
        ("notes_cli/crash.py", 19, 5),  # report_crash() has no call sites
        ("notes_cli/telemetry.py", 31, 13),  # none of track()'s 2 call sites checks consent
        ("notes_cli/telemetry.py", 36, 9),  # nor identify()'s one
    ]
    crash, track, _ = findings_of(run(root, MX201), "MX201")
    assert crash.message.startswith(
        '`track()` of event "Crashed" in `report_crash()` is not guarded by a consent check '
        "(testing `_client` checks no consent: it is also set without consent at module "
        "level, notes_cli/crash.py:3), and `report_crash()` is not called anywhere"
    )
    assert track.message.startswith(
        "`track()` of event event in `Telemetry.track()` is not guarded by a consent check "
        "(testing `self.mp` checks no consent: it is also set without consent in "
        "`Telemetry.reconnect()`, notes_cli/telemetry.py:39), and none of its 2 call sites "
        "checks consent"
    )


def test_only_the_sending_client_explains_its_test(tmp_path: Path) -> None:
    """`if not self._enabled: return` tests a deployment switch, not the client: the
    finding says nothing about it (it says why `self.mp` checks nothing only when `self.mp`
    is what sends)."""
    root = write_project(
        tmp_path,
        {
            "usage/__init__.py": "",
            "usage/client.py": """
            from mixpanel import Consumer, Mixpanel


            class IngestClient:
                def __init__(self, token, enabled):
                    self._enabled = enabled
                    self._sdk = Mixpanel(token, consumer=Consumer(api_host="api-eu.mixpanel.com"))

                def track(self, distinct_id, event, properties):
                    if not self._enabled:
                        return
                    self._sdk.track(distinct_id, event, properties)
            """,
        },
    )
    (finding,) = findings_of(run(root, MX201), "MX201")
    assert finding.message.startswith(
        "`track()` of event event in `IngestClient.track()` is not guarded by a consent "
        "check, and `IngestClient.track()` is not called anywhere in the project"
    )
