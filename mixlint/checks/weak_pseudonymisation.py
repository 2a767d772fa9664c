"""MX106 weak-pseudonymisation: a direct identifier "pseudonymised" by an unkeyed hash."""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.config import Config
from mixlint.fix.changes import (
    Names,
    configured_pseudonymiser,
    fix,
    keyed_digest,
    pseudonymiser,
    replace,
)
from mixlint.model import (
    Applicability,
    Change,
    Finding,
    Fix,
    Level,
    ProjectModel,
    Span,
    TrackingCall,
)
from mixlint.personal import Verdict, findings_for
from mixlint.values import ValueMatch, digest_input


class WeakPseudonymisation(Rule):
    id = "MX106"
    name = "weak-pseudonymisation"
    level = Level.WARNING
    summary = (
        "A direct identifier (e-mail, phone, name, username, IP) made 'pseudonymous' by an "
        "unkeyed hash (hashlib.md5/sha1/sha256(...), uuid5(ns, email)), also inside a project "
        "function or method whose result is such a digest of what it is given, whatever its "
        "name. A digest of the IP address and the user-agent string is reported as what it "
        "is: a device fingerprint, not an anonymous ID."
    )
    why = (
        "Art. 4(5) defines pseudonymisation as needing additional information kept separately; "
        "an unkeyed digest has none. Anyone can hash a list of candidate e-mail addresses or "
        "phone numbers and compare, so the hash still identifies the person and remains "
        "personal data (Recital 26, EDPB guidance on hashing)."
    )
    fix = (
        "Use a keyed hash with a secret from configuration (hmac.new(settings.PSEUDONYM_KEY, "
        "value, 'sha256'), hashlib.blake2b(value, key=secret)), or a random ID stored with the "
        "user, or simply the database key."
    )
    autofix = (
        "Calls the project's pseudonymiser (the first of `pseudonymizers` the file can "
        "reach) on the identifier instead, or, with `pseudonymisation-key` configured, "
        "turns the unkeyed digest into `hmac.new(<key>, data, hashlib.sha256)`, adding "
        "the imports. Unsafe: the pseudonymous IDs change, so events sent before are no "
        "longer joined to the same users."
    )
    autofix_safety = Applicability.UNSAFE
    tags = ("privacy", "gdpr", "pseudonymisation")
    security_severity = 6.0
    precision = "high"
    invalid = (
        """
import hashlib

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_signup(user):
    mp.track(str(user.id), "Signup", {
        "user_hash": hashlib.sha256(user.email.encode()).hexdigest(),
    })
""",
        """
import hashlib

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_login(user):
    mp.track(hashlib.md5(user.email.lower().encode("utf-8")).hexdigest(), "Login")
""",
        """
import hashlib

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def hash_email(email):
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def anmeldung(nutzer):
    mp.track(hash_email(nutzer.email), "Anmeldung", {"Tarif": nutzer.tarif})
""",
        """
import hashlib

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def rueckruf(kunde):
    kennung = hashlib.sha1(kunde.telefonnummer.encode()).hexdigest()
    mp.track(str(kunde.id), "Rückruf", {"Kunden-ID": kennung})
""",
        """
import uuid

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def inscription(utilisateur):
    mp.track(str(uuid.uuid5(uuid.NAMESPACE_URL, utilisateur.email)), "Inscription")
""",
        """
import hashlib

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def registro(usuario):
    # A salt written in the code is no secret.
    clave = hashlib.sha256(("mi-sal-fija" + usuario.email).encode()).hexdigest()
    mp.people_set(clave, {"plan": usuario.plan})
""",
        """
import hashlib

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


class Visitor:
    def __init__(self, request):
        self.ip = request.META.get("REMOTE_ADDR", "")
        self.user_agent = request.META.get("HTTP_USER_AGENT", "")

    def anonymous_id(self):
        return hashlib.md5(f"{self.ip}{self.user_agent}".encode()).hexdigest()


def landing(request):
    # A device fingerprint, whatever the method is called.
    mp.track(Visitor(request).anonymous_id(), "Landing Viewed")
""",
        """
import hashlib

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def referral_code(email):
    return hashlib.sha1(email.lower().encode()).hexdigest()[:10]


def invited(user, invitee_email):
    mp.track(str(user.id), "Invited", {"invitee": referral_code(invitee_email)})
""",
    )
    valid = (
        """
import hashlib
import hmac

from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_login(user):
    key = settings.PSEUDONYM_KEY.encode()
    mp.track(hmac.new(key, user.email.encode(), hashlib.sha256).hexdigest(), "Login")
""",
        """
import hashlib

from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_login(user):
    digest = hashlib.blake2b(user.email.encode(), key=settings.PSEUDONYM_KEY).hexdigest()
    mp.track(digest, "Login")
""",
        """
import hashlib

from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def anmeldung(nutzer):
    kennung = hashlib.sha256((settings.PEPPER + nutzer.email).encode()).hexdigest()
    mp.track(kennung, "Anmeldung")
""",
        """
import hashlib

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def on_export(user):
    mp.track(hashlib.sha256(str(user.pk).encode()).hexdigest(), "Export")
""",
        """
import hashlib
import hmac
import os

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")
KEY = os.environ["PSEUDONYM_KEY"].encode()


def pseudonymize(value):
    return hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()


def iscrizione(utente):
    mp.track(pseudonymize(utente.email), "Iscrizione")
""",
        """
import uuid

from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def visit():
    mp.track(str(uuid.uuid4()), "Visit", {"ip": 0})
""",
        """
import hashlib
import hmac

from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def visitor_key(ip, agent):
    # Keyed with a secret from settings: a pseudonym, whatever the function is called.
    secret = settings.VISITOR_KEY.encode()
    return hmac.new(secret, f"{ip}{agent}".encode(), hashlib.sha256).hexdigest()


def landing(request):
    agent = request.META.get("HTTP_USER_AGENT", "")
    mp.track(visitor_key(request.META["REMOTE_ADDR"], agent), "Landing Viewed")
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        def keyed(verdict: Verdict) -> Fix | None:
            call, found = verdict.call, verdict.found
            if call is None or found is None or found.hashed is None:
                return None
            change = _keyed(verdict.path, verdict.span, call, found, project, ctx.config)
            if change is None:
                return None
            return fix("Use a keyed pseudonymisation", Applicability.UNSAFE, [change])

        return findings_for(self, project, ctx.values, keyed)


def _keyed(
    path: str,
    span: Span,
    call: TrackingCall,
    found: ValueMatch,
    project: ProjectModel,
    config: Config,
) -> Change | None:
    """The configured pseudonymiser called on the identifier instead of the weak hash;
    else the unkeyed digest made a keyed one where it is written (``hmac.new(<key>, data,
    hashlib.sha256)``: in the project's hashing helper when it goes through one, which
    fixes every use of the helper), or a name-based UUID replaced by a keyed hash."""
    names = Names(project, path, call.function)
    source, hashed = found.source, found.hashed
    configured = configured_pseudonymiser(names, config)
    if configured is not None:
        if not span.contains(source.span):
            return None
        return replace(path, span, configured.code, source.span, configured.imports)
    where = _helper_path(project, found.hash_via) if found.hash_via else path
    if hashed is None or where is None:
        return None
    if where == path and call.kind == "wrapper" and not call.span.contains(hashed.span):
        return None  # written in the wrapper, not at this call site
    names = Names(project, where, call.function if where == path else "")
    if found.hash_name.rpartition(".")[2].startswith("uuid"):
        # uuid5(namespace, name) hashes a text and gives a UUID: a keyed hex digest instead.
        wrap = pseudonymiser(names, config)
        if wrap is None or not hashed.span.contains(source.span) or where != path:
            return None
        return replace(path, hashed.span, wrap.code, source.span, wrap.imports)
    digest = keyed_digest(names, config)
    data = digest_input(hashed, hashed.base.chain()) if hashed.base is not None else None
    if digest is None or data is None:
        return None
    return replace(where, hashed.span, digest.code, data.span, digest.imports)


def _helper_path(project: ProjectModel, qualified: str) -> str | None:
    """The file of the project function ``module.qualname``."""
    for summary in project.modules.values():
        prefix = f"{summary.module}." if summary.module else ""
        if qualified.startswith(prefix) and qualified[len(prefix) :] in summary.functions:
            return summary.path
    return None
