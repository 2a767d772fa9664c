"""MX403 hardcoded-credential: a Mixpanel secret written as a literal.

Looks at the arguments that carry credentials (``import_data`` / ``merge``
``api_key`` and ``api_secret``, ``ServiceAccountCredentials`` ``secret``,
``MixpanelUtils`` ``api_secret`` / ``service_account_password``) and at the
``Authorization`` header of requests to the GDPR API (``/api/app/data-*``).
A literal reached through a module constant (also one imported from another
project module) is reported at the constant's assignment, once however many
calls use it. The project token is public and never checked; an empty string
is not a credential; the secret itself never appears in a message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from mixlint.checks.base import CheckContext, Rule
from mixlint.fix.changes import Names, fix, remove_argument
from mixlint.fix.changes import replace as replace_code
from mixlint.model import (
    Applicability,
    Expr,
    ExprKind,
    Finding,
    Fix,
    Import,
    Level,
    ProjectModel,
    Span,
)
from mixlint.sdk import Sdk, load_sdk
from mixlint.transport import Constants

_GDPR_API = "/api/app/data-"
_ENV_READS = frozenset(
    {
        ("os", "environ", "get"),
        ("environ", "get"),
        ("os", "getenv"),
        ("getenv",),
        ("os", "environ", "setdefault"),
    }
)
_MAX_DEPTH = 20


@dataclass(frozen=True, slots=True)
class _Secret:
    path: str
    span: Span
    masked: str
    through: str  # how it reaches the call ("assigned to `API_SECRET` and passed on"), or ""
    literal: Expr | None = None  # the string literal itself (None: part of an f-string)
    # A literal written as the fallback of an environment or settings read: the keyword it
    # is passed by ("" by position); None otherwise.
    fallback: str | None = None


def mask(secret: str) -> str:
    """At most the first two characters, never the secret."""
    visible = secret[:2] if len(secret) > 4 else ""
    return f"{visible}***"


class _Finder:
    def __init__(self, constants: Constants) -> None:
        self.constants = constants

    def literals(
        self, expr: Expr | None, path: str, bearer: bool = False, depth: int = 0, via: str = ""
    ) -> list[_Secret]:
        """Literal secrets that make up ``expr`` (a literal, a constant, an f-string
        around a constant, an environment read with a literal default)."""
        if expr is None or depth > _MAX_DEPTH:
            return []
        found = self.constants.resolve(expr, path)
        if found is None:
            return []
        target, where = found
        named = target is not expr and expr.kind in (ExprKind.NAME, ExprKind.ATTR)
        through = via or (f"assigned to `{expr.value!s}` and passed on" if named else "")
        sub = depth + 1
        if target.kind is ExprKind.CONST:
            value = target.value
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if not isinstance(value, str):
                return []
            secret = value.strip()
            if bearer and secret.lower().startswith("bearer"):
                secret = secret[len("bearer") :].strip()
            if not secret:
                return []
            return [_Secret(where, target.span, mask(secret), through, target)]
        if target.kind in (ExprKind.FSTRING, ExprKind.CONCAT):
            secrets: list[_Secret] = []
            if target.kind is ExprKind.FSTRING and _fstring_has_literal_token(target.text):
                secrets.append(_Secret(where, target.span, "***", ""))
            for part in target.args:
                secrets.extend(self.literals(part, where, bearer, sub, via))
            return secrets
        if target.kind is ExprKind.CALL and target.base is not None:
            callee = target.base.chain()
            # A literal fallback of an environment or settings read is written in the code.
            inner: Expr | None = None
            if callee in _ENV_READS:
                inner = target.argument(1, "default")
            elif callee == ("getattr",) and len(target.args) >= 3:
                inner = target.args[2]
            elif callee == ("str",) and target.args:
                inner = target.args[0]
            fallback = f"the fallback of `{target.base.text}(...)`" if callee != ("str",) else via
            secrets = self.literals(inner, where, bearer, sub, fallback)
            if callee == ("str",):
                return secrets
            keyword = next((name or "" for name, value in target.keywords if value is inner), "")
            return [
                replace(secret, fallback=keyword) if secret.literal is inner else secret
                for secret in secrets
            ]
        return []


def _from_environment(secret: _Secret, variable: str, names: Names) -> Fix | None:
    """The secret read from the environment variable instead: the literal replaced by
    ``os.environ[variable]`` (a bearer token keeps its ``Bearer `` prefix), or a literal
    fallback of an environment read removed."""
    literal = secret.literal
    if literal is None:
        return None
    if secret.fallback is not None:
        change = remove_argument(secret.path, literal.span, secret.fallback or None)
        return fix("Remove the literal fallback", Applicability.UNSAFE, [change])
    module = names.module
    bound = module.globals.get("os", ()) if module is not None else ()
    if bound and not (bound[-1].kind is ExprKind.IMPORT and bound[-1].value == "os"):
        return None  # ``os`` is something else here
    code = f'os.environ["{variable}"]'
    value = literal.value
    if isinstance(value, bytes):
        code += ".encode()"
    elif isinstance(value, str) and value.strip().lower().startswith("bearer"):
        code = f'"{value.strip()[: len("bearer")]} " + {code}'
    change = replace_code(secret.path, secret.span, code, imports=[Import("os")])
    return fix(f"Read it from ${variable}", Applicability.UNSAFE, [change])


def _fstring_has_literal_token(text: str) -> bool:
    """``f"Bearer abc{x}"``: a token partly written in the f-string itself."""
    body = text.lstrip("rRbBfFuU")[1:]
    literal = body.split("{", 1)[0].strip().strip("'\"")
    if literal.lower().startswith("bearer"):
        literal = literal[len("bearer") :]
    return bool(literal.strip())


def _http_call(call: Expr, sdk: Sdk) -> bool:
    callee = call.base
    if callee is None:
        return False
    chain = callee.chain()
    return bool(chain) and (".".join(chain) in sdk.http_clients or chain[-1] in sdk.http_methods)


class HardcodedCredential(Rule):
    id = "MX403"
    name = "hardcoded-credential"
    level = Level.ERROR
    summary = (
        "A Mixpanel credential written as a literal in the code: the legacy `api_secret` "
        "or `api_key` of `import_data()` / `merge()`, the `secret` of "
        "`ServiceAccountCredentials(username, secret, project_id)`, the `api_secret` "
        "(first argument) or `service_account_password` of `MixpanelUtils`, or a bearer "
        "token in the `Authorization` header of a request to the GDPR API "
        "(`/api/app/data-deletions`, `/api/app/data-retrievals`). A literal assigned to a "
        "module constant and passed on is reported at the constant. The project token is "
        "public and is not flagged, an empty string is not a credential, and reads from "
        "the environment or settings are fine (a literal fallback default is not)."
    )
    why = (
        "Anyone who can read the repository, its history, a CI log or a built package can "
        "use a committed secret to export, import or delete the project's personal data. "
        "GDPR Art. 32 requires measures that keep processing confidential and prevent "
        "unauthorised access, and Art. 5(1)(f) integrity and confidentiality; a secret in "
        "source code is an access control anyone can bypass, and a leak of it is a personal "
        "data breach (Art. 33)."
    )
    fix = (
        "Read the secret at run time from the environment or a secret store "
        '(`os.environ["MIXPANEL_SERVICE_ACCOUNT_SECRET"]`, `settings.MIXPANEL_API_SECRET` '
        "filled from the environment), and rotate the committed one: it stays in the Git "
        "history. Prefer service accounts over the deprecated API secret."
    )
    autofix = (
        "Replaces the literal by an environment read, "
        '`os.environ["MIXPANEL_API_SECRET"]` (the variable for each kind of '
        "credential is set in `credential-env-vars`), importing `os`; a literal "
        "fallback of an environment or settings read is removed. Unsafe: the variable "
        "must be set wherever the code runs. Rotate the committed secret anyway: it "
        "stays in the history."
    )
    autofix_safety = Applicability.UNSAFE
    tags = ("privacy", "gdpr", "security")
    security_severity = 8.0
    precision = "high"
    invalid = (
        """
from django.conf import settings
from mixpanel import Mixpanel

importer = Mixpanel(settings.MIXPANEL_TOKEN)


def backfill(invoice):
    importer.import_data(
        api_key=None,
        distinct_id=str(invoice.customer_id),
        event_name="Invoice Paid",
        timestamp=int(invoice.paid_at.timestamp()),
        properties={"amount": str(invoice.amount)},
        api_secret="9c1e7b3a5d2f48e6a0b4c8d2e6f1a3b5",
    )
""",
        """
from mixpanel import Consumer, Mixpanel, ServiceAccountCredentials

credentials = ServiceAccountCredentials(
    "importer.7f3c1a.mp-service-account", "h7Gk2LqP9sVx4TzW", 2841557
)
consumer = Consumer(api_host="api-eu.mixpanel.com", credentials=credentials)
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=consumer)
""",
        """
from mixpanel_utils import MixpanelUtils

utils = MixpanelUtils(
    "4f2b9e1d7c3a5f8e0b6d2c9a1e7f3b5d",
    token="3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
    residency="eu",
)
""",
        """
from mixpanel import Mixpanel

API_SECRET = "9c1e7b3a5d2f48e6a0b4c8d2e6f1a3b5"
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def merge_accounts(old_id, new_id):
    mp.merge(None, old_id, new_id, api_secret=API_SECRET)


def import_signup(user_id, timestamp):
    mp.import_data(None, user_id, "Signed Up", timestamp, api_secret=API_SECRET)
""",
        """
import requests

GDPR_TOKEN = "mpgdpr_0f8e7d6c5b4a39281706f5e4d3c2b1a0"


def request_deletion(distinct_ids):
    return requests.post(
        "https://eu.mixpanel.com/api/app/data-deletions/v3.0?token=3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
        json={"distinct_ids": distinct_ids, "compliance_type": "GDPR"},
        headers={"Authorization": f"Bearer {GDPR_TOKEN}"},
        timeout=10,
    )
""",
        """
from mixpanel_utils import MixpanelUtils

utils = MixpanelUtils(
    None,
    service_account_username="exporter.1a2b3c.mp-service-account",
    service_account_password="Zq8vK3mN5pR7tX1w",
    project_id=2841557,
    residency="eu",
)
""",
    )
    valid = (
        """
import os

from django.conf import settings
from mixpanel import Mixpanel

importer = Mixpanel(settings.MIXPANEL_TOKEN)


def backfill(invoice):
    importer.import_data(
        None,
        str(invoice.customer_id),
        "Invoice Paid",
        int(invoice.paid_at.timestamp()),
        {"amount": str(invoice.amount)},
        api_secret=os.environ["MIXPANEL_API_SECRET"],
    )
""",
        """
import os

from mixpanel import Consumer, Mixpanel, ServiceAccountCredentials

credentials = ServiceAccountCredentials(
    os.environ["MP_SA_USERNAME"], os.environ["MP_SA_SECRET"], 2841557
)
consumer = Consumer(api_host="api-eu.mixpanel.com", credentials=credentials)
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=consumer)
""",
        """
from django.conf import settings
from mixpanel_utils import MixpanelUtils

utils = MixpanelUtils(
    settings.MIXPANEL_API_SECRET,
    token="3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
    residency="eu",
)
""",
        """
import os

from mixpanel import Mixpanel

API_SECRET = os.environ.get("MIXPANEL_API_SECRET", "")
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def merge_accounts(old_id, new_id):
    mp.merge(None, old_id, new_id, api_secret=API_SECRET)
""",
        """
import os

import requests


def request_deletion(distinct_ids):
    return requests.post(
        "https://eu.mixpanel.com/api/app/data-deletions/v3.0?token=3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
        json={"distinct_ids": distinct_ids, "compliance_type": "GDPR"},
        headers={"Authorization": f"Bearer {os.environ['MIXPANEL_GDPR_TOKEN']}"},
        timeout=10,
    )
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        sdk = load_sdk()
        finder = _Finder(Constants(project))
        seen: set[tuple[str, Span]] = set()

        def report(secrets: list[_Secret], what: str, kind: str) -> Iterator[Finding]:
            for secret in secrets:
                key = (secret.path, secret.span)
                if key in seen:
                    continue
                seen.add(key)
                where = f" ({secret.through})" if secret.through else ""
                yield self.finding(
                    secret.path,
                    secret.span,
                    (
                        f"{what} is written in the code as a literal ('{secret.masked}'){where}: "
                        "anyone who can read the repository or its history can use it to read, "
                        "import or delete the project's data (GDPR Art. 32, 5(1)(f)). Read it "
                        "from the environment or a secret store, and rotate it"
                    ),
                    fix=_from_environment(
                        secret, ctx.config.credential_env_vars[kind], Names(project, secret.path)
                    ),
                )

        for call in project.calls:
            if (
                call.kind == "sdk"
                and call.call is not None
                and call.method in ("import_data", "merge")
            ):
                method = sdk.methods[call.method]
                for argument, value in method.arguments(call.call, "credential"):
                    secret = argument.name == "api_secret"
                    label = "API secret" if secret else "API key"
                    yield from report(
                        finder.literals(value, call.path),
                        f"the Mixpanel {label} (`{argument.name}` of `{call.method}()`)",
                        "api-secret" if secret else "api-key",
                    )
        for obj in project.objects:
            construction = sdk.objects.get(obj.qualname)
            if construction is None:
                continue
            if obj.kind == "Credentials":
                yield from report(
                    finder.literals(construction.argument(obj.call, "secret"), obj.path),
                    "the service-account secret (`secret` of `ServiceAccountCredentials`)",
                    "service-account-secret",
                )
            elif obj.kind == "MixpanelUtils":
                yield from report(
                    finder.literals(construction.argument(obj.call, "api_secret"), obj.path),
                    "the Mixpanel API secret (`api_secret` of `MixpanelUtils`)",
                    "api-secret",
                )
                yield from report(
                    finder.literals(obj.call.keyword("service_account_password"), obj.path),
                    "the service-account password (`service_account_password` of `MixpanelUtils`)",
                    "service-account-password",
                )
        for path, module in project.modules.items():
            for site in module.calls:
                for token in self._bearer_tokens(site.call, path, finder, sdk):
                    yield from report(
                        [token],
                        "the GDPR API bearer token (`Authorization` header)",
                        "gdpr-api-token",
                    )

    def _bearer_tokens(self, call: Expr, path: str, finder: _Finder, sdk: Sdk) -> list[_Secret]:
        """Literal tokens in the Authorization header of a request to the GDPR API."""
        if not _http_call(call, sdk) or not self._gdpr_api(call, path, finder):
            return []
        headers = finder.constants.resolve(call.keyword("headers"), path)
        if headers is None or headers[0].kind is not ExprKind.DICT:
            return []
        found: list[_Secret] = []
        for key, value in headers[0].items:
            name = finder.constants.literal(key, headers[1]) if key is not None else None
            if name is not None and str(name[0].value).lower() == "authorization":
                found.extend(finder.literals(value, headers[1], bearer=True))
        return found

    def _gdpr_api(self, call: Expr, path: str, finder: _Finder) -> bool:
        url = call.keyword("url")
        for candidate in [url] if url is not None else call.args[:2]:
            text = finder.constants.text(candidate, path)
            if text is not None and _GDPR_API in text:
                return True
        return False
