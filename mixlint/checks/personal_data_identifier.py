"""MX103 personal-data-identifier: the distinct_id (alias, merge, group id) identifies a person."""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.fix.changes import Names, fix, pseudonymiser, replace
from mixlint.model import Applicability, Finding, Fix, Level, ProjectModel
from mixlint.personal import Verdict, findings_for


class PersonalDataIdentifier(Rule):
    id = "MX103"
    name = "personal-data-identifier"
    level = Level.ERROR
    summary = (
        "The distinct_id (or alias, merge or group id) is a direct identifier: an e-mail "
        "address, phone number, person name, username / login / handle (user.username, "
        'member.handle, a GitHub login, a Discord f"{name}#{tag}") or IP address.'
    )
    why = (
        "Art. 4(1) and Art. 4(5): the distinct_id is on every event and profile, in every export, "
        "and is what Mixpanel's deletion API is keyed by. An e-mail address or a name there "
        "makes the whole event stream directly identifying, where a database key or a random "
        "ID would keep it pseudonymous (Art. 25, data protection by design)."
    )
    fix = (
        "Use the database primary key, a random UUID stored with the user, or a keyed hash "
        "(hmac.new(secret, value, 'sha256') with a secret from configuration). Keep the mapping "
        "to the person in your own database."
    )
    autofix = (
        "Wraps the distinct_id in the project's pseudonymiser (the first of "
        "`pseudonymizers` in config that the file can reach) or, with "
        "`pseudonymisation-key` configured, in `hmac.new(<key>, value.encode(), "
        "hashlib.sha256).hexdigest()`, adding the imports. Without either in config "
        "there is no fix. Unsafe: every user gets a new Mixpanel identity, so events "
        "sent before are no longer joined to them."
    )
    autofix_safety = Applicability.UNSAFE
    tags = ("privacy", "gdpr", "personal-data", "identifier")
    security_severity = 7.0
    precision = "high"
    invalid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_login(user):
    mp.track(user.email, "Login", {"method": "password"})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def seite_angesehen(request):
    if request.user.tracking_consent:
        mp.track(request.user.get_full_name(), "Seite angesehen", {"Pfad": request.path})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def tarif_gewaehlt(kunde):
    mp.people_set(kunde.telefonnummer, {"Tarif": "Basis"})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def inscription_terminee(request, anonymous_id):
    courriel = request.POST["courriel"].strip().lower()
    mp.alias(courriel, anonymous_id)
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def seed_demo_data():
    mp.track("max.mustermann@example.de", "Demo Seeded")
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def sync_profile(user):
    mp.people_update({"$distinct_id": user.email, "$set": {"plan": user.plan.name}})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


async def on_message(message):
    # A Discord tag ("name#1234") names the member as surely as an e-mail address.
    name, tag = message.author.name, message.author.discriminator
    mp.track(f"{name}#{tag}", "Message Sent", {"channel": message.channel.name})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def push_received(payload):
    mp.track(payload["sender"]["login"], "Push Received", {"commits": len(payload["commits"])})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_login(request):
    mp.alias(request.user.username, request.COOKIES["anonymous_id"])
""",
    )
    valid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_login(user):
    mp.track(str(user.pk), "Login", {"method": "password"})
""",
        """
import uuid

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def anonymous_visit():
    mp.track(str(uuid.uuid4()), "Visit")
""",
        """
import hashlib
import hmac

from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def anmeldung(nutzer):
    schluessel = settings.PSEUDONYM_KEY.encode()
    kennung = hmac.new(schluessel, nutzer.email.encode(), hashlib.sha256).hexdigest()
    mp.track(kennung, "Anmeldung")
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_signup(user):
    mp.people_set(str(user.id), {"plan": user.plan.name, "signup_source": "web"})
    mp.alias(str(user.id), user.anonymous_id)
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def company_updated(company):
    mp.group_set("company", company.name, {"seats": company.seats})
""",
        """
import hashlib

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def iscrizione(utente):
    # An unkeyed hash is weak pseudonymisation (MX106), reported instead of MX103.
    mp.track(hashlib.sha256(utente.email.encode()).hexdigest(), "Iscrizione")
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def repository_synced(repo):
    # A group id that names a repository ("owner/name") is not a person.
    mp.group_set("repository", repo.full_name, {"stars": repo.stargazers_count})
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        def pseudonymised(verdict: Verdict) -> Fix | None:
            """The distinct_id as written, wrapped in a pseudonymiser."""
            call = verdict.call
            if call is None:
                return None
            wrap = pseudonymiser(Names(project, verdict.path, call.function), ctx.config)
            if wrap is None:
                return None
            return fix(
                "Pseudonymise the distinct_id",
                Applicability.UNSAFE,
                [replace(verdict.path, verdict.span, wrap.code, verdict.span, wrap.imports)],
            )

        return findings_for(self, project, ctx.values, pseudonymised)
