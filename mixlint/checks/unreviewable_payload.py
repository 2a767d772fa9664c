"""MX105 unreviewable-payload: whole objects or request payloads sent as properties."""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.model import Finding, Level, ProjectModel
from mixlint.personal import findings_for


class UnreviewablePayload(Rule):
    id = "MX105"
    name = "unreviewable-payload"
    level = Level.WARNING
    summary = (
        "Properties that cannot be reviewed in code: vars(x), x.__dict__, model_to_dict(x), "
        "dataclasses.asdict(x), x.dict()/x.model_dump() (also returned by a project method "
        "such as event.to_dict()), request.POST/GET/json/form/args/data, **kwargs forwarded "
        "with no visible call site, and any other payload part whose keys cannot be seen "
        "(a record read from a file or a queue): every part the inventory lists as "
        "unreviewable, unless its keys are judged where they are written (a module's "
        "constant dict, the call sites of a wrapper). An object that a wrapper builds from "
        "its callers' inputs and sends whole (`event = await event_factory(**kwargs)`, then "
        "`track(..., event.to_properties())`) is reported once, at the wrapper's SDK call; "
        "the callers' keyword arguments are the factory's inputs, not properties, and the "
        "fields of the class each caller chooses are judged at its call (MX101)."
    )
    why = (
        "Art. 5(1)(c) (data minimisation) and Art. 25 (data protection by design): when a whole "
        "model or request is sent, every field added later (an e-mail, a password hash, a "
        "health flag) reaches Mixpanel without anyone deciding so, and no reviewer or linter "
        "can see which keys leave."
    )
    fix = (
        "Build an explicit dict of the keys the analysis needs ({'plan': user.plan.name, ...}). "
        "For a wrapper that forwards **kwargs, keep its call sites in the scanned code: their "
        "keys are then judged instead."
    )
    tags = ("privacy", "gdpr", "data-minimisation")
    security_severity = 5.0
    precision = "medium"
    invalid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def profile_updated(user):
    mp.track(str(user.pk), "Profile Updated", vars(user))
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def formular_abgeschickt(request):
    if request.user.tracking_consent:
        mp.track(str(request.user.id), "Formular abgeschickt", request.POST.dict())
""",
        """
from django.forms.models import model_to_dict
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def sync_profile(user):
    mp.people_set(str(user.pk), model_to_dict(user))
""",
        """
import dataclasses

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def commande_validee(client_id, commande):
    mp.track(str(client_id), "Commande validée", {**dataclasses.asdict(commande), "canal": "web"})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def track_event(distinct_id, event, **kwargs):
    mp.track(distinct_id, event, kwargs)
""",
        """
from flask import request
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def busqueda(user_id):
    mp.track(user_id, "Búsqueda", {"consulta": request.args.get("q"), "payload": request.json})
""",
    )
    valid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def profile_updated(user):
    mp.track(str(user.pk), "Profile Updated", {"plan": user.plan.name, "locale": user.locale})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def track_event(distinct_id, event, **kwargs):
    mp.track(distinct_id, event, kwargs)


def on_checkout(user, cart):
    track_event(str(user.id), "Checkout", items=len(cart.items), currency=cart.currency)
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def suche(request):
    mp.track(str(request.user.id), "Suche", {"Kategorie": request.GET.get("kategorie")})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def upgrade(user, plan):
    props = {"plan": plan.name}
    props.update(source="web", seats=plan.seats)
    mp.track(str(user.id), "Upgrade", props)
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def ordine(utente, ordine):
    mp.track(str(utente.id), "Ordine", dict(totale=ordine.totale, valuta=ordine.valuta))
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        return findings_for(self, project, ctx.values)
