"""MX104 special-category-data: GDPR Art. 9 and 10 data in property keys or values."""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.fix.changes import DROP_AUTOFIX, drop
from mixlint.model import Applicability, Finding, Level, ProjectModel
from mixlint.personal import findings_for


class SpecialCategoryData(Rule):
    id = "MX104"
    name = "special-category-data"
    level = Level.ERROR
    summary = (
        "Special-category data (health, ethnic origin, political opinions, religion, "
        "trade-union membership, genetic or biometric data, sex life, criminal convictions) "
        "in a property key or value."
    )
    why = (
        "Art. 9 forbids processing health, ethnic origin, political opinions, religious beliefs, "
        "trade-union membership, genetic, biometric and sex-life data unless an Art. 9(2) "
        "exception applies (explicit consent for this very purpose at best); Art. 10 restricts "
        "data on criminal convictions. Product analytics is almost never such a purpose. Flags "
        "such as has_disability are special-category data too: clearing words do not clear it."
    )
    fix = (
        "Drop the property. If the product truly needs the signal, aggregate it server-side "
        "without a link to the person, or obtain explicit consent for analytics of that data "
        "and document it (Art. 9(2)(a), Art. 35 DPIA)."
    )
    autofix = DROP_AUTOFIX
    autofix_safety = Applicability.UNSAFE
    tags = ("privacy", "gdpr", "personal-data", "special-category")
    security_severity = 9.0
    precision = "high"
    invalid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def appointment_booked(patient, appointment):
    mp.track(str(patient.id), "Appointment Booked", {"diagnosis": appointment.reason})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def profil_gespeichert(nutzer):
    if nutzer.analytics_consent:
        mp.people_set(str(nutzer.id), {"Konfession": nutzer.konfession_code})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def onboarding_done(user):
    mp.track(str(user.id), "Onboarding Done", {"has_disability": user.needs_assistance})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def prescription_viewed(patient):
    mp.track(str(patient.id), "Prescription Viewed", {"segment": patient.medication})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def alta_socio(socio):
    mp.people_set(str(socio.id), {"afiliacion_sindical": socio.sindicato_id})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def candidature(candidat):
    mp.track(str(candidat.id), "Candidature", {"orientation_sexuelle": candidat.orientation})
""",
    )
    valid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def deploy_finished(build):
    mp.track("ci", "Deploy Finished", {"health_check": "ok", "race_condition_retries": 0})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def query_compiled(user, query):
    mp.track(str(user.id), "Query Compiled", {
        "union_type": query.union_kind,
        "diagnostics_enabled": True,
    })
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def vertrag_erstellt(nutzer, vertrag):
    mp.track(str(nutzer.id), "Vertrag erstellt", {"Partei": vertrag.rolle, "Produktname": "Pro"})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def checkout(user, cart):
    mp.track(str(user.id), "Checkout", {"items": len(cart.items), "currency": cart.currency})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def feature_toggled(user, flag):
    mp.track(str(user.id), "Feature Toggled", {"disabled": flag.disabled, "flag": flag.key})
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        return findings_for(self, project, ctx.values, lambda v: drop(v.path, v.prop))
