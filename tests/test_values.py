"""ValueAnalyzer on expressions built by the real collector (and, for project
functions, by the whole pipeline)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest

from mixlint.collect import summarize
from mixlint.config import Config, ConsentConfig
from mixlint.consent import ConsentMatcher
from mixlint.model import Expr
from mixlint.run import analyse
from mixlint.values import IP_CATEGORY, MatchKind, Scope, ValueAnalyzer
from mixlint.vocabulary import Vocabulary
from tests.helpers import write_project

PARAMS = "request, user, form, customer, plan, product, patient, settings, data, team"


def sink(body: str) -> Expr:
    """The argument of the last ``sink(...)`` call after ``body`` (inside a function)."""
    source = f"def view({PARAMS}):\n" + textwrap.indent(textwrap.dedent(body).strip(), "    ")
    source += "\n    sink(value)\n"
    module = cst.parse_module(source)
    summary = summarize(module, source, "views.py", "views", False, ConsentMatcher(ConsentConfig()))
    calls = [
        site.call
        for site in summary.calls
        if site.call.base is not None and site.call.base.text == "sink"
    ]
    return calls[-1].args[0]


@pytest.fixture(scope="module")
def analyzer() -> ValueAnalyzer:
    return ValueAnalyzer(Config(), Vocabulary.load())


PERSONAL = [
    ("value = user.email", "email"),
    ("value = request.user.get_full_name()", "person_name"),
    ('value = form.cleaned_data["phone"]', "phone"),
    ('value = request.POST.get("email")', "email"),
    ("value = customer.profile.phone_number", "phone"),
    ("value = user.name", "person_name"),
    ("value = customer.kundenname", "person_name"),
    ('value = data["Vorname"]', "person_name"),
    ('value = getattr(user, "email")', "email"),
    ("value = user.Geburtsdatum", "birth_date"),
    ("value = patient.name", "person_name"),
    # string operations that keep the value
    ("value = user.email.lower().strip()", "email"),
    ("value = user.email.casefold().encode()", "email"),
    ("value = str(user.email)", "email"),
    ('value = f"{user.first_name} {user.last_name}"', "person_name"),
    ('value = "{} <{}>".format(user.get_full_name(), user.email)', "person_name"),
    ('value = "mailto:" + user.email', "email"),
    ('value = "%s" % user.email', "email"),
    ('value = " ".join([user.first_name, user.last_name])', "person_name"),
    ("value = user.email[:20]", "email"),
    ('value = user.email or ""', "email"),
    ("value = user.email if user.is_active else None", "email"),
    ('value = user.email.split("@")[0]', "email"),  # the local part
    ("value = base64.b64encode(user.email.encode())", "email"),
    # through local variables
    ("email = user.email\naddress = email.strip()\nvalue = address", "email"),
    ("u = request.user\nvalue = u.name", "person_name"),
    ("for member in team.members:\n    value = member.email", "email"),
]


@pytest.mark.parametrize(("body", "category"), PERSONAL)
def test_personal_values(analyzer: ValueAnalyzer, body: str, category: str) -> None:
    found = analyzer.value(sink(body))
    assert found is not None
    assert found.kind is MatchKind.PERSONAL
    assert found.category_id == category
    assert not found.weak


NOT_PERSONAL = [
    "value = plan.name",
    "value = product.name",
    "value = request.user.id",
    "value = str(user.pk)",
    "value = user.email_verified",
    "value = request.user.email_domain",
    "value = len(user.email)",
    'value = user.email == "a@b.c"',
    "value = bool(user.phone)",
    "value = user.phone is not None",
    "value = not user.email",
    'value = user.email.split("@")[1]',
    'value = user.email.lower().split("@")[-1]',
    'value = user.email.partition("@")[2]',
    '_, domain = user.email.split("@")\nvalue = domain',
    'value = user.email.endswith(".de")',
    'value = user.email.count("@")',
    "value = user.profile.address.city",
    "value = is_valid_email(user.email)",
    'value = "Signup"',
    "value = 42",
    "value = hmac.new(settings.KEY, user.email.encode(), 'sha256').hexdigest()",
    "value = hashlib.blake2b(user.email.encode(), key=settings.SECRET).hexdigest()",
    "value = hashlib.sha256((settings.PEPPER + user.email).encode()).hexdigest()",
    "value = hashlib.sha256(str(user.pk).encode()).hexdigest()",
    "value = pseudonymize(user.email)",
    "value = mask_email(user.email)",
    "value = anonymize_ip(request.remote_addr)",
    "value = str(uuid.uuid4())",
]


@pytest.mark.parametrize("body", NOT_PERSONAL)
def test_not_personal(analyzer: ValueAnalyzer, body: str) -> None:
    assert analyzer.value(sink(body)) is None


CLIENT_IPS = [
    "value = request.remote_addr",
    'value = request.META["REMOTE_ADDR"]',
    'value = request.META.get("HTTP_X_FORWARDED_FOR")',
    'value = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()',
    'value = request.headers["X-Forwarded-For"]',
    'value = request.headers.get("X-Real-IP")',
    "value = request.client.host",
    "value = request.access_route[0]",
    'value = request.environ["REMOTE_ADDR"]',
    "value = get_client_ip(request)",
    "value = get_client_ip(request)[0]",
    "ip, routable = get_client_ip(request)\nvalue = ip",
    'value = request.scope["client"][0]',
]


@pytest.mark.parametrize("body", CLIENT_IPS)
def test_client_ip_sources(analyzer: ValueAnalyzer, body: str) -> None:
    found = analyzer.client_ip(sink(body))
    assert found is not None
    assert found.kind is MatchKind.CLIENT_IP
    assert found.category_id == IP_CATEGORY
    assert found.direct_identifier


def test_ip_attribute_of_a_user_is_an_address(analyzer: ValueAnalyzer) -> None:
    found = analyzer.client_ip(sink("value = user.last_login_ip"))
    assert found is not None and found.kind is MatchKind.PERSONAL


@pytest.mark.parametrize(
    ("literal", "category", "masked"),
    [
        ('"max.mustermann@example.de"', "email", "m***@example.de"),
        ('"+49 151 12345678"', "phone", "+49 *** ******78"),
        ('"203.0.113.7"', IP_CATEGORY, "203.0.*.*"),
        ('"DE89 3704 0044 0532 0130 00"', "bank_account", "DE89 **** **** **** **** 00"),
    ],
)
def test_literals_are_masked(
    analyzer: ValueAnalyzer, literal: str, category: str, masked: str
) -> None:
    found = analyzer.value(sink(f"value = {literal}"))
    assert found is not None and found.kind is MatchKind.LITERAL
    assert found.category_id == category
    assert found.masked == masked
    plain = literal.strip('"')
    assert plain not in found.describe() and plain not in found.explain()


def test_source_text_in_messages_is_masked(analyzer: ValueAnalyzer) -> None:
    found = analyzer.value(sink('value = f"{user.email} <max.mustermann@example.de>"'))
    assert found is not None
    assert "max.mustermann@example.de" not in found.describe()


@pytest.mark.parametrize(
    ("body", "digest"),
    [
        ("value = hashlib.sha256(user.email.encode()).hexdigest()", "hashlib.sha256"),
        ("value = hashlib.md5(user.email.lower().encode('utf-8')).hexdigest()[:12]", "hashlib.md5"),
        ('value = hashlib.new("sha256", user.email.encode()).hexdigest()', "hashlib.new"),
        ("value = sha1(customer.telefonnummer.encode()).hexdigest()", "sha1"),
        (
            "value = hashlib.sha256(('fixed-salt' + user.email).encode()).hexdigest()",
            "hashlib.sha256",
        ),
        (
            "value = hashlib.blake2b(user.email.encode(), key=b'literal').hexdigest()",
            "hashlib.blake2b",
        ),
        ("value = uuid.uuid5(uuid.NAMESPACE_URL, user.email)", "uuid.uuid5"),
        (
            "digest = hashlib.sha256(request.remote_addr.encode())\nvalue = digest.hexdigest()",
            "hashlib.sha256",
        ),
    ],
)
def test_unkeyed_digests_are_weak(analyzer: ValueAnalyzer, body: str, digest: str) -> None:
    found = analyzer.value(sink(body))
    assert found is not None and found.weak
    assert found.hash_name == digest
    assert found.direct_identifier


def test_unkeyed_digest_of_a_non_identifier_is_not_weak(analyzer: ValueAnalyzer) -> None:
    # Catalog MX106: direct identifiers only (e-mail, phone, name, IP).
    assert (
        analyzer.value(sink("value = hashlib.sha256(user.birthday.encode()).hexdigest()")) is None
    )


def test_special_category_values(analyzer: ValueAnalyzer) -> None:
    found = analyzer.value(sink("value = patient.diagnosis"))
    assert found is not None and found.special and found.category_id == "health"


def test_parameters_are_judged_by_name_only_when_asked(analyzer: ValueAnalyzer) -> None:
    source = "def on_signup(email):\n    sink(email)\n"
    summary = summarize(
        cst.parse_module(source), source, "x.py", "x", False, ConsentMatcher(ConsentConfig())
    )
    expr = summary.calls[-1].call.args[0]
    assert analyzer.value(expr) is None
    found = analyzer.value(expr, Scope(param_names=True))
    assert found is not None and found.category_id == "email"


def test_configured_pseudonymizer_clears(analyzer: ValueAnalyzer) -> None:
    # An unknown function's result is not followed either way; what the configuration
    # changes is that the value counts as pseudonymised (which clears MX101 for its key).
    expr = sink("value = scramble(user.email).upper()")
    assert not analyzer.pseudonymised(expr)
    configured = ValueAnalyzer(Config(pseudonymizers=["app.privacy.scramble"]), Vocabulary.load())
    assert configured.pseudonymised(expr)
    by_pattern = ValueAnalyzer(Config(pseudonymizers=["^scram"]), Vocabulary.load())
    assert by_pattern.pseudonymised(expr)
    assert analyzer.pseudonymised(sink("value = hash_email(user.email)"))
    assert analyzer.pseudonymised(sink("value = hmac.new(k, user.email.encode(), 'sha256')"))


WHOLE = [
    ("value = vars(user)", "every attribute of an object"),
    ("value = user.__dict__", "every attribute of an object"),
    ("value = model_to_dict(user)", "every field of a model instance"),
    ("value = dataclasses.asdict(user)", "every field of a dataclass"),
    ("value = asdict(user)", "every field of a dataclass"),
    ("value = user.dict()", "every field of a model"),
    ("value = user.model_dump()", "every field of a model"),
    ("value = request.POST", "the whole request payload"),
    ("value = request.GET", "the whole request payload"),
    ("value = request.json", "the whole request payload"),
    ("value = request.form", "the whole request payload"),
    ("value = request.args", "the whole request payload"),
    ("value = request.data", "the whole request payload"),
    ("value = request.POST.dict()", "the whole request payload"),
    ("value = dict(request.GET)", "the whole request payload"),
    ("value = request.get_json()", "the whole request body"),
    ("value = form.cleaned_data", "every field of a submitted form"),
]


@pytest.mark.parametrize(("body", "what"), WHOLE)
def test_whole_objects(analyzer: ValueAnalyzer, body: str, what: str) -> None:
    found = analyzer.whole_object(sink(body))
    assert found is not None and found.what == what


@pytest.mark.parametrize(
    "body",
    [
        'value = request.POST.get("plan")',
        "value = {'plan': plan.name}",
        "value = user.plan",
        'value = data.get("x")',
    ],
)
def test_not_whole_objects(analyzer: ValueAnalyzer, body: str) -> None:
    assert analyzer.whole_object(sink(body)) is None


@pytest.mark.parametrize("body", ["value = 0", 'value = "0"', "value = None", "value = False"])
def test_ip_suppression_values(analyzer: ValueAnalyzer, body: str) -> None:
    assert analyzer.suppresses_ip(sink(body))


def test_project_pseudonymiser_with_an_unkeyed_body(tmp_path: Path) -> None:
    """A function named like a pseudonymiser whose body is a plain digest is weak."""
    root = write_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/privacy.py": """
            import hashlib
            import hmac
            import os

            KEY = os.environ["PSEUDONYM_KEY"].encode()


            def hash_email(email):
                normalised = email.strip().lower()
                return hashlib.sha256(normalised.encode()).hexdigest()


            def pseudonymize(value):
                return hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()
        """,
            "app/views.py": """
            from app import privacy
            from app.privacy import hash_email, pseudonymize


            def signup(user):
                sink(hash_email(user.email), pseudonymize(user.email),
                     privacy.hash_email(user.phone))
        """,
        },
    )
    config = Config()
    model = analyse([root], config)
    analyzer = ValueAnalyzer(config, Vocabulary.load())
    module = model.modules["app/views.py"]
    call = next(
        site.call
        for site in module.calls
        if site.call.base is not None and site.call.base.text == "sink"
    )
    scope = Scope(model, "app/views.py")
    weak = analyzer.value(call.args[0], scope)
    assert weak is not None and weak.weak
    assert weak.hash_via == "app.privacy.hash_email" and weak.hash_name == "hashlib.sha256"
    assert weak.source.text == "user.email"
    assert analyzer.value(call.args[1], scope) is None
    via_module = analyzer.value(call.args[2], scope)
    assert via_module is not None and via_module.weak and via_module.category_id == "phone"
    # Without the project, a named pseudonymiser is trusted.
    assert analyzer.value(call.args[0]) is None
