"""MX101 personal-data-key: a property key that names personal data."""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.fix.changes import DROP_AUTOFIX, drop
from mixlint.model import Applicability, Finding, Level, ProjectModel
from mixlint.personal import findings_for


class PersonalDataKey(Rule):
    id = "MX101"
    name = "personal-data-key"
    level = Level.ERROR
    summary = (
        "A property key (event or profile, incl. $email, $phone, $name) names personal data: "
        "e-mail, phone, name, username or handle, the full user-agent string, address, birth "
        "date, IP, national ID, IBAN, card, location ... Unambiguous words (username, "
        "nickname, Benutzername) are personal on any object; login, handle, display_name and "
        "full_name unless their object is a known non-person (repo_full_name, org_login); a "
        "parsed, coarse user-agent family ($browser, $os) is not. The fields of a dataclass, "
        "pydantic model, attrs class or Django model of the project that is sent whole "
        "(asdict(info), info.model_dump(), model_to_dict(order)) are judged as its keys, "
        "at the call."
    )
    why = (
        "Art. 5(1)(c) (data minimisation) and Art. 4(1): product analytics does not need a "
        "person's e-mail, phone, name or address, and once sent they sit in every event, export "
        "and cohort sync, out of reach of deletion requests (Art. 17). Keys are split into words "
        "and matched against multilingual vocabularies (en, de, fr, es, it, nl); words such as "
        "'verified', 'has', 'domain' or 'length' make a key a fact about the data instead."
    )
    fix = (
        "Drop the property, or send a derived, non-identifying value (email_domain, has_phone, "
        "a plan or segment) or a pseudonymous ID. If the key is a false positive, allow it with "
        "`[tool.mixlint.personal-data] allow-keys = [...]`."
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


def on_profile_saved(user):
    mp.people_set(str(user.pk), {"$email": user.email, "plan": user.plan.name})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def bestellung_abgeschlossen(kunde, bestellung):
    if kunde.analytics_consent:
        mp.track(str(kunde.id), "Bestellung abgeschlossen", {
            "Vorname": kunde.first_name,
            "Warenkorbwert": bestellung.summe,
        })
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def inscription(request, form):
    mp.track(str(request.user.id), "Inscription", {
        "adresse_postale": form.cleaned_data["adresse"],
        "offre": "gratuite",
    })
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def registro(request):
    propiedades = {"plan": request.POST.get("plan")}
    propiedades["telefono"] = request.POST.get("tel")
    mp.track(str(request.user.id), "Registro", propiedades)
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def login_succeeded(request):
    # Not the geolocation key "ip": the address is stored as a property.
    mp.track(str(request.user.id), "Login", {"client_ip": request.META.get("REMOTE_ADDR")})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def profilo_aggiornato(utente):
    mp.people_set(str(utente.id), {"data_di_nascita": utente.compleanno.isoformat()})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def webhook_received(payload):
    # A GitHub login is a username: a direct identifier of the person.
    mp.track(str(payload["sender"]["id"]), "Push", {"login": payload["sender"]["login"]})
""",
        """
from flask import request
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def page_viewed(user_id):
    # The full user-agent string fingerprints the device, together with the IP.
    mp.track(user_id, "Page Viewed", {"user_agent": request.headers.get("User-Agent")})
""",
        """
from dataclasses import asdict, dataclass

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


@dataclass
class UserInfo:
    name: str
    email: str


def signed_up(user_id: str, info: UserInfo):
    # MX105 too: the whole object is sent; its fields name and email are judged as keys.
    mp.track(user_id, "Signed Up", asdict(info))
""",
    )
    valid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_signup(user):
    mp.track(str(user.id), "Signup", {
        "email_verified": user.email_verified,
        "plan_name": user.plan.name,
        "has_phone": bool(user.phone),
    })
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def datei_hochgeladen(nutzer, datei, produkt):
    mp.track(str(nutzer.id), "Datei hochgeladen", {
        "Dateiname": datei.name,
        "Produktname": produkt.name,
    })
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_signup(user):
    mp.track(str(user.id), "Signup", {
        "email_domain": user.email.split("@")[1],
        "name_length": len(user.get_full_name()),
    })
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_login(user):
    mp.track(str(user.id), "Login", {"ip": 0, "event_name": "login", "product_name": "web"})
    mp.people_set(str(user.id), {"plan": user.plan.name}, meta={"$ip": 0})
""",
        """
import hashlib
import hmac

from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_invite(user, invitee_email):
    key = settings.PSEUDONYM_KEY.encode()
    mp.track(str(user.id), "Invite Sent", {
        "email_hash": hmac.new(key, invitee_email.encode(), hashlib.sha256).hexdigest(),
    })
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def commande(client_id, commande):
    mp.track(str(client_id), "Commande", {"nom_du_produit": commande.produit.nom})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def repository_starred(user_id, repo):
    # A repository's full_name is "owner/name", not a person's name.
    mp.track(user_id, "Starred", {"repo_full_name": repo.full_name, "last_login": repo.pushed_at})
""",
        """
from flask import request
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def page_viewed(user_id):
    agent = request.user_agent
    mp.track(user_id, "Page Viewed", {"$browser": agent.browser, "$os": agent.platform})
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        return findings_for(self, project, ctx.values, lambda v: drop(v.path, v.prop))
