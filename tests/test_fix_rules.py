"""The fixes the rules offer, beyond their examples: what configuration they take, the
names and imports the code they write needs, and when they offer nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mixlint.config import Config, ConfigError, ConsentConfig, load_config
from mixlint.engine import Result
from mixlint.fix.files import applicable, fix_findings
from mixlint.suppressions import Suppression, without
from tests.helpers import run, write_project


def fixed(tmp_path: Path, files: dict[str, str], config: Config, rule_id: str) -> str | None:
    """The first file's code after the fixes of ``rule_id``; None when none is offered."""
    root = write_project(tmp_path, files)
    result: Result = run(root, config)
    mine = [f for f in applicable(result.findings, True) if f.rule_id == rule_id]
    if not mine:
        return None
    outcome = fix_findings(root, mine, result.lines)
    assert outcome.problems == [] and outcome.fixed == mine
    name = next(iter(files))
    return outcome.changed[name][1] if name in outcome.changed else None


def edited(source: str, *replacements: tuple[str, str]) -> str:
    """``source`` as the project holds it, with each ``(old, new)`` replaced."""
    code = textwrap.dedent(source).lstrip("\n")
    for old, new in replacements:
        assert old in code
        code = code.replace(old, new)
    return code


SIGNUP = """
from mixpanel import Consumer, Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=Consumer(api_host="api-eu.mixpanel.com"))


def signed_up(user):
    if user.analytics_consent:
        mp.track(user.email, "Signed Up")
"""

PRIVACY = '''
import hmac

from django.conf import settings


def make_token(value):
    """The shop's pseudonym: a keyed hash with the key from the settings."""
    return hmac.new(settings.PSEUDONYM_KEY, value.encode(), "sha256").hexdigest()
'''


@pytest.mark.parametrize(
    ("pseudonymizers", "expected_call", "expected_import"),
    [
        (["shop.privacy.make_token"], "make_token(user.email)",
         "from shop.privacy import make_token"),
        # A bare name defined once in the project is imported from its module.
        (["make_token"], "make_token(user.email)", "from shop.privacy import make_token"),
        # A pattern is not a name: the keyed hash with the configured key is used.
        ([".*_token$"], "hmac.new(settings.ANALYTICS_PEPPER, user.email.encode(), "
                        "hashlib.sha256).hexdigest()", "from django.conf import settings"),
    ],
)  # fmt: skip
def test_mx103_wraps_the_identifier_in_the_configured_pseudonymiser(
    tmp_path: Path, pseudonymizers: list[str], expected_call: str, expected_import: str
) -> None:
    config = Config(
        pseudonymizers=pseudonymizers,
        pseudonymisation_key="django.conf:settings.ANALYTICS_PEPPER",
    )
    files = {"shop/views.py": SIGNUP, "shop/__init__.py": "", "shop/privacy.py": PRIVACY}
    code = fixed(tmp_path, files, config, "MX103")
    assert code is not None
    assert f"mp.track({expected_call}, " in code
    assert expected_import in code.splitlines()


def test_mx103_without_a_pseudonymiser_or_key_offers_nothing(tmp_path: Path) -> None:
    assert fixed(tmp_path, {"views.py": SIGNUP}, Config(), "MX103") is None
    # A key whose name cannot be reached in the file (no module given, not bound there).
    config = Config(pseudonymisation_key="settings.ANALYTICS_PEPPER")
    assert fixed(tmp_path / "unbound", {"views.py": SIGNUP}, config, "MX103") is None


def test_mx103_uses_a_key_bound_in_the_file_as_it_is(tmp_path: Path) -> None:
    source = "from django.conf import settings\n" + textwrap.dedent(SIGNUP)
    config = Config(pseudonymisation_key="settings.ANALYTICS_PEPPER.encode()")
    code = fixed(tmp_path, {"views.py": source}, config, "MX103")
    assert code is not None
    assert code.splitlines()[:5] == [
        "from django.conf import settings",
        "",
        "from mixpanel import Consumer, Mixpanel",
        "import hashlib",
        "import hmac",
    ]
    assert (
        "mp.track(hmac.new(settings.ANALYTICS_PEPPER.encode(), user.email.encode(), "
        'hashlib.sha256).hexdigest(), "Signed Up")' in code
    )


def test_mx106_fixes_a_hashing_helper_in_its_own_module(tmp_path: Path) -> None:
    helpers = """
import hashlib


def hash_email(email):
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()
"""
    views = """
from mixpanel import Consumer, Mixpanel

from shop.helpers import hash_email

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=Consumer(api_host="api-eu.mixpanel.com"))


def signed_up(user):
    if user.analytics_consent:
        mp.track(hash_email(user.email), "Signed Up")
"""
    config = Config(pseudonymisation_key="django.conf:settings.ANALYTICS_PEPPER")
    files = {"shop/helpers.py": helpers, "shop/__init__.py": "", "shop/views.py": views}
    code = fixed(tmp_path, files, config, "MX106")
    assert code == edited(
        helpers,
        ("import hashlib\n", "import hashlib\nimport hmac\nfrom django.conf import settings\n"),
        (
            "hashlib.sha256(email.strip().lower().encode())",
            "hmac.new(settings.ANALYTICS_PEPPER, email.strip().lower().encode(), hashlib.sha256)",
        ),
    )


CANCEL = """
from mixpanel import Consumer, Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=Consumer(api_host="api-eu.mixpanel.com"))


def cancel_order(request, order):
    order.cancel()
    mp.track(str(request.user.pk), "Order Cancelled", {"order_id": order.number})
"""


def consent(*predicates: str) -> Config:
    return Config(
        consent=ConsentConfig(predicates=["has_analytics_consent"], guards=list(predicates))
    )


def test_mx201_guards_with_the_first_predicate_the_call_can_reach(tmp_path: Path) -> None:
    # ``user`` is not a name in cancel_order(): the second form is used, and imported.
    config = consent(
        "shop.consent:has_analytics_consent(user)",
        "shop.consent:has_analytics_consent(request.user)",
    )
    code = fixed(tmp_path, {"views.py": CANCEL}, config, "MX201")
    assert code == edited(
        CANCEL,
        (
            "from mixpanel import Consumer, Mixpanel\n",
            "from mixpanel import Consumer, Mixpanel\n"
            "from shop.consent import has_analytics_consent\n",
        ),
        (
            '    mp.track(str(request.user.pk), "Order Cancelled"',
            "    if has_analytics_consent(request.user):\n"
            '        mp.track(str(request.user.pk), "Order Cancelled"',
        ),
    )


def test_mx201_never_guesses_a_predicate(tmp_path: Path) -> None:
    assert fixed(tmp_path / "none", {"views.py": CANCEL}, Config(), "MX201") is None
    # A name without a call form says nothing about what to pass it.
    config = load_config(
        write_project(tmp_path / "named", {"views.py": CANCEL}) / "pyproject.toml", ["MX201"]
    )
    assert config.consent.guards == []
    # A call whose names the function cannot reach (no ``user`` there, no import given).
    assert fixed(tmp_path / "far", {"views.py": CANCEL}, consent("has_analytics_consent(user)"),
                 "MX201") is None  # fmt: skip


def test_mx403_reads_each_credential_from_its_variable(tmp_path: Path) -> None:
    source = """
import os

import requests

GDPR_API = "https://eu.mixpanel.com/api/app/data-deletions/v3.0/"


def delete_user_data(distinct_id, project_token):
    requests.post(
        GDPR_API,
        params={"token": project_token},
        headers={"Authorization": "Bearer mpgdpr_0f8e7d6c5b4a39281706f5e4d3c2b1a0"},
        json={"distinct_ids": [distinct_id], "compliance_type": "GDPR"},
        timeout=10,
    )


def utils():
    from mixpanel_utils import MixpanelUtils

    return MixpanelUtils(
        os.environ.get("MIXPANEL_API_SECRET", "4f2b9e1d7c3a5f8e0b6d2c9a1e7f3b5d"),
        token=os.environ["MIXPANEL_TOKEN"],
        residency="eu",
    )
"""
    config = Config(credential_env_vars={"gdpr-api-token": "GDPR_TOKEN", "api-secret": "X"})
    code = fixed(tmp_path, {"gdpr.py": source}, config, "MX403")
    assert code == edited(
        source,
        (
            '"Bearer mpgdpr_0f8e7d6c5b4a39281706f5e4d3c2b1a0"',
            '"Bearer " + os.environ["GDPR_TOKEN"]',
        ),
        (
            'os.environ.get("MIXPANEL_API_SECRET", "4f2b9e1d7c3a5f8e0b6d2c9a1e7f3b5d")',
            'os.environ.get("MIXPANEL_API_SECRET")',
        ),
    )


@pytest.mark.parametrize(
    ("text", "rule_id", "expected"),
    [
        ("# mixlint: ignore[MX201, MX101] -- guarded above", "MX201",
         "# mixlint: ignore[MX101] -- guarded above"),
        ("# mixlint: ignore[MX201]  -- guarded above", "MX201", ""),
        ("# noqa: MX101, E501", "MX101", "# noqa: E501"),
        ("# noqa:MX101 MX999", "MX999", "# noqa:MX101"),
        ("# mixlint: ignore-file[mx402]", "MX402", ""),
        ("# mixlint: ignore[] -- no rule named", None, ""),
    ],
)  # fmt: skip
def test_mx002_removes_what_suppresses_nothing(
    text: str, rule_id: str | None, expected: str
) -> None:
    item = Suppression("app.py", 1, 1, (), "", False, text)
    assert without(item, rule_id) == expected


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('pseudonymisation-key = "settings.KEY +"',
         "key 'pseudonymisation-key': expected a Python expression (e.g. "
         "\"settings.ANALYTICS_PEPPER\"), got 'settings.KEY +', which is not one Python "
         "expression"),
        ('credential-env-vars = { api-secret = "MIXPANEL SECRET" }',
         "key 'credential-env-vars.api-secret': expected an environment variable name, got "
         "'MIXPANEL SECRET'"),
        ('credential-env-vars = { webhook = "X" }',
         "unknown key 'credential-env-vars.webhook' (expected one of api-secret, api-key, "
         "service-account-secret, service-account-password, gdpr-api-token)"),
        ('unsafe-fixes = "true"', "key 'unsafe-fixes': expected true or false, got 'true'"),
        ('consent = { predicates = ["has_consent(user"] }',
         "key 'consent.predicates[0]': expected a dotted name or a call such as "
         "'has_analytics_consent(user)', got 'has_consent(user'"),
    ],
)  # fmt: skip
def test_fix_settings_are_validated(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(f"[tool.mixlint]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, ["MX101"])
    assert str(error.value) == f"{path}: [tool.mixlint] {message}"


def test_consent_predicates_in_call_form_are_matched_by_name(tmp_path: Path) -> None:
    path = tmp_path / ".mixlint.yaml"
    path.write_text(
        "consent:\n  predicates:\n    - user.marketing_ok\n"
        "    - app.consent:has_analytics_consent(request.user)\n",
        encoding="utf-8",
    )
    config = load_config(path, ["MX201"])
    assert config.consent.predicates == ["user.marketing_ok", "has_analytics_consent"]
    assert config.consent.guards == ["app.consent:has_analytics_consent(request.user)"]


def test_mx402_writes_the_consumer_as_the_client_is_written(tmp_path: Path) -> None:
    """A telemetry loader that imports the module: ``mixpanel.Consumer``, no new import."""
    loader = """
import os

import mixpanel

MIXPANEL_TOKEN = os.getenv("MIXPANEL_TOKEN")


def load_events(events):
    client = mixpanel.Mixpanel(MIXPANEL_TOKEN)
    for event in events:
        if event["consent"]:
            client.track(event["user_id"], event["name"], {"source": "loader"})
"""
    code = fixed(tmp_path, {"loader.py": loader}, Config(), "MX402")
    assert code == edited(
        loader,
        (
            "mixpanel.Mixpanel(MIXPANEL_TOKEN)",
            "mixpanel.Mixpanel(MIXPANEL_TOKEN, "
            'consumer=mixpanel.Consumer(api_host="api-eu.mixpanel.com"))',
        ),
    )
