"""MX301 client-ip-sent: a client IP reaches Mixpanel, which geolocates the user."""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.fix.changes import fix, replace
from mixlint.model import Applicability, Finding, Fix, Level, ProjectModel
from mixlint.personal import Verdict, findings_for
from mixlint.sdk import load_sdk


def _zero(verdict: Verdict) -> Fix | None:
    """``"ip": 0``: the value itself, where the finding's call site wrote the property."""
    prop = verdict.prop
    if prop is None or prop.value.span != verdict.span:
        return None
    return fix(
        "Send 0 instead of the IP address",
        Applicability.UNSAFE,
        [replace(verdict.path, verdict.span, "0")],
    )


class ClientIpSent(Rule):
    id = "MX301"
    name = "client-ip-sent"
    level = Level.ERROR
    summary = (
        "An IP address reaches Mixpanel's geolocation: any value of an `ip` event property or "
        'a `$ip` profile/meta key but the suppression (0, "0", False, None). A client-IP '
        "source (request.remote_addr, X-Forwarded-For, request.client.host, "
        "get_client_ip(...)) or an address literal is reported as the client's IP; any other "
        "value (self.ip, public_ip, Network.PublicAddress, a helper's result) as an IP "
        "address of unknown origin, since the only reason to set these keys is geolocation. "
        "Also a flask_mixpanel call, which adds the client IP itself."
    )
    why = (
        "Art. 4(1) and Art. 5(1)(c): an IP address is personal data (CJEU C-582/14, Breyer), and "
        "`ip`/`$ip` are the keys Mixpanel geolocates from: it stores the user's city, region "
        "and country on every event and profile. The Python SDK sends ip=0 by default; these "
        "values switch geolocation back on for the user."
    )
    fix = (
        "Drop the property, or send `'ip': 0` / `meta={'$ip': 0}`. If a coarse location is "
        "needed, derive the country server-side and send only that. Replace flask_mixpanel "
        "with the mixpanel SDK."
    )
    autofix = (
        'Sends `0` instead of the address (`"ip": 0`, `meta={"$ip": 0}`), which '
        "keeps Mixpanel's geolocation off. Unsafe: the events lose their city, region "
        "and country. flask_mixpanel calls have no fix."
    )
    autofix_safety = Applicability.UNSAFE
    tags = ("privacy", "gdpr", "ip-address", "geolocation")
    security_severity = 6.5
    precision = "high"
    invalid = (
        """
from flask import request
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def checkout_started(user_id):
    mp.track(user_id, "Checkout Started", {"ip": request.remote_addr, "cart": "web"})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def anmeldung(request):
    if request.user.tracking_consent:
        adresse = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        mp.track(str(request.user.id), "Anmeldung", {"ip": adresse})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def profil_mis_a_jour(request):
    mp.people_set(str(request.user.id), {"offre": "pro"}, meta={"$ip": request.META["REMOTE_ADDR"]})
""",
        """
from fastapi import Request
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


async def busqueda(request: Request, usuario_id: str):
    mp.track(usuario_id, "Búsqueda", {"ip": request.client.host})
""",
        """
from ipware import get_client_ip
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def ordine_creato(request):
    ip, _ = get_client_ip(request)
    mp.track(str(request.user.id), "Ordine creato", {"ip": ip})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def replay_visit(user):
    mp.track(str(user.pk), "Visit Replayed", {"ip": "203.0.113.7"})
""",
        """
from flask import Flask
from flask_mixpanel import Mixpanel

app = Flask(__name__)
mixpanel = Mixpanel(app)


@app.route("/signup", methods=["POST"])
def signup():
    mixpanel.track("Signup", {"plan": "free"})
    return "ok"
""",
        """
import requests
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


class Telemetry:
    def __init__(self, machine_id):
        self.machine_id = machine_id
        self.ip = requests.get("https://api.ipify.org", timeout=2).text

    def app_started(self, version):
        # An IP address of unknown origin: the machine's public address, geolocated.
        mp.track(self.machine_id, "App Started", {"ip": self.ip, "version": version})
""",
        """
from mixpanel import Mixpanel

from desktop.network import Network

mp = Mixpanel("PROJECT_TOKEN")


def profile_synced(machine_id, plan):
    meta = {"$ignore_time": True}
    meta["$ip"] = Network.PublicAddress
    mp.people_set(machine_id, {"plan": plan}, meta=meta)
""",
    )
    valid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def checkout_started(user_id):
    mp.track(user_id, "Checkout Started", {"ip": 0, "cart": "web"})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def profil_gespeichert(nutzer):
    mp.people_set(str(nutzer.id), {"Tarif": nutzer.tarif}, meta={"$ip": 0})
""",
        """
from flask import request
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def page_viewed(user_id):
    mp.track(user_id, "Page Viewed", {"country": request.headers.get("CF-IPCountry")})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def network_changed(device):
    mp.track(str(device.id), "Network Changed", {"ip_version": device.ip_version})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("PROJECT_TOKEN")


def commande(request):
    mp.track(str(request.user.id), "Commande", {"ip": None, "offre": "pro"})
""",
        """
from mixpanel import Mixpanel

GEOLOCATION_OFF = 0
mp = Mixpanel("PROJECT_TOKEN")


def heartbeat(machine_id):
    mp.track(machine_id, "Heartbeat", {"ip": GEOLOCATION_OFF})
    mp.people_set(machine_id, {"alive": True}, meta={"$ip": "0"})
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        yield from self._senders(project)
        yield from findings_for(self, project, ctx.values, _zero)

    def _senders(self, project: ProjectModel) -> Iterator[Finding]:
        """flask_mixpanel adds the client's IP to every event itself."""
        senders = load_sdk().senders
        for call in project.calls:
            if call.kind != "sender":
                continue
            signature = senders.get(call.method)
            if signature is None or not signature.adds_ip:
                continue
            package = call.method.split(".", 1)[0]
            yield self.finding(
                call.path,
                call.span,
                f"{call.method} sends the client's IP address of the current request with "
                f"every call, and Mixpanel geolocates the user from it: {package} has no way "
                f"to turn that off; call the mixpanel SDK instead (it sends ip=0 by default)",
            )
