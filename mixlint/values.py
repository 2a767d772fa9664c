"""Value analysis: does an expression carry personal data, a client IP, or a whole object?

Purely syntactic, over ``Expr`` trees: local variables are followed through
``Expr.origin`` (the assignment that reaches the use), attribute, subscript and
call chains are read by their last name, string operations that keep a value
(``lower``, ``strip``, ``str()``, f-strings, ``format``, concatenation,
slicing, ``encode``) keep it personal, and derived values (``len``,
comparisons, boolean tests, an e-mail's domain) do not.

A value passed through a pseudonymisation function is cleared (``hmac.*``,
project functions whose names match the configured pattern or whose result is a
keyed digest), except an unkeyed digest (``hashlib.sha256(email)``,
``uuid5(ns, email)``, any project function or method whose result is such a
digest, whatever its name) of a direct identifier: that is reported as weak
pseudonymisation (``ValueMatch.hashed``), a device fingerprint when it hashes an
IP address together with a user agent.

Besides the vocabulary's words, a value is personal when it reads the full
user-agent string (``request.user_agent.string``), a variable that names an IP
(``public_ip = requests.get(...).text``) or joins a name and a tag with ``#``
(a Discord username, ``f"{name}#{tag}"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import Enum

from mixlint.config import DEFAULT_PSEUDONYMIZER_PATTERN, Config
from mixlint.exprs import substitute, walk
from mixlint.flow import KEEPING_STRING_METHODS
from mixlint.literals import classify_literal, mask_line
from mixlint.model import Expr, ExprKind, FunctionSummary, ModuleSummary, ProjectModel
from mixlint.modules import ModuleFinder
from mixlint.objects import SentClass, factory_inputs, sent_class
from mixlint.resolve import ProjectIndex, alternatives, bind_arguments
from mixlint.sdk import load_sdk
from mixlint.vocabulary import Vocabulary, WordMatch

MAX_DEPTH = 40
MAX_PSEUDONYMISER_DEPTH = 3

IP_CATEGORY = "ip_address"
IP_LABEL = "IP address"
USER_AGENT_CATEGORY = "user_agent"
USERNAME_CATEGORY = "username"
# Categories that identify a person directly (catalog MX103/MX106), when the
# vocabulary does not say so itself (literals).
DIRECT_IDENTIFIERS = frozenset({"email", "phone", "person_name", IP_CATEGORY})
# What a variable holds that its name cannot overrule: a literal is what it is, and a
# parameter is judged by its name only where the function has no call sites.
_SELF_EVIDENT = frozenset({ExprKind.CONST, ExprKind.PARAM})
# A Discord-style "name#discriminator" tag built from two values.
_TAG_FSTRING = re.compile(r"\}#\{")
_TAG_TEMPLATES = ("{}#{}", "%s#%s")

# String operations that return the same data (catalog: "flows unchanged").
_KEEPING_METHODS = KEEPING_STRING_METHODS | {"copy"}
_KEEPING_FUNCTIONS = frozenset(
    {
        "str",
        "repr",
        "format",
        "ascii",
        "json.dumps",
        "html.escape",
        "escape",
        "urllib.parse.quote",
        "quote",
        "quote_plus",
        "urllib.parse.quote_plus",
        "ipaddress.ip_address",
        "ip_address",
        "ipaddress.IPv4Address",
        "ipaddress.IPv6Address",
        "base64.b64encode",
        "base64.urlsafe_b64encode",
        "base64.b32encode",
        "base64.b16encode",
        "base64.encodebytes",
        "b64encode",
        "urlsafe_b64encode",
        "smart_str",
        "force_str",
        "text_type",
        "bytes",
        "list",
        "tuple",
        "set",
        "sorted",
        "reversed",
    }
)
_SPLITTING_METHODS = frozenset({"split", "rsplit", "partition", "rpartition", "splitlines"})
_GETTERS = frozenset({"get", "getlist", "pop", "setdefault", "get_value"})
_GETTER_PREFIXES = (
    "get_",
    "fetch_",
    "load_",
    "read_",
    "normalize_",
    "normalise_",
    "format_",
    "clean_",
    "canonical_",
    "canonicalize_",
    "lookup_",
)
_DIGESTS = frozenset(
    {
        "md5",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "sha3_224",
        "sha3_256",
        "sha3_384",
        "sha3_512",
        "blake2b",
        "blake2s",
        "shake_128",
        "shake_256",
        "new",
    }
)
_KEYABLE_DIGESTS = frozenset({"blake2b", "blake2s"})
_DIGEST_READERS = frozenset({"hexdigest", "digest"})
_NAME_UUIDS = frozenset({"uuid3", "uuid5"})
_SECRET_NAME = re.compile(r"(?i)(secret|pepper|salt|hmac_?key|signing_?key|_key$|^key$|key_)")

# Client IP sources (catalog MX102/MX301).
_IP_HEADERS = frozenset(
    {
        "REMOTE_ADDR",
        "X_FORWARDED_FOR",
        "X_REAL_IP",
        "CF_CONNECTING_IP",
        "TRUE_CLIENT_IP",
        "X_CLIENT_IP",
        "X_CLUSTER_CLIENT_IP",
        "FORWARDED_FOR",
        "X_FORWARDED",
        "FORWARDED",
        "X_ORIGINAL_FORWARDED_FOR",
        "FASTLY_CLIENT_IP",
        "X_APPENGINE_USER_IP",
    }
)
_IP_ATTRIBUTES = frozenset({"remote_addr", "remote_ip", "client_ip", "access_route"})
_REQUEST_IP_ATTRIBUTES = frozenset({"ip", "remote", "ip_address", "client_addr"})
_IP_FUNCTION = re.compile(
    r"(?i)^(get_?)?(client|remote|real|user|request|visitor|forwarded|origin)_?ip(_?addr(ess)?)?$"
    r"|^(get_?)?(client|remote)_?addr(ess)?$|^get_?ip(_?addr(ess)?)?$"
)
_REQUEST_NAME = re.compile(r"(?i)(^|_)(request|req)$|^(websocket|ws|scope|environ)$")

# Whole objects and request payloads (catalog MX105).
_OBJECT_FUNCTIONS = {
    "vars": "every attribute of an object",
    "locals": "every local variable",
    "model_to_dict": "every field of a model instance",
    "asdict": "every field of a dataclass",
    "dataclasses.asdict": "every field of a dataclass",
    "attr.asdict": "every field of an attrs class",
    "attrs.asdict": "every field of an attrs class",
    "jsonable_encoder": "every field of an object",
    "django.forms.models.model_to_dict": "every field of a model instance",
}
_OBJECT_METHODS = {
    "dict": "every field of a model",
    "model_dump": "every field of a model",
    "to_dict": "every field of an object",
    "as_dict": "every field of an object",
    "_asdict": "every field of a tuple",
    "get_json": "the whole request body",
}
_REQUEST_DATA = frozenset(
    {
        "POST",
        "GET",
        "json",
        "form",
        "args",
        "data",
        "values",
        "query_params",
        "body",
        "REQUEST",
        "query",
        "query_string",
        "params",
        "form_data",
    }
)
_FORM_DATA = frozenset({"cleaned_data", "validated_data", "initial_data"})
_REQUEST_DATA_COPIES = frozenset({"dict", "copy", "to_dict", "items", "json", "urlencode"})


class MatchKind(str, Enum):
    PERSONAL = "personal"  # read from a personal attribute, key or getter
    CLIENT_IP = "client_ip"  # the client's IP address
    LITERAL = "literal"  # a literal that is personal data (e-mail, phone, IBAN ...)


@dataclass(frozen=True, slots=True)
class ValueMatch:
    """Why a value carries personal data, and where it was read."""

    kind: MatchKind
    category_id: str
    label: str
    special: bool
    direct_identifier: bool
    source: Expr  # the node the data is read from (``user.email``, the literal ...)
    path: tuple[Expr, ...]  # from the judged expression down to ``source``
    word: WordMatch | None = None
    masked: str | None = None  # literals: the masked text, never the literal itself
    hashed: Expr | None = None  # an unkeyed digest the value went through (weak)
    hash_name: str = ""  # the digest: "hashlib.sha256", "uuid.uuid5"
    hash_via: str = ""  # a project function whose body is that digest ("utils.hash_email")
    fingerprint: bool = False  # the digest hashes an IP address together with a user agent
    note: str = ""  # why it matched, when no vocabulary word says it (a name#tag handle)

    @property
    def weak(self) -> bool:
        return self.hashed is not None

    @property
    def is_address(self) -> bool:
        return self.category_id == IP_CATEGORY

    def describe(self) -> str:
        """What the value is, for messages (never repeats a literal).

        "an e-mail address read from user.email", "the client's IP address
        (request.remote_addr)", "a literal phone number (+49 *** ******78)".
        """
        if self.kind is MatchKind.LITERAL:
            return f"a literal {self.label} ({self.masked or 'masked'})"
        if self.kind is MatchKind.CLIENT_IP:
            return f"the client's IP address ({code(self.source.text)})"
        if self.special:
            return (
                f"special-category data ({self.label}, {article_of(self.category_id)}) "
                f"read from {code(self.source.text)}"
            )
        return f"{with_article(self.label)} read from {code(self.source.text)}"

    def explain(self) -> str:
        """Why it matched: the vocabulary word or the recognised source."""
        if self.note:
            return self.note
        if self.word is not None:
            return self.word.explain()
        if self.kind is MatchKind.CLIENT_IP:
            return f"{code(self.source.text)} is a client IP source"
        return f"the literal looks like {with_article(self.label)}"


@dataclass(frozen=True, slots=True)
class WholeObject:
    """A payload part whose keys cannot be reviewed (MX105)."""

    expr: Expr
    what: str  # "every attribute of an object", "the whole request payload"
    subject: Expr | None = None  # the object whose fields are sent (the x of asdict(x))
    subject_path: str | None = None  # the file ``subject`` is read in, when not the call's


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a value is judged: for resolving callees and trusting parameter names."""

    project: ProjectModel | None = None
    path: str | None = None
    # Judge bare parameters by their name (the function has no call sites in the project).
    param_names: bool = False


@dataclass(slots=True)
class _Walk:
    scope: Scope
    seen: set[int] = field(default_factory=set)  # nodes on the current path (cycles)
    pseudonymiser_depth: int = 0
    # Nodes already judged not personal: expressions are DAGs (a local used twice is one
    # node twice), so without this ``b = a + a; c = b + b; ...`` would take exponential time.
    clear: set[int] = field(default_factory=set)


def digest_input(expr: Expr, chain: tuple[str, ...]) -> Expr | None:
    """The data an unkeyed digest call hashes (``hashlib.sha256(x)`` -> x), if any;
    ``chain``: the callee's ``chain()``."""
    if not chain:
        return None
    last = chain[-1]
    from_hashlib = chain[0] == "hashlib" or (len(chain) == 1 and last != "new")
    if last in _DIGESTS and from_hashlib:
        if last == "new":
            return expr.argument(1, "data")
        return expr.argument(0, "data") or expr.argument(0, "string")
    if last in _NAME_UUIDS and (chain[0] == "uuid" or len(chain) == 1):
        return expr.argument(1, "name")
    return None


class ValueAnalyzer:
    def __init__(self, config: Config, vocabulary: Vocabulary) -> None:
        self.config = config
        self.vocabulary = vocabulary
        self._pseudonym_pattern = re.compile(DEFAULT_PSEUDONYMIZER_PATTERN)
        self._configured: list[tuple[str, re.Pattern[str] | None]] = []
        for entry in config.pseudonymizers:
            try:
                pattern: re.Pattern[str] | None = re.compile(entry)
            except re.error:
                pattern = None
            self._configured.append((entry, pattern))
        # The index of the project judged last; ``_kept`` holds the expressions built
        # while judging it (substituted helper bodies), so that the ids the index caches
        # its answers by are never reused by other expressions.
        self._project: ProjectModel | None = None
        self._index: ProjectIndex | None = None
        self._kept: list[Expr] = []

    # -- public API -------------------------------------------------------

    def value(self, expr: Expr | None, scope: Scope | None = None) -> ValueMatch | None:
        """Personal data carried by ``expr`` (first found), or None."""
        if expr is None:
            return None
        return self._judge(expr, (), 0, _Walk(scope or Scope()))

    def client_ip(self, expr: Expr | None, scope: Scope | None = None) -> ValueMatch | None:
        """``expr`` is an IP address (a client-IP source, an IP literal or attribute)."""
        found = self.value(expr, scope)
        if found is not None and found.is_address and not found.weak:
            return found
        return None

    def suppresses_ip(self, expr: Expr | None) -> bool:
        """``ip: 0`` / ``$ip: 0`` (or another falsy constant)."""
        target = _follow(expr)
        return (
            target is not None
            and target.kind is ExprKind.CONST
            and target.value
            in (
                0,
                "0",
                None,
                False,
                "",
            )
        )

    def pseudonymised(self, expr: Expr | None, scope: Scope | None = None) -> bool:
        """``expr`` is visibly the result of a (keyed) pseudonymisation function."""
        target = _follow(expr)
        depth = 0
        while target is not None and depth < MAX_DEPTH:
            depth += 1
            if target.kind is ExprKind.CALL and target.base is not None:
                callee = target.base
                if (
                    self._is_pseudonymiser(callee)
                    or _is_keyed_digest(target)
                    or self._keyed_helper(target, scope)
                ):
                    return True
                dotted = ".".join(callee.chain())
                if callee.kind is ExprKind.ATTR and (
                    callee.value in _KEEPING_METHODS or callee.value in _DIGEST_READERS
                ):
                    target = _follow(callee.base)
                    continue
                if dotted in _KEEPING_FUNCTIONS and target.args:
                    target = _follow(target.args[0])
                    continue
                return False
            if target.kind is ExprKind.SUBSCRIPT:
                target = _follow(target.base)
                continue
            return False
        return False

    def whole_object(
        self, expr: Expr | None, scope: Scope | None = None, depth: int = 0
    ) -> WholeObject | None:
        """A whole object or request payload (``vars(x)``, ``request.POST`` ...), also
        returned by a project function or method (``event.to_dict()`` returning
        ``asdict(self)``)."""
        target = _follow(expr)
        if target is None:
            return None
        kind = target.kind
        if kind is ExprKind.CALL and target.base is not None:
            callee = target.base
            dotted = ".".join(callee.chain())
            last = callee.chain()[-1] if callee.chain() else ""
            if dotted in _OBJECT_FUNCTIONS or last in ("asdict", "model_to_dict"):
                what = _OBJECT_FUNCTIONS.get(dotted) or _OBJECT_FUNCTIONS.get(last, "")
                return WholeObject(
                    target, what or "every field of an object", target.argument(0, None)
                )
            if dotted in ("dict", "OrderedDict", "json.loads", "loads", "copy.copy", "copy"):
                for arg in target.args:
                    inner = self.whole_object(arg, scope, depth)
                    if inner is not None:
                        return replace(inner, expr=target)
            if callee.kind is ExprKind.ATTR and callee.base is not None:
                method = str(callee.value)
                if _is_request_data(callee.base) and method in _REQUEST_DATA_COPIES:
                    return WholeObject(target, "the whole request payload")
                if method in ("json", "get_json", "form", "body") and _is_request(callee.base):
                    return WholeObject(target, "the whole request body")
                if method in _OBJECT_METHODS and not target.args and method != "get_json":
                    return WholeObject(target, _OBJECT_METHODS[method], callee.base)
            return self._returned_whole(target, scope, depth)
        if kind is ExprKind.ATTR:
            if target.value == "__dict__":
                return WholeObject(target, "every attribute of an object", target.base)
            if _is_request_data(target):
                return WholeObject(target, "the whole request payload")
            if target.value in _FORM_DATA:
                return WholeObject(target, "every field of a submitted form")
        return None

    def read_from_thing(self, expr: Expr | None) -> bool:
        """``repo.full_name``, ``payload["repository"]["full_name"]``: read from an object
        that names something other than a person."""
        base = self._read_base(expr)
        if base is None:
            return False
        owner = self._owner(base)
        return owner is not None and self.vocabulary.is_thing_word(owner)

    def read_from_person(self, expr: Expr | None) -> bool:
        """``member.joined_at``, ``request.user.plan``, ``user.get_plan()``: read from an
        object that names a person, or from a request."""
        base = self._read_base(expr)
        if base is None:
            return False
        owner = self._owner(base)
        return (owner is not None and self.vocabulary.is_person_word(owner)) or _is_request(base)

    def sent_class(self, whole: WholeObject, scope: Scope) -> SentClass | None:
        """The project class whose fields a whole object sends, when they are known."""
        project = scope.project
        path = whole.subject_path or scope.path
        if whole.subject is None or project is None or path is None:
            return None
        module = project.modules.get(path)
        if module is None:
            return None
        return sent_class(whole.subject, module, self._index_of(project), whole.expr)

    def object_fields(
        self, expr: Expr, scope: Scope
    ) -> tuple[str, tuple[tuple[str, str | None], ...]] | None:
        """The project class of an object ``expr`` sends whole, if known, and its fields,
        each with the personal-data category its name says or (a field a factory fills
        from its arguments: ``cls(invitees=invitees)``) the value given carries."""
        whole = self.whole_object(expr, scope)
        sent = self.sent_class(whole, scope) if whole is not None else None
        if whole is None or sent is None:
            return None
        inputs: dict[str, Expr] = {}
        for node in walk(whole.subject) if whole.subject is not None else ():
            if node.kind is ExprKind.CALL and not inputs:
                inputs = dict(self.factory_inputs(node, scope))
        described: list[tuple[str, str | None]] = []
        for name, owner in zip(sent.fields, sent.owners, strict=True):
            allowed = self.vocabulary.allowed(name)
            said = None if allowed else self.vocabulary.match_field(name, owner)
            given = self.value(inputs[name], scope) if name in inputs else None
            if said is not None:
                described.append((name, said.category.label))
            else:
                described.append((name, given.label if given and not given.weak else None))
        return sent.name, tuple(described)

    def factory_inputs(self, call: Expr, scope: Scope) -> tuple[tuple[str, Expr], ...]:
        """The fields a project factory call fills from its arguments (``objects``)."""
        project = scope.project
        module = project.modules.get(scope.path) if project and scope.path else None
        if project is None or module is None:
            return ()
        return factory_inputs(call, module, self._index_of(project))

    # -- the walk -----------------------------------------------------------

    def _judge(
        self, expr: Expr, path: tuple[Expr, ...], depth: int, walk: _Walk
    ) -> ValueMatch | None:
        key = id(expr)
        if depth > MAX_DEPTH or key in walk.seen or key in walk.clear:
            return None
        walk.seen.add(key)
        try:
            found = self._judge_node(expr, (*path, expr), depth + 1, walk)
        finally:
            walk.seen.discard(key)
        if found is None:
            walk.clear.add(key)
        return found

    def _judge_node(
        self, expr: Expr, path: tuple[Expr, ...], depth: int, walk: _Walk
    ) -> ValueMatch | None:
        kind = expr.kind
        if kind is ExprKind.CONST:
            return self._literal(expr, path)
        if kind is ExprKind.NAME:
            origin = expr.origin
            if origin is not None:
                found = self._judge(origin, path, depth, walk)
                held = _follow(origin)
                if found is not None or held is None or held.kind in _SELF_EVIDENT:
                    return found
            # A variable that names an IP (public_ip = requests.get(IPIFY).text): an address.
            return self._named(str(expr.value), None, expr, path, only=IP_CATEGORY)
        if kind is ExprKind.PARAM:
            if walk.scope.param_names:
                return self._named(str(expr.value), None, expr, path)
            return None
        if kind is ExprKind.ATTR:
            return self._attribute(expr, path, depth, walk)
        if kind is ExprKind.SUBSCRIPT:
            return self._subscript(expr, path, depth, walk)
        if kind is ExprKind.CALL:
            return self._call(expr, path, depth, walk)
        if kind in (ExprKind.FSTRING, ExprKind.SEQ):
            if kind is ExprKind.FSTRING and _TAG_FSTRING.search(expr.text) and len(expr.args) > 1:
                return self._tag(expr, path)
            return self._first(expr.args, path, depth, walk)
        if kind is ExprKind.CONCAT:
            if expr.value == "%" and _is_tag_template(expr.args[0]):
                return self._tag(expr, path)
            if expr.value in ("+", "%"):
                return self._first(expr.args, path, depth, walk)
            return None
        if kind in (ExprKind.COND, ExprKind.BOOLOP):
            return self._first(expr.args, path, depth, walk)
        if kind is ExprKind.STARRED and expr.base is not None:
            return self._judge(expr.base, path, depth, walk)
        if kind is ExprKind.ITER and expr.base is not None:
            if _splits_at(expr.base, "@"):
                return None  # `local, domain = email.split("@")`: cannot tell which part
            return self._judge(expr.base, path, depth, walk)
        if kind is ExprKind.DICT:
            for key, value in expr.items:
                if key is not None and key.kind is ExprKind.CONST and isinstance(key.value, str):
                    if key.value in ("ip", "$ip"):
                        continue
                    word = self.vocabulary.match_key(key.value)
                    if (
                        word is not None
                        and _follow(value) is not None
                        and not (self.suppresses_ip(value))
                    ):
                        return self._from_word(word, value, (*path, value))
                found = self._judge(value, path, depth, walk)
                if found is not None:
                    return found
            return None
        # NOT, COMPARE, LAMBDA, OTHER: derived values (booleans, arithmetic ...).
        return None

    def _first(
        self, parts: tuple[Expr, ...], path: tuple[Expr, ...], depth: int, walk: _Walk
    ) -> ValueMatch | None:
        for part in parts:
            found = self._judge(part, path, depth, walk)
            if found is not None:
                return found
        return None

    # -- leaves

    def _literal(self, expr: Expr, path: tuple[Expr, ...]) -> ValueMatch | None:
        value = expr.value
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if not isinstance(value, str) or not value.strip():
            return None
        found = classify_literal(value)
        if found is None:
            return None
        return ValueMatch(
            kind=MatchKind.LITERAL,
            category_id=found.category_id,
            label=found.label,
            special=False,
            direct_identifier=found.category_id in DIRECT_IDENTIFIERS,
            source=expr,
            path=path,
            masked=found.masked,
        )

    def _named(
        self,
        name: str,
        owner: str | None,
        source: Expr,
        path: tuple[Expr, ...],
        *,
        called: bool = False,
        only: str | None = None,
    ) -> ValueMatch | None:
        """``owner.name`` by its name; ``called``: a method call; ``only``: one category."""
        word = self.vocabulary.match_name(name, owner, called=called)
        if word is None or (only is not None and word.category.id != only):
            return None
        return self._from_word(word, source, path)

    def _tag(self, expr: Expr, path: tuple[Expr, ...]) -> ValueMatch:
        """``f"{name}#{tag}"``: a Discord-style handle (username#discriminator)."""
        category = self.vocabulary.categories[USERNAME_CATEGORY]
        return ValueMatch(
            kind=MatchKind.PERSONAL,
            category_id=category.id,
            label=category.label,
            special=False,
            direct_identifier=category.direct_identifier,
            source=expr,
            path=path,
            note=f"{code(expr.text)} joins a name and a tag with '#', as Discord usernames read",
        )

    def _from_word(self, word: WordMatch, source: Expr, path: tuple[Expr, ...]) -> ValueMatch:
        category = word.category
        return ValueMatch(
            kind=MatchKind.PERSONAL,
            category_id=category.id,
            label=category.label,
            special=category.special,
            direct_identifier=category.direct_identifier,
            source=source,
            path=path,
            word=word,
        )

    def _client_ip(self, source: Expr, path: tuple[Expr, ...]) -> ValueMatch:
        return ValueMatch(
            kind=MatchKind.CLIENT_IP,
            category_id=IP_CATEGORY,
            label=IP_LABEL,
            special=False,
            direct_identifier=True,
            source=source,
            path=path,
        )

    # -- attributes, subscripts, calls

    def _attribute(
        self, expr: Expr, path: tuple[Expr, ...], depth: int, walk: _Walk
    ) -> ValueMatch | None:
        name = str(expr.value)
        base = expr.base
        if name in _IP_ATTRIBUTES or (name in _REQUEST_IP_ATTRIBUTES and _is_request(base)):
            return self._client_ip(expr, path)
        if (
            name == "host"
            and base is not None
            and base.kind is ExprKind.ATTR
            and (base.value == "client" and _is_request(base.base))
        ):
            return self._client_ip(expr, path)  # FastAPI / Starlette: request.client.host
        if name.startswith("__") or base is None:
            return None
        if name == "string":
            # request.user_agent.string: the text of what the base holds
            return self._judge(base, path, depth, walk)
        return self._named(name, self._owner(base), expr, path)

    def _subscript(
        self, expr: Expr, path: tuple[Expr, ...], depth: int, walk: _Walk
    ) -> ValueMatch | None:
        base = expr.base
        if base is None:
            return None
        index = expr.args[0] if expr.args else None
        if index is None:  # a slice keeps (part of) the value
            return self._judge(base, path, depth, walk)
        index_value = _follow(index)
        if index_value is not None and index_value.kind is ExprKind.CONST:
            key = index_value.value
            if isinstance(key, str):
                return self._keyed(key, base, expr, path, depth, walk)
            if isinstance(key, int) and not isinstance(key, bool):
                target = _follow(base)
                if target is not None and _splits_at(target, "@"):
                    # email.split("@")[0] is the local part (personal), [1] the domain
                    owner = target.base.base if target.base is not None else None
                    if key == 0 and owner is not None:
                        return self._judge(owner, (*path, target), depth, walk)
                    return None
                if (
                    target is not None
                    and target.kind is ExprKind.ATTR
                    and (target.value == "client" and _is_request_scope(target.base))
                ):
                    return self._client_ip(expr, path)
        elif (
            index_value is not None
            and index_value.kind is ExprKind.OTHER
            and (index_value.text.startswith("-"))
        ):
            target = _follow(base)
            if target is not None and _splits_at(target, "@"):
                return None  # email.split("@")[-1]: the domain
        return self._judge(base, path, depth, walk)

    def _keyed(
        self, key: str, base: Expr, expr: Expr, path: tuple[Expr, ...], depth: int, walk: _Walk
    ) -> ValueMatch | None:
        """``base[key]`` / ``base.get(key)``: a header, a form field, a dict entry."""
        if _is_ip_header(key):
            return self._client_ip(expr, path)
        if key == "client" and _is_request_scope(base):
            return self._client_ip(expr, path)
        return self._named(key, self._owner(base), expr, path)

    def _call(
        self, expr: Expr, path: tuple[Expr, ...], depth: int, walk: _Walk
    ) -> ValueMatch | None:
        callee = expr.base
        if callee is None:
            return None
        chain = callee.chain()
        dotted = ".".join(chain)
        last = chain[-1] if chain else ""
        if callee.kind is ExprKind.ATTR and callee.base is not None:
            method = str(callee.value)
            owner = callee.base
            if method in _DIGEST_READERS:
                return self._judge(owner, path, depth, walk)
            if method in _KEEPING_METHODS:
                return self._judge(owner, path, depth, walk)
            if method == "format" and _is_tag_template(owner) and len(expr.args) > 1:
                return self._tag(expr, path)
            if method in ("format", "join"):
                found = self._first(
                    (*expr.args, *(value for _, value in expr.keywords)), path, depth, walk
                )
                return found or (
                    self._judge(owner, path, depth, walk) if method == "format" else None
                )
            if method in _SPLITTING_METHODS:
                if _splits_at(expr, "@"):
                    return None
                return self._judge(owner, path, depth, walk)
            if method in _GETTERS and expr.args:
                key = _follow(expr.args[0])
                if key is not None and key.kind is ExprKind.CONST and isinstance(key.value, str):
                    return self._keyed(key.value, owner, expr, path, depth, walk)
                return None
        if _is_hmac(chain) or _is_keyed_digest(expr):
            return None
        digest = digest_input(expr, chain)
        if digest is not None:
            return self._hashed(expr, digest, dotted, path, depth, walk)
        if dotted in _KEEPING_FUNCTIONS or last in ("str", "repr"):
            return self._first(
                (*expr.args, *(value for _, value in expr.keywords)), path, depth, walk
            )
        if dotted in ("unicodedata.normalize",) and len(expr.args) > 1:
            return self._judge(expr.args[1], path, depth, walk)
        if last == "getattr" and len(expr.args) >= 2:
            attribute = _follow(expr.args[1])
            if (
                attribute is not None
                and attribute.kind is ExprKind.CONST
                and isinstance(attribute.value, str)
            ):
                return self._named(attribute.value, self._owner(expr.args[0]), expr, path)
            return None
        if last and _IP_FUNCTION.match(last):
            return self._client_ip(expr, path)
        weak = self._helper_digest(expr, callee, path, depth, walk)
        if weak is not None:
            return weak
        if self._is_pseudonymiser(callee):
            return None
        if callee.kind is ExprKind.ATTR and callee.base is not None:
            # A getter method of a person: user.get_full_name(), customer.email_address()
            return self._getter(last, self._owner(callee.base), expr, path)
        if callee.kind is ExprKind.NAME and last.startswith(_GETTER_PREFIXES):
            # get_email(user), normalize_phone(number)
            found = self._getter(last, None, expr, path)
            if found is not None and found.direct_identifier:
                return found
        return None

    def _getter(
        self, name: str, owner: str | None, expr: Expr, path: tuple[Expr, ...]
    ) -> ValueMatch | None:
        for prefix in _GETTER_PREFIXES:
            if name.startswith(prefix):
                stripped = name[len(prefix) :]
                return self._named(stripped, owner, expr, path) if stripped else None
        return self._named(name, owner, expr, path, called=True)

    # -- hashing and pseudonymisation

    def _hashed(
        self, call: Expr, data: Expr, name: str, path: tuple[Expr, ...], depth: int, walk: _Walk
    ) -> ValueMatch | None:
        """An unkeyed digest of a direct identifier; of an IP and a user agent, a device
        fingerprint."""
        if _keyed_input(data):
            return None
        parts = [
            found
            for part in _hashed_parts(data, 0)
            if (found := self._judge(part, path, depth, walk)) is not None and not found.weak
        ]
        direct = next((found for found in parts if found.direct_identifier), None)
        if direct is None:
            return None
        fingerprint = any(found.is_address for found in parts) and any(
            found.category_id == USER_AGENT_CATEGORY for found in parts
        )
        return replace(direct, hashed=call, hash_name=name, fingerprint=fingerprint)

    def _is_pseudonymiser(self, callee: Expr) -> bool:
        chain = callee.chain()
        if not chain:
            return False
        if _is_hmac(chain):
            return True
        last = chain[-1]
        dotted = ".".join(chain)
        for entry, pattern in self._configured:
            if entry in (dotted, last) or entry.rsplit(".", 1)[-1] == last:
                return True
            if pattern is not None and pattern.search(last):
                return True
        return last not in _DIGESTS and bool(self._pseudonym_pattern.search(last))

    def _helper_digest(
        self, call: Expr, callee: Expr, path: tuple[Expr, ...], depth: int, walk: _Walk
    ) -> ValueMatch | None:
        """A project function or method whose result is an unkeyed digest of what it is
        given (its arguments, or the object's attributes): weak, whatever its name."""
        if walk.pseudonymiser_depth >= MAX_PSEUDONYMISER_DEPTH:
            return None
        found = self._project_function(callee, walk.scope)
        if found is None:
            return None
        function, module = found
        # The arguments put in for its parameters are judged as the caller would judge them.
        inner_scope = Scope(walk.scope.project, module.path, walk.scope.param_names)
        for body in self._bodies(function, call):
            inner = _Walk(inner_scope, set(walk.seen), walk.pseudonymiser_depth + 1)
            result = self._judge(body, (), depth, inner)
            if result is not None and result.weak:
                qualified = ".".join(part for part in (module.module, function.qualname) if part)
                return replace(result, path=path + result.path, hash_via=qualified)
        return None

    def _keyed_helper(self, call: Expr, scope: Scope | None) -> bool:
        """A project function whose result is a keyed digest (``hmac.new(KEY, ...)``)."""
        found = self._project_function(call.base, scope) if call.base is not None else None
        if found is None:
            return False
        return any(self._keyed_result(body) for body in self._bodies(found[0], call))

    def _keyed_result(self, expr: Expr) -> bool:
        target = _follow(expr)
        for _ in range(MAX_DEPTH):
            if target is None or target.kind is not ExprKind.CALL or target.base is None:
                return False
            callee = target.base
            chain = callee.chain()
            if _is_hmac(chain) or _is_keyed_digest(target):
                return True
            data = digest_input(target, chain)
            if data is not None:
                return _keyed_input(data)
            if callee.kind is not ExprKind.ATTR or not (
                callee.value in _DIGEST_READERS or callee.value in _KEEPING_METHODS
            ):
                return False
            target = _follow(callee.base)
        return False

    def _bodies(self, function: FunctionSummary, call: Expr) -> Iterator[Expr]:
        """What ``function`` returns, its parameters replaced by ``call``'s arguments."""
        mapping = bind_arguments(function, call)
        for returned in function.returns:
            body = substitute(returned, mapping, set()) if mapping else returned
            if body is not None:
                self._kept.append(body)
                yield body

    def _returned_whole(self, call: Expr, scope: Scope | None, depth: int) -> WholeObject | None:
        """``event.to_dict()`` where the project method returns ``asdict(self)``."""
        if scope is None or call.base is None or depth >= MAX_PSEUDONYMISER_DEPTH:
            return None
        for function, module in self._project_functions(call.base, scope):
            found = self._whole_body(function, module, call, scope, depth)
            if found is not None:
                return found
        return None

    def _whole_body(
        self,
        function: FunctionSummary,
        module: ModuleSummary,
        call: Expr,
        scope: Scope,
        depth: int,
    ) -> WholeObject | None:
        """The whole object one of ``function``'s returns is, as ``call`` receives it."""
        assert call.base is not None
        inner_scope = Scope(scope.project, module.path, False)
        for body in self._bodies(function, call):
            inner = self.whole_object(body, inner_scope, depth + 1)
            followed = _follow(body)
            if inner is None and followed is not None and followed.kind is ExprKind.DICT:
                # ``{**team, **data}`` with ``data = self.dict()``: reshaped, still whole.
                spreads = (value for key, value in followed.items if key is None)
                inner = next(
                    (w for v in spreads if (w := self.whole_object(v, inner_scope, depth + 1))),
                    None,
                )
            if inner is None:
                continue
            subject = inner.subject
            subject_path: str | None = inner.subject_path or module.path
            if _is_self(subject) and call.base.kind is ExprKind.ATTR:
                # The receiver's class, which may add fields to the one defining the method.
                subject, subject_path = call.base.base, scope.path
            return WholeObject(call, inner.what, subject, subject_path)
        return None

    def _project_function(
        self, callee: Expr | None, scope: Scope | None
    ) -> tuple[FunctionSummary, ModuleSummary] | None:
        """The project function or method ``callee`` names, seen from ``scope``'s file."""
        if callee is None or scope is None or scope.project is None or scope.path is None:
            return None
        module = scope.project.modules.get(scope.path)
        if module is None:
            return None
        index = self._index_of(scope.project)
        return index.function(index.symbol(callee, module))

    def _project_functions(
        self, callee: Expr | None, scope: Scope
    ) -> Iterator[tuple[FunctionSummary, ModuleSummary]]:
        """Each project function or method ``callee`` may name (an annotated receiver's
        method and its overrides in subclasses)."""
        if callee is None or scope.project is None or scope.path is None:
            return
        module = scope.project.modules.get(scope.path)
        if module is None:
            return
        index = self._index_of(scope.project)
        for sym in alternatives(index.symbol(callee, module)):
            found = index.function(sym)
            if found is not None:
                yield found

    def _index_of(self, project: ProjectModel) -> ProjectIndex:
        if self._index is None or self._project is not project:
            self._project = project
            finder = project.finder or ModuleFinder(project.files, lambda folder: False)
            self._index = ProjectIndex(project.modules.values(), finder, load_sdk())
            self._kept = []
        return self._index

    # -- owners (the name-word rule)

    @staticmethod
    def _read_base(expr: Expr | None) -> Expr | None:
        """What ``x.attr``, ``x["key"]`` or ``x.get("key")`` reads from (``x``), else None."""
        target = _follow(expr)
        if target is None:
            return None
        base = target.base
        if target.kind is ExprKind.CALL and base is not None and base.kind is ExprKind.ATTR:
            base = base.base if base.value in _GETTERS else None
        if target.kind not in (ExprKind.ATTR, ExprKind.SUBSCRIPT, ExprKind.CALL):
            return None
        return base

    def _owner(self, base: Expr) -> str | None:
        """The object a name is read from, as a person word if any candidate is one.

        ``request.user.name`` -> "user"; ``u = request.user; u.name`` -> "user";
        ``def f(u: Customer): u.name`` -> "Customer"; else a candidate that names a
        thing (``self.handle`` in ``class FileWrapper`` -> "FileWrapper").
        """
        candidates = list(_owner_candidates(base))
        for test in (self.vocabulary.is_person_word, self.vocabulary.is_thing_word):
            for candidate in candidates:
                if test(candidate):
                    return candidate
        return candidates[0] if candidates else None


# -- helpers -------------------------------------------------------------------


def _follow(expr: Expr | None) -> Expr | None:
    depth = 0
    while expr is not None and expr.kind is ExprKind.NAME and expr.origin is not None:
        expr = expr.origin
        depth += 1
        if depth > MAX_DEPTH:
            break
    return expr


def _owner_candidates(base: Expr) -> Iterator[str]:
    node: Expr | None = base
    depth = 0
    while node is not None and depth < MAX_DEPTH:
        depth += 1
        if node.kind is ExprKind.CALL:
            node = node.base
            continue
        if node.kind is ExprKind.SUBSCRIPT:
            index = node.args[0] if node.args else None
            if index is not None and index.kind is ExprKind.CONST and isinstance(index.value, str):
                yield index.value
            node = node.base
            continue
        if node.kind is ExprKind.ATTR:
            yield str(node.value)
            return
        if node.kind is ExprKind.PARAM:
            yield str(node.value)
            if node.annotation:
                for part in node.annotation.split("|"):
                    yield part.removeprefix("<self>").rsplit(".", 1)[-1]
            return
        if node.kind is ExprKind.NAME:
            yield str(node.value)
            node = node.origin
            continue
        if node.kind is ExprKind.ITER:
            node = node.base
            continue
        return


def _hashed_parts(expr: Expr, depth: int) -> Iterator[Expr]:
    """The pieces a hashed string is built from (``ip + ua``, ``f"{ip}/{ua}".encode()``)."""
    target = _follow(expr)
    if target is None or depth > MAX_DEPTH:
        return
    pieces: tuple[Expr, ...] = ()
    if target.kind in (ExprKind.CONCAT, ExprKind.FSTRING, ExprKind.SEQ):
        pieces = target.args
    elif target.kind is ExprKind.CALL and target.base is not None:
        callee = target.base
        if callee.kind is ExprKind.ATTR and callee.base is not None:
            if callee.value in _KEEPING_METHODS:
                pieces = (callee.base,)
            elif callee.value in ("format", "join"):
                pieces = (*target.args, callee.base)
        elif ".".join(callee.chain()) in _KEEPING_FUNCTIONS:
            pieces = target.args
    if not pieces:
        yield target
    for piece in pieces:
        yield from _hashed_parts(piece, depth + 1)


def _is_tag_template(expr: Expr | None) -> bool:
    target = _follow(expr)
    return (
        target is not None
        and target.kind is ExprKind.CONST
        and isinstance(target.value, str)
        and target.value.strip() in _TAG_TEMPLATES
    )


def _is_self(expr: Expr | None) -> bool:
    target = _follow(expr)
    return (
        target is not None
        and target.kind is ExprKind.PARAM
        and (target.annotation or "").startswith("<self>")
    )


def _last_name(expr: Expr | None) -> str:
    if expr is None:
        return ""
    chain = expr.chain()
    return chain[-1] if chain else ""


def _is_request(expr: Expr | None) -> bool:
    target = expr
    depth = 0
    while target is not None and depth < MAX_DEPTH:
        depth += 1
        name = _last_name(target)
        if name and _REQUEST_NAME.search(name):
            return True
        if target.kind is ExprKind.NAME and target.origin is not None:
            target = target.origin
            continue
        if target.kind is ExprKind.PARAM and target.annotation:
            return any(
                _REQUEST_NAME.search(part.rsplit(".", 1)[-1])
                for part in target.annotation.split("|")
            )
        return False
    return False


def _is_request_data(expr: Expr | None) -> bool:
    """``request.POST``, ``request.json``, ``request.args`` ..."""
    return (
        expr is not None
        and expr.kind is ExprKind.ATTR
        and expr.value in _REQUEST_DATA
        and _is_request(expr.base)
    )


def _is_request_scope(expr: Expr | None) -> bool:
    name = _last_name(expr)
    return name in ("scope",) or _is_request(expr)


def _is_ip_header(key: str) -> bool:
    normal = key.strip().upper().replace("-", "_")
    if normal.startswith("HTTP_"):
        normal = normal[5:]
    return normal in _IP_HEADERS


def _splits_at(expr: Expr, separator: str) -> bool:
    """``x.split("@")`` (or rsplit / partition / rpartition) on ``separator``."""
    target = _follow(expr)
    if target is None or target.kind is not ExprKind.CALL or target.base is None:
        return False
    callee = target.base
    if callee.kind is not ExprKind.ATTR or callee.value not in _SPLITTING_METHODS:
        return False
    sep = _follow(target.argument(0, "sep"))
    return sep is not None and sep.kind is ExprKind.CONST and sep.value == separator


def _is_hmac(chain: tuple[str, ...]) -> bool:
    return bool(chain) and chain[0] == "hmac"


def _is_keyed_digest(call: Expr) -> bool:
    """``hashlib.blake2b(x, key=secret)`` / ``blake2s(..., key=...)`` with a non-literal key."""
    callee = call.base
    if callee is None:
        return False
    chain = callee.chain()
    if not chain or chain[-1] not in _KEYABLE_DIGESTS:
        return False
    key = call.keyword("key")
    target = _follow(key)
    return target is not None and target.kind is not ExprKind.CONST


def _keyed_input(data: Expr) -> bool:
    """The hashed input includes a secret that is not a literal (a pepper from settings)."""
    target = _follow(data)
    if target is None:
        return False
    if target.kind is ExprKind.CALL and target.base is not None:
        callee = target.base
        if (
            callee.kind is ExprKind.ATTR
            and callee.value in _KEEPING_METHODS
            and (callee.base is not None)
        ):
            return _keyed_input(callee.base)
        if callee.kind is ExprKind.ATTR and callee.value in ("format", "join"):
            return any(
                _secret_part(part) for part in (*target.args, callee.base) if part is not None
            )
        return False
    if target.kind in (ExprKind.CONCAT, ExprKind.FSTRING):
        return any(_secret_part(part) for part in target.args)
    return False


def _secret_part(part: Expr) -> bool:
    target = _follow(part)
    if target is None or target.kind is ExprKind.CONST:
        return False
    if target.kind in (ExprKind.CONCAT, ExprKind.FSTRING, ExprKind.SEQ):
        return any(_secret_part(inner) for inner in target.args)
    if target.kind is ExprKind.CALL and target.base is not None:
        if target.base.kind is ExprKind.ATTR and target.base.value in _KEEPING_METHODS:
            return target.base.base is not None and _secret_part(target.base.base)
        # os.environ.get("PEPPER"), settings.get("secret")
        key = _follow(target.argument(0, None))
        if key is not None and key.kind is ExprKind.CONST and isinstance(key.value, str):
            return bool(_SECRET_NAME.search(key.value))
    chain = part.chain() or target.chain()
    return any(_SECRET_NAME.search(name) for name in chain[-2:])


def code(text: str, limit: int = 60) -> str:
    """Source text for a message: one line, shortened, personal literals masked."""
    text = mask_line(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def with_article(label: str) -> str:
    """ "an e-mail address", "a person's name", "an IP address", "a username" """
    return f"{'an' if label[:1].lower() in 'aeio' else 'a'} {label}"


def article_of(category_id: str) -> str:
    """The GDPR article a special category falls under."""
    return "Art. 10" if category_id == "criminal" else "Art. 9"


__all__ = [
    "DIRECT_IDENTIFIERS",
    "IP_CATEGORY",
    "MatchKind",
    "Scope",
    "ValueAnalyzer",
    "ValueMatch",
    "WholeObject",
    "article_of",
    "code",
    "with_article",
]
