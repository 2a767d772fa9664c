"""MX102 personal-data-value: a property value that carries personal data whatever its key."""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.fix.changes import DROP_AUTOFIX, drop
from mixlint.model import Applicability, Finding, Level, ProjectModel
from mixlint.personal import findings_for


class PersonalDataValue(Rule):
    id = "MX102"
    name = "personal-data-value"
    level = Level.ERROR
    summary = (
        "A property value carries personal data whatever its key: read from a personal "
        "attribute (user.email, request.user.get_full_name(), member.nick, sender['login']), "
        "the full user-agent string (request.headers['User-Agent'], "
        "request.user_agent.string), the client's IP or a variable or attribute that names an "
        "IP (public_ip, self.ip), or a literal e-mail, phone, IP, IBAN or card number."
    )
    why = (
        "Art. 5(1)(c) (data minimisation) and Art. 4(1): a neutral key such as 'contact' or "
        "'label' does not make an e-mail address, a name or an IP address less personal. The "
        "value is followed through local variables and string operations that keep it (lower, "
        "strip, str(), f-strings, format, concatenation); derived values (len, comparisons, "
        "the e-mail's domain) are not personal data."
    )
    fix = (
        "Send a derived, non-identifying value (a domain, a flag, a count) or a pseudonymous ID "
        "(a keyed hmac with a secret from configuration). Values passed through a configured "
        "pseudonymisation function (`pseudonymizers` in config; hmac.* and functions named "
        "hash/pseudonym/anonymi/mask/redact/tokeni by default) are not flagged."
    )
    autofix = DROP_AUTOFIX
    autofix_safety = Applicability.UNSAFE
    tags = ("privacy", "gdpr", "personal-data")
    security_severity = 7.5
    precision = "high"
    invalid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def invite_accepted(user):
    mp.track(str(user.id), "Invite Accepted", {"contact": user.email})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def kauf_abgeschlossen(request):
    kunde = request.user
    mp.track(str(kunde.pk), "Kauf abgeschlossen", {"Kunde": kunde.get_full_name()})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def rueckruf_angefordert(request, form):
    telefon = form.cleaned_data["telefonnummer"].strip()
    if request.user.tracking_consent:
        mp.track(str(request.user.id), "Rückruf angefordert", {"Rückruf": telefon})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def support_requested(user):
    mp.track(str(user.pk), "Support Requested", {"support_contact": "max.mustermann@example.de"})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def message_envoye(request):
    mp.track(str(request.user.id), "Message envoyé", {
        "destinataire": request.POST.get("courriel").lower(),
    })
""",
        """
from flask import request
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def page_viewed(user_id):
    mp.track(user_id, "Page Viewed", {"origin": request.remote_addr, "path": request.path})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_comment(user, comment):
    mp.track(str(user.id), "Comment", {"author_label": f"{user.first_name} {user.last_name}"})
""",
    )
    valid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_signup(user):
    mp.track(str(user.id), "Signup", {
        "email_domain": user.email.split("@")[1],
        "email_length": len(user.email),
        "corporate": user.email.endswith("@example.com"),
    })
""",
        """
import hashlib
import hmac

from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_referral(user, friend):
    secret = settings.PSEUDONYM_KEY.encode()
    mp.track(str(user.id), "Referral", {
        "friend": hmac.new(secret, friend.email.encode(), hashlib.sha256).hexdigest(),
    })
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_upgrade(user, plan, product):
    mp.track(str(user.id), "Upgrade", {"plan": plan.name, "product": product.name})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_profile(user):
    mp.track(str(user.id), "Profile Viewed", {
        "has_phone": user.phone is not None,
        "ip": 0,
        "email_count": user.emails.count(),
    })
""",
        """
from mixpanel import Mixpanel

from .privacy import pseudonymize

mp = Mixpanel("PROJECT_TOKEN")


def newsletter_abonniert(nutzer):
    mp.track(str(nutzer.id), "Newsletter abonniert", {"Empfänger": pseudonymize(nutzer.email)})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def datei_geteilt(nutzer, datei, produkt):
    mp.track(str(nutzer.id), "Datei geteilt", {"Datei": datei.name, "Produkt": produkt.name})
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        return findings_for(self, project, ctx.values, lambda v: drop(v.path, v.prop))
