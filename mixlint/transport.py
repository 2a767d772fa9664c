"""What the transport rules share: module constants folded, hosts and URLs read.

The SDK's consumers post ``ip=0`` with every request; everything here helps the
rules (MX302, MX401, MX402, MX403, MX501) decide where a request goes and what
it carries, from the plain-data model only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from mixlint.model import Expr, ExprKind, ProjectModel, SdkObject
from mixlint.sdk import Sdk, Signature

URL_ARGUMENTS = ("events_url", "people_url", "import_url", "groups_url")
DEFAULT_HOST = "api.mixpanel.com"
EU_HOST = "api-eu.mixpanel.com"
_MAX_DEPTH = 30
_IP_ZERO_QUERY = re.compile(r"[?&]ip=0(?![0-9])")
# Third-party consumers known to send `ip=0` themselves (mixpanel-sdk.md §7).
IP_SAFE_PACKAGES = frozenset({"aiomixpanel"})
_UNKNOWN_PART = "\x00"  # stands for an interpolation whose value cannot be seen


# -- constants -------------------------------------------------------------------


class Constants:
    """Follows an expression to the value it holds, across module constants and imports.

    Local names are followed through their ``origin``; a name without one is looked
    up among its module's globals, and a global bound by ``from x import NAME`` (or
    read as ``module.NAME``) is followed into the project module that defines it.
    """

    def __init__(self, project: ProjectModel) -> None:
        self.project = project

    def resolve(self, expr: Expr | None, path: str, depth: int = 0) -> tuple[Expr, str] | None:
        """The expression that defines ``expr``'s value and the file it stands in."""
        if expr is None or depth > _MAX_DEPTH:
            return None
        sub = depth + 1
        if expr.kind is ExprKind.NAME:
            if expr.origin is not None:
                return self.resolve(expr.origin, path, sub)
            bound = self.global_value(path, str(expr.value))
            if bound is None:
                return expr, path
            return self.resolve(bound[0], bound[1], sub)
        if expr.kind is ExprKind.IMPORT:
            found = self.imported(str(expr.value), path)
            if found is None:
                return expr, path
            return self.resolve(found[0], found[1], sub)
        if expr.kind is ExprKind.ATTR and expr.base is not None:
            owner = self.resolve(expr.base, path, sub)
            if owner is not None and owner[0].kind is ExprKind.IMPORT:
                found = self.imported(f"{owner[0].value!s}.{expr.value!s}", owner[1])
                if found is not None:
                    return self.resolve(found[0], found[1], sub)
        return expr, path

    def global_value(self, path: str, name: str) -> tuple[Expr, str] | None:
        """The single module-level binding of ``name`` (None when absent or rebound)."""
        summary = self.project.modules.get(path)
        if summary is None:
            return None
        values = summary.globals.get(name, ())
        if len(values) != 1:
            return None
        return values[0], path

    def imported(self, dotted: str, importer: str) -> tuple[Expr, str] | None:
        """``pkg.config.API_SECRET`` imported in ``importer`` -> the binding of API_SECRET
        in pkg/config.py (not a module, nor an attribute of a constant)."""
        finder = self.project.finder
        module, attrs = finder.cut(importer, dotted) if finder is not None else (None, ())
        if module is None or len(attrs) != 1:
            return None
        return self.global_value(module.path, attrs[0])

    def literal(self, expr: Expr | None, path: str) -> tuple[Expr, str] | None:
        """The CONST expression behind ``expr`` (and its file), if it is a literal."""
        found = self.resolve(expr, path)
        if found is None or found[0].kind is not ExprKind.CONST:
            return None
        return found

    def text(self, expr: Expr | None, path: str, depth: int = 0) -> str | None:
        """A string's value; f-strings and ``+`` keep their literal parts, with unknown
        interpolations as a placeholder character. None when nothing literal is seen."""
        found = self.resolve(expr, path)
        if found is None or depth > _MAX_DEPTH:
            return None
        target, where = found
        if target.kind is ExprKind.CONST:
            return target.value if isinstance(target.value, str) else None
        if target.kind is ExprKind.FSTRING:
            return _fstring_literal(target.text)
        if target.kind is ExprKind.CONCAT and target.value == "+" and len(target.args) == 2:
            left = self.text(target.args[0], where, depth + 1)
            right = self.text(target.args[1], where, depth + 1)
            if left is None and right is None:
                return None
            return (left if left is not None else _UNKNOWN_PART) + (
                right if right is not None else _UNKNOWN_PART
            )
        return None


def _fstring_literal(text: str) -> str | None:
    """``f"https://{host}/track"`` -> "https://\\x00/track" (source text, best effort)."""
    match = re.match(r"(?is)^[rbfu]*('''|\"\"\"|'|\")(.*)\1$", text.strip())
    if match is None:
        return None
    body = match.group(2).replace("{{", "\x01").replace("}}", "\x02")
    body = re.sub(r"\{[^{}]*\}", _UNKNOWN_PART, body)
    return body.replace("\x01", "{").replace("\x02", "}")


# -- hosts -----------------------------------------------------------------------


def host_of(text: str, bare: bool) -> str | None:
    """The host of a URL (``bare``: an ``api_host`` value that should have no scheme).

    None when the host cannot be read (an interpolation, an empty value).
    """
    value = text.strip()
    if bare and "://" not in value:
        value = "https://" + value
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    if not host or _UNKNOWN_PART in host:
        return None
    return host.lower().rstrip(".")


def shown(text: str) -> str:
    """A literal text for a message, with unknown interpolations as ``{…}``."""
    return text.strip().replace(_UNKNOWN_PART, "{…}")


def is_mixpanel_host(host: str) -> bool:
    return host == "mixpanel.com" or host.endswith(".mixpanel.com")


def scheme_of(text: str) -> str:
    return text.strip().split("://", 1)[0].lower() if "://" in text else ""


def signature_of(obj: SdkObject, sdk: Sdk) -> Signature | None:
    return sdk.objects.get(obj.qualname)


def hidden_arguments(call: Expr) -> bool:
    """``Consumer(**options)`` / ``Consumer(*args)``: some arguments cannot be seen."""
    return any(key is None for key, _ in call.keywords) or any(
        arg.kind is ExprKind.STARRED for arg in call.args
    )


def is_consumer(obj: SdkObject) -> bool:
    return obj.kind in ("Consumer", "BufferedConsumer")


def request_url(call: Expr, constants: Constants, path: str, sdk: Sdk) -> tuple[Expr, str] | None:
    """The URL argument of a direct HTTP request (``url=`` or one of the first two)
    and its literal text, as the extractor chose it."""
    url = call.keyword("url")
    candidates = [url] if url is not None else list(call.args[:2])
    for candidate in candidates:
        text = constants.text(candidate, path)
        if text is not None and any(host in text for host in sdk.hosts):
            return candidate, text
    return None


# -- MX302 -------------------------------------------------------------------------


def _sends_ip_zero(expr: Expr | None, constants: Constants, path: str, depth: int = 0) -> bool:
    """Does a request payload (dict, ``dict(...)``, ``urlencode(...)``...) set ip to 0?"""
    if expr is None or depth > _MAX_DEPTH:
        return False
    found = constants.resolve(expr, path)
    if found is None:
        return False
    target, where = found
    sub = depth + 1
    if target.kind is ExprKind.DICT:
        for key, value in target.items:
            if key is None:
                if _sends_ip_zero(value, constants, where, sub):
                    return True
                continue
            key_value = constants.literal(key, where)
            if (
                key_value is not None
                and key_value[0].value in ("ip", "$ip")
                and _is_zero(value, constants, where)
            ):
                return True
            if _sends_ip_zero(value, constants, where, sub):
                return True
        return False
    if target.kind is ExprKind.CALL:
        for keyword, value in target.keywords:
            if keyword == "ip" and _is_zero(value, constants, where):
                return True
            if _sends_ip_zero(value, constants, where, sub):
                return True
        return any(_sends_ip_zero(arg, constants, where, sub) for arg in target.args)
    if target.kind is ExprKind.SEQ:
        if len(target.args) == 2:
            key_value = constants.literal(target.args[0], where)
            if (
                key_value is not None
                and key_value[0].value == "ip"
                and _is_zero(target.args[1], constants, where)
            ):
                return True
        return any(_sends_ip_zero(arg, constants, where, sub) for arg in target.args)
    return False


def _is_zero(expr: Expr, constants: Constants, path: str) -> bool:
    found = constants.literal(expr, path)
    return found is not None and found[0].value in (0, "0") and found[0].value is not False


def http_sends_ip_zero(call: Expr, constants: Constants, path: str, sdk: Sdk) -> bool:
    texts = [constants.text(arg, path) for arg in (*call.args[:2], call.keyword("url"))]
    if any(text is not None and _IP_ZERO_QUERY.search(text) for text in texts):
        return True
    return any(
        _sends_ip_zero(call.keyword(name), constants, path)
        for name in ("data", "json", "params", "body", "content")
    )


def sender_signature(method: str, sdk: Sdk) -> Signature | None:
    """The yaml entry of a third-party sender call (``mixpanel.tasks.EventTracker.delay``)."""
    name = method
    while name:
        signature = sdk.senders.get(name)
        if signature is not None:
            return signature
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return None
