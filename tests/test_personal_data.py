"""Personal data that real code sends (issue 13): usernames and handles, user agents,
IP addresses of any origin, project helpers that hash, and objects sent whole.

Each test is a small realistic project and pins the complete list of findings of
the personal-data rules, negative cases included, and the words of the messages
a reviewer reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mixlint.config import Config
from mixlint.engine import check
from mixlint.exprs import walk
from mixlint.extract import flowing_params
from mixlint.model import ExprKind, Finding, ProjectModel, Span, TrackingCall
from mixlint.run import analyse
from mixlint.transport import Constants
from tests.helpers import findings_of, run, write_project

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).parent.parent / "examples" / "shop"

PERSONAL_RULES = {"MX101", "MX102", "MX103", "MX104", "MX105", "MX106", "MX301"}
# The module that holds a project's client (on the EU host, so that nothing else is reported).
EU_CLIENT = """
    from mixpanel import Consumer, Mixpanel

    mp = Mixpanel("PROJECT_TOKEN", consumer=Consumer(api_host="api-eu.mixpanel.com"))
"""


def _run(tmp_path: Path, files: dict[str, str], rules: set[str] = PERSONAL_RULES) -> list[Finding]:
    root = write_project(tmp_path, files)
    return [f for f in findings_of(run(root, Config(select=set(rules))))]


def _where(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return [(f.rule_id, f.path, f.span.start_line, f.span.start_col) for f in findings]


def _message(findings: list[Finding], rule_id: str, path: str, line: int, col: int) -> str:
    matches = [
        f.message
        for f in findings
        if (f.rule_id, f.path, f.span.start_line, f.span.start_col) == (rule_id, path, line, col)
    ]
    assert len(matches) == 1, matches
    return matches[0]


# -- usernames, logins and handles ------------------------------------------------------

DISCORD_BOT = {
    "bot/__init__.py": "",
    "bot/analytics.py": """
        import os

        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel(os.environ["MP_TOKEN"], consumer=Consumer(api_host="api-eu.mixpanel.com"))
    """,
    "bot/cogs/__init__.py": "",
    "bot/cogs/stats.py": """
        from discord.ext import commands

        from bot.analytics import mp
        from bot.consent import has_opted_in


        class Stats(commands.Cog):
            def __init__(self, bot):
                self.bot = bot

            @commands.Cog.listener()
            async def on_message(self, message):
                if message.author.bot or not has_opted_in(message.author.id):
                    return
                name = message.author.name
                tag = message.author.discriminator
                mp.track(f"{name}#{tag}", "Message Sent", {
                    "channel": message.channel.name,
                    "length": len(message.content),
                })

            @commands.command()
            async def profile(self, ctx):
                if not has_opted_in(ctx.author.id):
                    return
                mp.people_set(str(ctx.author.id), {
                    "nickname": ctx.author.nick,
                    "display_name": ctx.author.display_name,
                    "server": ctx.guild.name,
                    "server_handle": ctx.guild.vanity_url_code,
                })
                mp.track(str(ctx.author.id), "Profile Viewed", {
                    "shown": "{}#{}".format(ctx.author.name, ctx.author.discriminator),
                    "team": self.bot.team.handle,
                })

            @commands.command()
            async def count(self, ctx):
                # Statistics about a server, sent under a constant id.
                mp.track("community-counter", "Member Count", {
                    "members": ctx.guild.member_count,
                    "guild_handle": ctx.guild.handle,
                    "channel": ctx.channel.display_name,
                })
    """,
    "bot/consent.py": """
        OPTED_IN: set[int] = set()


        def has_opted_in(member_id):
            return member_id in OPTED_IN
    """,
}


def test_discord_tag_nicknames_and_handles(tmp_path: Path) -> None:
    findings = _run(tmp_path, DISCORD_BOT)
    assert _where(findings) == [
        ("MX103", "bot/cogs/stats.py", 17, 18),  # f"{name}#{tag}" as distinct_id
        ("MX101", "bot/cogs/stats.py", 27, 13),  # "nickname"
        ("MX101", "bot/cogs/stats.py", 28, 13),  # "display_name" (of a member: unknown key object)
        ("MX102", "bot/cogs/stats.py", 33, 22),  # "{}#{}".format(name, discriminator)
    ]
    tag = _message(findings, "MX103", "bot/cogs/stats.py", 17, 18)
    assert tag.startswith('distinct_id f"{name}#{tag}" is a username or login handle')
    assert "joins a name and a tag with '#'" in tag
    nickname = _message(findings, "MX101", "bot/cogs/stats.py", 27, 13)
    assert "['nickname' matched 'nickname' (username or login handle, en)]" in nickname
    shown = _message(findings, "MX102", "bot/cogs/stats.py", 33, 22)
    assert "property 'shown' sends a username or login handle" in shown


GITHUB_APP = {
    "hooks/__init__.py": "",
    "hooks/tracking.py": EU_CLIENT,
    "hooks/github.py": """
        from fastapi import APIRouter, Request

        from hooks.tracking import mp

        router = APIRouter()


        @router.post("/github/webhook")
        async def webhook(request: Request):
            payload = await request.json()
            repo = payload["repository"]
            sender = payload["sender"]
            if not payload.get("installation", {}).get("analytics_consent"):
                return {"ok": True}
            mp.track(sender["login"], "Push Received", {
                "repository": repo["full_name"],
                "full_name": repo["full_name"],
                "org": payload["organization"]["login"],
                "commits": len(payload["commits"]),
            })
            mp.people_set(str(sender["id"]), {
                "github_login": sender["login"],
                "$name": sender["name"],
                "login": payload["pusher"]["name"],
            })
            return {"ok": True}


        def release_published(release, repo_owner):
            mp.track(str(repo_owner.id), "Release Published", {
                "repo": release.repo.full_name,
                "author": release.author.login,
                "owner_name": repo_owner.full_name,
            })
    """,
}


def test_github_logins_and_repository_names(tmp_path: Path) -> None:
    findings = _run(tmp_path, GITHUB_APP)
    assert _where(findings) == [
        ("MX103", "hooks/github.py", 15, 14),  # sender["login"] as distinct_id
        ("MX101", "hooks/github.py", 22, 9),  # "github_login"
        ("MX101", "hooks/github.py", 23, 9),  # "$name"
        ("MX101", "hooks/github.py", 24, 9),  # "login" (a key: its object is unknown)
        ("MX102", "hooks/github.py", 32, 19),  # release.author.login
        ("MX101", "hooks/github.py", 33, 9),  # "owner_name"
    ]
    login = _message(findings, "MX103", "hooks/github.py", 15, 14)
    assert 'distinct_id sender["login"] is a username or login handle, a direct identifier' in login
    assert "['login' matched 'login' (username or login handle, en)]" in login
    author = _message(findings, "MX102", "hooks/github.py", 32, 19)
    assert "property 'author' sends a username or login handle read from release.author.login" in (
        author
    )


# -- user agents -------------------------------------------------------------------------

FLASK_SHOP = {
    "shop/__init__.py": "",
    "shop/tracking.py": EU_CLIENT,
    "shop/views.py": """
        from flask import Blueprint, request
        from flask_login import current_user
        from user_agents import parse

        from shop.tracking import mp

        bp = Blueprint("shop", __name__)


        @bp.route("/products/<int:product_id>")
        def product(product_id):
            if not current_user.analytics_consent:
                return "ok"
            agent = parse(request.headers.get("User-Agent", ""))
            mp.track(str(current_user.id), "Product Viewed", {
                "product_id": product_id,
                "$browser": agent.browser.family,
                "$os": agent.os.family,
                "$device": agent.device.family,
                "browser": request.user_agent.browser,
                "client": request.user_agent.string,
            })
            return "ok"


        @bp.route("/checkout", methods=["POST"])
        def checkout():
            if not current_user.analytics_consent:
                return "ok"
            mp.track(str(current_user.id), "Checkout", {
                "user_agent": request.headers["User-Agent"],
                "ua_family": parse(request.headers["User-Agent"]).browser.family,
            })
            return "ok"
    """,
    "shop/django_views.py": """
        from shop.tracking import mp


        def signup_done(request):
            if request.user.profile.analytics_consent:
                mp.people_set(str(request.user.pk), {
                    "Browser": request.META.get("HTTP_USER_AGENT", ""),
                    "Plan": request.user.profile.plan.name,
                })
    """,
}


def test_full_user_agent_is_personal_its_parsed_family_is_not(tmp_path: Path) -> None:
    findings = _run(tmp_path, FLASK_SHOP)
    assert _where(findings) == [
        ("MX102", "shop/django_views.py", 7, 24),  # request.META["HTTP_USER_AGENT"]
        ("MX102", "shop/views.py", 21, 19),  # request.user_agent.string
        ("MX101", "shop/views.py", 31, 9),  # "user_agent"
    ]
    meta = _message(findings, "MX102", "shop/django_views.py", 7, 24)
    assert "profile property 'Browser' sends a user-agent string read from request.META.get(" in (
        meta
    )
    assert "['HTTP_USER_AGENT' matched 'http user agent' (user-agent string, en)]" in meta
    string = _message(findings, "MX102", "shop/views.py", 21, 19)
    assert "sends a user-agent string read from request.user_agent" in string
    key = _message(findings, "MX101", "shop/views.py", 31, 9)
    assert "property 'user_agent' is a user-agent string (personal data)" in key


# -- IP addresses of any origin under ip / $ip --------------------------------------------

DESKTOP_TELEMETRY = {
    "app/__init__.py": "",
    "app/network.py": """
        import requests


        class Network:
            PublicAddress = requests.get("https://api.ipify.org", timeout=2).text
    """,
    "app/settings.py": """
        GEOLOCATION = 0
        TELEMETRY_ENABLED = True
    """,
    "app/telemetry.py": """
        import platform
        import uuid

        import requests
        from mixpanel import Consumer, Mixpanel

        from app.network import Network
        from app.settings import GEOLOCATION, TELEMETRY_ENABLED

        NO_IP = 0
        mp = Mixpanel("PROJECT_TOKEN", consumer=Consumer(api_host="api-eu.mixpanel.com"))


        class Telemetry:
            def __init__(self):
                self.machine_id = str(uuid.getnode())
                self.ip = requests.get("https://api.ipify.org", timeout=2).text

            def app_started(self, version):
                if not TELEMETRY_ENABLED:
                    return
                public_ip = requests.get("https://checkip.amazonaws.com", timeout=2).text.strip()
                mp.track(self.machine_id, "App Started", {"ip": self.ip, "version": version})
                mp.track(self.machine_id, "Network Checked", {
                    "ip": NO_IP,
                    "egress": public_ip,
                    "os": platform.system(),
                })
                meta = {"$ignore_time": True}
                meta["$ip"] = Network.PublicAddress
                mp.people_set(self.machine_id, {"version": version}, meta=meta)

            def app_closed(self, seconds):
                if TELEMETRY_ENABLED:
                    mp.track(self.machine_id, "App Closed", {"ip": GEOLOCATION, "seconds": seconds})
                    mp.track(self.machine_id, "App Closed Again", {"ip": "0", "seconds": seconds})
                    mp.people_set(self.machine_id, {"seconds": seconds}, meta={"$ip": None})
                    mp.track(self.machine_id, "Region", {"ip": self.region_hint()})

            def region_hint(self):
                return "eu-west"
    """,
}


def test_any_ip_value_but_the_suppression_is_reported(tmp_path: Path) -> None:
    findings = _run(tmp_path, DESKTOP_TELEMETRY)
    assert _where(findings) == [
        ("MX301", "app/telemetry.py", 23, 57),  # "ip": self.ip
        ("MX102", "app/telemetry.py", 26, 23),  # "egress": public_ip (an IP-named variable)
        ("MX301", "app/telemetry.py", 30, 23),  # meta["$ip"] = Network.PublicAddress
        ("MX301", "app/telemetry.py", 38, 56),  # "ip": self.region_hint()
    ]
    own = _message(findings, "MX301", "app/telemetry.py", 23, 57)
    assert "property 'ip' sends an IP address of unknown origin (self.ip) to Mixpanel" in own
    egress = _message(findings, "MX102", "app/telemetry.py", 26, 23)
    assert "property 'egress' sends an IP address read from public_ip" in egress
    network = _message(findings, "MX301", "app/telemetry.py", 30, 23)
    assert "meta key '$ip' sends an IP address of unknown origin (Network.PublicAddress)" in network
    assert "[any value of '$ip' but 0 is geolocated]" in network


def test_an_ip_parameter_of_a_wrapper_is_judged_at_its_call_sites(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/tracking.py": EU_CLIENT,
        "app/visits.py": """
            from app.tracking import mp


            def track_visit(user, page, ip):
                remote = ip
                if user.analytics_consent:
                    mp.track(str(user.pk), "Visit", {"page": page, "ip": remote})


            def home(request):
                track_visit(request.user, "home", 0)


            def pricing(request):
                track_visit(request.user, "pricing", request.META["REMOTE_ADDR"])
        """,
    }
    assert _where(_run(tmp_path, files)) == [("MX301", "app/visits.py", 15, 42)]


def test_an_id_also_sent_as_ip_is_an_ip_address(tmp_path: Path) -> None:
    # A media-server plugin seen on public code: its public address is the user id.
    files = {
        "plugin/__init__.py": "",
        "plugin/tracking.py": """
            import mixpanel

            TOKEN = "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05"


            def people_set(properties, meta):
                meta["$ip"] = Network.PublicAddress
                mp = mixpanel.Mixpanel(TOKEN)
                mp.people_set(Network.PublicAddress, properties, meta)


            def track(event, properties):
                properties["ip"] = 0
                mp = mixpanel.Mixpanel(TOKEN)
                mp.track(Network.PublicAddress, event, properties)
        """,
    }
    findings = _run(tmp_path, files)
    assert _where(findings) == [
        ("MX301", "plugin/tracking.py", 7, 19),  # meta["$ip"] = Network.PublicAddress
        ("MX103", "plugin/tracking.py", 9, 19),  # the same value as distinct_id
    ]
    ident = _message(findings, "MX103", "plugin/tracking.py", 9, 19)
    assert (
        "distinct_id Network.PublicAddress is an IP address (the call sends it as '$ip' too)"
        in (ident)
    )


# -- project helpers that hash (MX106) ----------------------------------------------------

VISITOR_IDS = {
    "web/__init__.py": "",
    "web/ids.py": """
        import hashlib
        import hmac

        from django.conf import settings


        class VisitorFingerprint:
            def __init__(self, request):
                self.ip = request.META.get("REMOTE_ADDR", "")
                self.user_agent = request.META.get("HTTP_USER_AGENT", "")

            def compute(self):
                return hashlib.md5(f"{self.ip}|{self.user_agent}".encode()).hexdigest()


        def short_ref(email):
            return hashlib.sha1(email.strip().lower().encode()).hexdigest()[:12]


        def device_key(ip, agent):
            return hashlib.sha256((ip + agent).encode()).hexdigest()


        def visitor_token(value):
            return hmac.new(settings.VISITOR_KEY.encode(), value.encode(), "sha256").hexdigest()


        def bucket(user_id):
            return hashlib.sha256(str(user_id).encode()).hexdigest()[:2]
    """,
    "web/views.py": """
        from web.analytics import mp
        from web.ids import VisitorFingerprint, bucket, device_key, short_ref, visitor_token


        def landing(request):
            if not request.COOKIES.get("analytics_consent"):
                return
            visitor = VisitorFingerprint(request)
            mp.track(visitor.compute(), "Landing Viewed", {"path": request.path})
            mp.track(
                device_key(request.META["REMOTE_ADDR"], request.META["HTTP_USER_AGENT"]),
                "Landing Scrolled",
            )


        def newsletter(request, form):
            if request.user.profile.analytics_consent:
                mp.track(str(request.user.pk), "Newsletter Joined", {
                    "referral": short_ref(form.cleaned_data["email"]),
                    "email": visitor_token(request.user.email),
                    "bucket": bucket(request.user.pk),
                })
                mp.alias(visitor_token(request.user.email), str(request.user.pk))
    """,
    "web/analytics.py": """
        from django.conf import settings
        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))
    """,
}


def test_project_helpers_that_hash_whatever_their_name(tmp_path: Path) -> None:
    findings = _run(tmp_path, VISITOR_IDS)
    assert _where(findings) == [
        ("MX106", "web/views.py", 9, 14),  # VisitorFingerprint(...).compute(): md5(ip|ua)
        ("MX106", "web/views.py", 11, 9),  # device_key(REMOTE_ADDR, HTTP_USER_AGENT)
        ("MX106", "web/views.py", 19, 25),  # short_ref(email): a plain sha1
    ]
    visitor = _message(findings, "MX106", "web/views.py", 9, 14)
    assert visitor.startswith(
        "distinct_id visitor.compute() is a device fingerprint, not an anonymous ID: an "
        "unkeyed hash of an IP address read from self.ip and a user-agent string "
        "(web.ids.VisitorFingerprint.compute() is a plain hashlib.md5 digest, with no secret)"
    ), visitor
    key = _message(findings, "MX106", "web/views.py", 11, 9)
    assert "a device fingerprint, not an anonymous ID" in key
    assert "web.ids.device_key() is a plain hashlib.sha256 digest" in key
    referral = _message(findings, "MX106", "web/views.py", 19, 25)
    assert "property 'referral' is an unkeyed hash of an e-mail address" in referral
    assert "web.ids.short_ref() is a plain hashlib.sha1 digest" in referral
    assert "device fingerprint" not in referral


# -- objects sent whole ------------------------------------------------------------------

WHOLE_OBJECTS = {
    "crm/__init__.py": "",
    "crm/models.py": """
        from dataclasses import dataclass, field
        from typing import ClassVar

        import attr
        from django.db import models
        from pydantic import BaseModel


        @dataclass(frozen=True)
        class UserInfo:
            name: str
            email: str
            plan: str = "free"
            schema_version: ClassVar[int] = 2


        @dataclass
        class TrialInfo(UserInfo):
            trial_days: int = field(default=14)


        class Signup(BaseModel):
            full_name: str
            company: str
            seats: int

            def to_dict(self):
                return self.model_dump(mode="json")


        class Repository(BaseModel):
            full_name: str
            stars: int


        class Order(models.Model):
            customer_email = models.EmailField()
            total = models.DecimalField(max_digits=10, decimal_places=2)
            diagnosis_code = models.CharField(max_length=8)
            objects = models.Manager()


        @attr.s(auto_attribs=True)
        class Device:
            model: str
            os_version: str


        class Settings:
            def __init__(self, theme):
                self.theme = theme
    """,
    "crm/tracking.py": """
        from dataclasses import asdict

        from django.forms.models import model_to_dict
        from mixpanel import Consumer, Mixpanel

        from crm.models import Device, Order, Repository, Signup, TrialInfo, UserInfo

        mp = Mixpanel("PROJECT_TOKEN", consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def signed_up(user_id: str, info: UserInfo, signup: Signup):
            mp.track(user_id, "Signed Up", asdict(info))
            mp.people_set(user_id, signup.to_dict())
            mp.track(user_id, "Plan Chosen", signup.model_dump(include={"company", "seats"}))


        def trial_started(user_id, name, email):
            trial = TrialInfo(name, email, "pro", 30)
            mp.track(user_id, "Trial Started", {"trial": vars(trial)})


        def order_paid(user_id, order_id):
            order = Order.objects.get(pk=order_id)
            mp.track(user_id, "Order Paid", model_to_dict(order))


        def synced(user_id, repo: Repository, device: Device, settings):
            mp.track(user_id, "Repository Synced", repo.model_dump())
            mp.track(user_id, "Device Seen", attr.asdict(device))
            mp.track(user_id, "Settings Saved", vars(settings))
    """,
}


def test_objects_sent_whole_are_judged_by_their_fields(tmp_path: Path) -> None:
    findings = _run(tmp_path, WHOLE_OBJECTS)
    assert _where(findings) == [
        ("MX101", "crm/tracking.py", 12, 36),  # asdict(info): name, email
        ("MX105", "crm/tracking.py", 12, 36),
        ("MX101", "crm/tracking.py", 13, 28),  # event.to_dict() returns self.model_dump()
        ("MX105", "crm/tracking.py", 13, 28),
        ("MX105", "crm/tracking.py", 14, 38),  # include= keeps company and seats only
        ("MX101", "crm/tracking.py", 19, 50),  # {"trial": vars(trial)}: the inherited email
        ("MX105", "crm/tracking.py", 19, 50),
        ("MX101", "crm/tracking.py", 24, 37),  # model_to_dict(Order.objects.get(...))
        ("MX104", "crm/tracking.py", 24, 37),  # its diagnosis_code field
        ("MX105", "crm/tracking.py", 24, 37),
        ("MX105", "crm/tracking.py", 28, 44),  # Repository.full_name is a repository's
        ("MX105", "crm/tracking.py", 29, 38),  # Device: no personal field
        ("MX105", "crm/tracking.py", 30, 41),  # a plain class: its fields are not known
    ]
    info = _message(findings, "MX101", "crm/tracking.py", 12, 36)
    assert info.startswith(
        "asdict(info) sends every field of the dataclass UserInfo (crm/models.py:10), and its "
        "fields 'name' (a person's name) and 'email' (an e-mail address) are personal data: "
    ), info
    assert "['name' matched 'name' (person's name, en); 'email' matched 'email'" in info
    signup = _message(findings, "MX101", "crm/tracking.py", 13, 28)
    assert "signup.to_dict() sends every field of the pydantic model Signup" in signup
    assert "its field 'full_name' (a person's name) is personal data" in signup
    trial = _message(findings, "MX101", "crm/tracking.py", 19, 50)
    # A field means what the class declaring it says: TrialInfo's "name" is UserInfo's,
    # a person's name, though "TrialInfo" names no person.
    assert (
        "the dataclass TrialInfo (crm/models.py:18), and its fields 'name' (a person's name) "
        "and 'email'" in trial
    )
    order = _message(findings, "MX101", "crm/tracking.py", 24, 37)
    assert "the Django model Order" in order and "'customer_email' (an e-mail address)" in order
    health = _message(findings, "MX104", "crm/tracking.py", 24, 37)
    assert "its field 'diagnosis_code' (health data, Art. 9) is special-category data" in health
    assert "every field of a dataclass (asdict(info))" in _message(
        findings, "MX105", "crm/tracking.py", 12, 36
    )


def test_every_way_of_sending_an_object_whole_is_judged_by_its_fields(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/tracking.py": EU_CLIENT,
        "app/schemas.py": """
            from dataclasses import dataclass

            from pydantic import BaseModel


            class Member(BaseModel):
                nickname: str
                karma: int


            @dataclass
            class Contact:
                phone: str
                topic: str
        """,
        "app/events.py": """
            from app.schemas import Contact, Member
            from app.tracking import mp


            def joined(member: Member, contact: Contact):
                mp.track("community", "Joined", member.dict())
                mp.track("community", "Contacted", contact.__dict__)
        """,
    }
    findings = _run(tmp_path, files)
    assert _where(findings) == [
        ("MX101", "app/events.py", 6, 37),
        ("MX105", "app/events.py", 6, 37),
        ("MX101", "app/events.py", 7, 40),
        ("MX105", "app/events.py", 7, 40),
    ]
    member = _message(findings, "MX101", "app/events.py", 6, 37)
    assert "its field 'nickname' (a username or login handle) is personal data" in member
    contact = _message(findings, "MX101", "app/events.py", 7, 40)
    assert "contact.__dict__ sends every field of the dataclass Contact" in contact
    # A key the configuration allows is allowed as a field too.
    root = tmp_path
    allowed = Config(select=set(PERSONAL_RULES), allow_keys=["Nickname"])
    assert _where(findings_of(run(root, allowed))) == [
        ("MX105", "app/events.py", 6, 37),
        ("MX101", "app/events.py", 7, 40),
        ("MX105", "app/events.py", 7, 40),
    ]


# -- unreviewable payloads: MX105, or judged where their keys are seen -------------------

UNREVIEWABLE = {
    "svc/__init__.py": "",
    "svc/analytics.py": """
        import json
        import queue
        import threading
        from dataclasses import asdict, dataclass

        from django.conf import settings
        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))
        BASE_PROPERTIES = {"service": "billing", "admin_email": settings.ADMIN_EMAIL}
        _outbox: queue.Queue = queue.Queue()


        @dataclass
        class Invoice:
            number: str
            customer_email: str

            def serialize(self):
                return asdict(self)


        def track_event(user, event, props):
            if user.profile.analytics_consent:
                mp.track(str(user.pk), event, {**BASE_PROPERTIES, **props.copy()})


        def replay(path):
            with open(path) as lines:
                for line in lines:
                    record = json.loads(line)
                    mp.track(record.pop("distinct_id"), record.pop("event"), record)


        def invoice_sent(invoice: Invoice):
            mp.track(invoice.number, "Invoice Sent", invoice.serialize())


        def _worker():
            while True:
                distinct_id, event, properties = _outbox.get()
                mp.track(distinct_id, event, properties)


        threading.Thread(target=_worker, daemon=True).start()
    """,
    "svc/views.py": """
        from svc.analytics import track_event


        class CheckoutView:
            extra: dict = {}

            def post(self, request):
                track_event(request.user, "Checkout", {"plan": request.POST.get("plan")})
                track_event(request.user, "Checkout Raw", request.GET)
                track_event(request.user, "Checkout Extra", self.extra)
    """,
}


def test_every_unreviewable_part_is_reported_or_judged(tmp_path: Path) -> None:
    findings = _run(tmp_path, UNREVIEWABLE)
    assert _where(findings) == [
        ("MX101", "svc/analytics.py", 10, 42),  # BASE_PROPERTIES is judged, not MX105
        ("MX105", "svc/analytics.py", 31, 22),  # record = json.loads(line)
        ("MX101", "svc/analytics.py", 36, 46),  # Invoice.serialize() returns asdict(self)
        ("MX105", "svc/analytics.py", 36, 46),
        ("MX105", "svc/analytics.py", 41, 29),  # a tuple taken from a queue
        ("MX105", "svc/views.py", 9, 51),  # request.GET, copied by the wrapper
        ("MX105", "svc/views.py", 10, 53),  # self.extra, copied by the wrapper
    ]
    record = _message(findings, "MX105", "svc/analytics.py", 31, 22)
    assert record.startswith(
        "the properties that track sends (json.loads(line)) cannot be reviewed: their keys "
        "cannot be seen in the code"
    ), record
    serialized = _message(findings, "MX101", "svc/analytics.py", 36, 46)
    assert "invoice.serialize() sends every field of the dataclass Invoice" in serialized
    assert "'customer_email' (an e-mail address)" in serialized
    assert "the whole request payload (request.GET)" in _message(
        findings, "MX105", "svc/views.py", 9, 51
    )
    extra = _message(findings, "MX105", "svc/views.py", 10, 53)
    assert "the properties that track sends (self.extra) cannot be reviewed" in extra


# -- the inventory and the findings never disagree -------------------------------------


def _judged_elsewhere(model: ProjectModel, call: TrackingCall, part_index: int) -> set[int]:
    """Ids of the unreviewable parts whose keys mixlint judges where they can be seen: the
    dicts of a list, a dict constant of the call's own module, the call sites' arguments of
    a function whose parameter the part is."""
    payload = (call.properties, call.meta, call.context)[part_index]
    judged: set[int] = set()
    if payload is None:
        return judged
    constants = Constants(model)
    path, _, qualname = call.function.partition("::")
    function = model.modules[path].functions.get(qualname) if path in model.modules else None
    params = frozenset(p.name for p in function.params) if function else frozenset()
    # A wrapper call's part written in the wrapper is judged at the SDK call inside it.
    paths = {call.path, *(site.rsplit(":", 1)[0] for site in call.via)}
    for opaque in payload.opaque:
        constant = any(
            (resolved := constants.resolve(opaque, path)) is not None
            and resolved[0].kind is ExprKind.DICT
            and resolved[1] == path
            for path in paths
        )
        called = bool(model.callers.get(call.function)) and bool(flowing_params(opaque, params))
        if opaque.kind is ExprKind.SEQ or constant or called:
            judged.add(id(opaque))
    return judged


def _disagreements(model: ProjectModel, findings: list[Finding]) -> list[str]:
    reported = {(f.path, f.span) for f in findings if f.rule_id == "MX105"}
    problems: list[str] = []
    payload_nodes: set[tuple[str, Span]] = set()
    for call in model.calls:
        paths = {call.path, *(site.rsplit(":", 1)[0] for site in call.via)}
        for index, payload in enumerate((call.properties, call.meta, call.context)):
            if payload is None:
                continue
            for root in (payload.expr, *(p.value for p in payload.properties), *payload.opaque):
                payload_nodes.update((path, node.span) for node in walk(root) for path in paths)
            judged = _judged_elsewhere(model, call, index)
            for opaque in payload.opaque:
                spans = {(path, node.span) for node in walk(opaque) for path in paths}
                if id(opaque) not in judged and not spans & reported:
                    where = f"{call.path}:{call.span.start_line}"
                    problems.append(f"{where}: {opaque.text!r} is unreviewable but not MX105")
    problems.extend(
        f"{path}:{span.start_line}: MX105 on no payload of the inventory"
        for path, span in sorted(reported - payload_nodes)
    )
    return problems


@pytest.mark.parametrize(
    "project",
    [*sorted(p.parent for p in FIXTURES.glob("*/expected.yaml")), EXAMPLE],
    ids=lambda p: p.name,
)
def test_inventory_and_findings_agree_on_unreviewable_payloads(project: Path) -> None:
    config = Config()
    model = analyse([project], config)
    assert _disagreements(model, check(model, config).findings) == []


def test_inventory_and_findings_agree_on_every_kind_of_unreviewable_part(tmp_path: Path) -> None:
    root = write_project(tmp_path, UNREVIEWABLE)
    config = Config()
    model = analyse([root], config)
    opaque = [o.text for c in model.calls if c.properties for o in c.properties.opaque]
    assert len(opaque) >= 6, opaque  # each kind: MX105, constant, call sites, queue, method
    assert _disagreements(model, check(model, config).findings) == []


# -- values built in branches ---------------------------------------------------------

BRANCHES = {
    "cli/__init__.py": "",
    "cli/telemetry.py": """
        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel("PROJECT_TOKEN", consumer=Consumer(api_host="api-eu.mixpanel.com"))


        class ReportedError(Exception):
            def telemetry_props(self):
                return self.__dict__


        def _error_props(error):
            props = {"error": type(error).__name__}
            if isinstance(error, ReportedError):
                props.update(error.telemetry_props())
            return props


        def command_failed(install_id, command, error, user):
            if user.settings.telemetry_opt_in:
                mp.track(install_id, "Command Failed", {"command": command, **_error_props(error)})


        def command_done(install_id, command, user, seconds):
            if seconds > 60:
                props = {"command": command, "slow": True, "owner": user.email}
            elif seconds > 10:
                props = {"command": command, "slow": True}
            else:
                return
            if user.settings.telemetry_opt_in:
                mp.track(install_id, "Command Done", props)
    """,
}


def test_values_built_in_branches_are_judged_in_each(tmp_path: Path) -> None:
    """A helper whose dict one branch extends returns either dict (followed into the
    payload); a dict built in an ``if`` or its ``elif`` is judged in each."""
    findings = _run(tmp_path, BRANCHES, PERSONAL_RULES | {"MX105"})
    assert _where(findings) == [
        # error.telemetry_props() (self.__dict__), added in the if, judged at the helper's
        # call: its keys cannot be seen
        ("MX105", "cli/telemetry.py", 20, 71),
        # "owner": user.email, in the first branch only
        ("MX102", "cli/telemetry.py", 25, 61),
    ]
    message = _message(findings, "MX105", "cli/telemetry.py", 20, 71)
    assert message.startswith("the properties that track sends (error.telemetry_props())")
