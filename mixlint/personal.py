"""Judging payloads for personal data: one verdict per property, for MX101-MX106 and MX301.

The rules MX101 (key), MX102 (value), MX103 (identifier), MX104 (special
category), MX105 (unreviewable payload), MX106 (weak pseudonymisation) and
MX301 (client IP) look at the same properties, and the catalog's precedence
decides which of them reports a property (MX104 before MX101 before MX102; an
unkeyed hash is MX106 instead of MX102/MX103; ``ip``/``$ip`` is MX301's alone).
This module runs that judgement once per project and each rule keeps its own
verdicts.

Every payload part the inventory lists as unreviewable ends here as MX105, unless
its keys are judged where they can be seen: the dicts of a list, a dict constant
of the call's own module, or the arguments at the call sites of the function
whose parameter it is. An object sent whole whose project class is known
(``asdict(info)``) is MX105 and, beside it, its fields are judged like keys.

At a wrapper call site only what the caller wrote is judged: properties and
ids marked ``inherited`` are judged at the SDK call inside the wrapper, and a
key or value that the wrapper's body wrote around a caller's argument
(``{"email": user.email}`` inside the wrapper) is reported there too, never
at the call site in the caller's file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mixlint.exprs import walk
from mixlint.extract import KEEPING_FUNCTIONS, KEEPING_METHODS, flowing_params
from mixlint.extract import payload as build_payload
from mixlint.model import (
    Expr,
    ExprKind,
    Finding,
    Fix,
    FunctionSummary,
    Payload,
    ProjectModel,
    Property,
    Span,
    TrackingCall,
    keyword_span,
)
from mixlint.trace import Trace
from mixlint.transport import Constants
from mixlint.values import (
    MatchKind,
    Scope,
    ValueAnalyzer,
    ValueMatch,
    WholeObject,
    article_of,
    code,
    with_article,
)
from mixlint.vocabulary import Vocabulary, WordMatch

if TYPE_CHECKING:
    from mixlint.checks.base import Rule

MX101 = "MX101"
MX102 = "MX102"
MX103 = "MX103"
MX104 = "MX104"
MX105 = "MX105"
MX106 = "MX106"
MX301 = "MX301"

IP_KEYS = frozenset({"ip", "$ip"})
MAX_NESTING = 4
MAX_PASSES = 20

FIX_PERSONAL = "send a pseudonymous ID instead or drop it"
FIX_SPECIAL = (
    "drop it (processing it needs an Art. 9(2) exception such as explicit consent for this very "
    "purpose, which product analytics rarely has)"
)
FIX_IDENTIFIER = "use the database ID, a random UUID or a keyed hash (hmac with a secret) instead"
FIX_WEAK = (
    "anyone can hash candidate values and compare, so it is still personal data; use "
    "hmac.new(secret_key, value, 'sha256') with a secret from configuration, or a random ID"
)
FIX_IP = "drop it, or send 0 to keep geolocation off"
FIX_OPAQUE = "send an explicit dict of the keys you need, so that each can be reviewed"
FIX_FIELDS = "send an explicit dict of the fields you need, without these"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One finding of one of the personal-data rules."""

    rule_id: str
    path: str
    span: Span
    message: str
    # What it is about, for fixes and related locations: the tracking call that sends it,
    # the property (when this call site wrote its key), the value or distinct_id judged,
    # and the personal data found in it.
    call: TrackingCall | None = None
    prop: Property | None = None
    expr: Expr | None = None
    found: ValueMatch | None = None


@dataclass(slots=True)
class _Site:
    """The tracking call being judged, and what its caller wrote (wrapper call sites)."""

    call: TrackingCall
    scope: Scope
    caller_ids: set[int] | None = None  # None: a direct call, everything is judged here
    caller_spans: set[Span] = field(default_factory=set)

    @property
    def is_wrapper(self) -> bool:
        return self.caller_ids is not None

    def wrote(self, expr: Expr) -> bool:
        return self.caller_ids is None or id(expr) in self.caller_ids

    def wrote_key(self, prop: Property) -> bool:
        return self.caller_ids is None or prop.key_span in self.caller_spans

    def value_span(self, match: ValueMatch, root: Expr) -> Span | None:
        """Where a value finding goes: the value as written, or (wrapper site) the
        outermost part of it that the caller wrote; None when the wrapper wrote it."""
        if self.caller_ids is None:
            return root.span
        if id(match.source) not in self.caller_ids:
            return None
        for node in match.path:
            if id(node) in self.caller_ids:
                return node.span
        return match.source.span

    def maker(self, subject: Expr) -> Expr | None:
        """At a wrapper call site, the call that makes ``subject`` with a factory or class
        the caller passed (``report(SignedIn.create, user=user)`` running ``event = await
        event_factory(**kwargs)``): its callee is what the caller chose the class with."""
        if self.caller_ids is None:
            return None
        for node in walk(subject):
            if (
                node.kind is ExprKind.CALL
                and node.base is not None
                and id(node.base) in self.caller_ids
            ):
                return node
        return None

    def passed_on(self, expr: Expr) -> Expr | None:
        """What a finding about the keys of ``expr`` points at: ``expr``, or (wrapper call
        site) the caller's argument that reaches it unchanged (through local names,
        ``.copy()``, ``dict(...)``, elements); None when the caller wrote no such argument."""
        if self.caller_ids is None:
            return expr
        node: Expr | None = expr
        for _ in range(MAX_PASSES):
            if node is None or id(node) in self.caller_ids:
                return node
            if node.kind is ExprKind.NAME:
                node = node.origin
            elif node.kind in (ExprKind.ITER, ExprKind.SUBSCRIPT, ExprKind.STARRED):
                node = node.base  # an element of the caller's data (``for item in events``)
            elif node.kind is ExprKind.CALL and node.base is not None:
                callee = node.base
                if callee.kind is ExprKind.ATTR and callee.value in KEEPING_METHODS:
                    node = callee.base
                elif ".".join(callee.chain()) in KEEPING_FUNCTIONS and node.args:
                    node = node.args[0]
                else:
                    return None
            else:
                return None
        return None

    def caller_part(self, expr: Expr) -> Expr | None:
        """What a finding about all of ``expr`` points at: ``expr`` itself, or (wrapper
        call site) the outermost part of it that the caller wrote; None when the wrapper
        wrote it all (it is reported at the SDK call inside the wrapper)."""
        if self.caller_ids is None:
            return expr
        for node in walk(expr):
            if id(node) in self.caller_ids:
                return node
        return None


_CACHE: list[tuple[ProjectModel, ValueAnalyzer, tuple[Verdict, ...]]] = []


def personal_findings(project: ProjectModel, values: ValueAnalyzer) -> tuple[Verdict, ...]:
    """Every verdict of MX101-MX106 and MX301 for ``project`` (computed once per run)."""
    for cached_project, cached_values, verdicts in _CACHE:
        if cached_project is project and cached_values is values:
            return verdicts
    verdicts = tuple(_Judge(project, values).run())
    _CACHE[:] = [(project, values, verdicts)]
    return verdicts


class _Judge:
    def __init__(self, project: ProjectModel, values: ValueAnalyzer) -> None:
        self.project = project
        self.vocabulary: Vocabulary = values.vocabulary
        self.values = values
        self.constants = Constants(project)
        self.verdicts: dict[tuple[str, str, Span], Verdict] = {}

    def run(self) -> list[Verdict]:
        for call in self.project.calls:
            # Every verdict is placed in the call's own file: on a run over a few
            # files (pre-commit) the other calls' verdicts would be dropped anyway.
            if self.project.in_scope(call.path):
                self.judge_call(call)
        return sorted(
            self.verdicts.values(),
            key=lambda v: (v.path.split("/"), v.span, v.rule_id),
        )

    def add(
        self,
        rule_id: str,
        path: str,
        span: Span,
        message: str,
        call: TrackingCall | None = None,
        prop: Property | None = None,
        expr: Expr | None = None,
        found: ValueMatch | None = None,
    ) -> None:
        self.verdicts.setdefault(
            (rule_id, path, span), Verdict(rule_id, path, span, message, call, prop, expr, found)
        )

    # -- calls

    def judge_call(self, call: TrackingCall) -> None:
        callers = self.project.callers.get(call.function)
        scope = Scope(self.project, call.path, param_names=not callers)
        site = _Site(call, scope)
        if call.kind == "wrapper":
            site.caller_ids = set()
            written = (*call.arguments, *call.followed)
            for node in (n for argument in written for n in walk(argument)):
                site.caller_ids.add(id(node))
                site.caller_spans.add(node.span)
            # `**kwargs` keys are the caller's keywords (`track(..., Vorname=x)`).
            keywords = call.call.keywords if call.call is not None else ()
            site.caller_spans.update(
                keyword_span(name, value.span) for name, value in keywords if name is not None
            )
        profile = call.method.startswith(("people_", "group_"))
        ids = {id(expr) for expr in call.distinct_ids}
        for role, part in (
            ("properties", call.properties),
            ("meta", call.meta),
            ("context", call.context),
        ):
            if part is None:
                continue
            if role == "properties" and call.method.endswith("_unset"):
                continue  # people_unset(id, ["$email"]) removes a property: nothing is sent
            self.judge_forwarded(site, part.expr, role)
            noun = {
                "properties": "profile property" if profile else "property",
                "meta": "meta key",
                "context": "flag context key",
            }[role]
            self.judge_payload(site, part, noun, ids, 0)
        self.judge_identifiers(site)

    def judge_identifiers(self, site: _Site) -> None:
        call = site.call
        for index, expr in enumerate(call.distinct_ids):
            if index < len(call.inherited_ids) and call.inherited_ids[index]:
                continue
            found = self.values.value(expr, site.scope)
            if found is None or not (found.weak or found.direct_identifier):
                self.judge_ip_identifier(site, expr)
            if found is None:
                continue
            span = site.value_span(found, expr)
            if span is None:
                continue
            if found.kind is MatchKind.LITERAL:
                subject = "the distinct_id"
            else:
                subject = f"distinct_id {code(expr.text)}"
            if found.weak:
                self.add(
                    MX106,
                    call.path,
                    span,
                    f"{subject} is {_weak(found)}: {FIX_WEAK} [{found.explain()}]",
                    call,
                    expr=expr,
                    found=found,
                )
            elif found.direct_identifier and not found.special:
                what = found.describe()
                if found.kind is MatchKind.PERSONAL and code(found.source.text) == code(expr.text):
                    what = with_article(found.label)
                self.add(
                    MX103,
                    call.path,
                    span,
                    f"{subject} is {what}, a direct identifier (personal data): "
                    f"{FIX_IDENTIFIER} [{found.explain()}]",
                    call,
                    expr=expr,
                    found=found,
                )

    def judge_ip_identifier(self, site: _Site, expr: Expr) -> None:
        """A distinct_id that the same call also sends as ``ip``/``$ip``: an IP address
        (``mp.people_set(Network.PublicAddress, {"$ip": Network.PublicAddress})``)."""
        text = code(expr.text)
        for part in (site.call.properties, site.call.meta):
            for prop in part.properties if part is not None else ():
                key = (prop.key or "").strip().lower()
                if key not in IP_KEYS or code(prop.value.text) != text:
                    continue
                if self.suppresses_ip(prop.value, site.call.path):
                    return
                caller_part = site.caller_part(expr)
                if caller_part is None:
                    return
                self.add(
                    MX103,
                    site.call.path,
                    caller_part.span,
                    f"distinct_id {text} is an IP address (the call sends it as '{prop.key}' "
                    f"too), a direct identifier (personal data): {FIX_IDENTIFIER} [what is "
                    f"sent as '{prop.key}' is geolocated as an IP address]",
                    site.call,
                    expr=expr,
                )
                return

    # -- payloads and properties

    def judge_payload(
        self, site: _Site, part: Payload, noun: str, ids: set[int], depth: int
    ) -> None:
        for prop in part.properties:
            if prop.inherited or id(prop.value) in ids:
                continue  # inherited: judged inside the wrapper; ids: judged as distinct_id
            self.judge_property(site, prop, noun, depth)
        for opaque in part.opaque:
            self.judge_opaque(site, opaque, noun, depth)

    def judge_opaque(self, site: _Site, expr: Expr, noun: str, depth: int) -> None:
        """A payload part whose keys the inventory cannot list: MX105, unless its keys
        are judged elsewhere (nested dicts, a module's constant dict, the call sites of
        the function whose parameter it is)."""
        call = site.call
        whole = self.values.whole_object(expr, site.scope)
        if whole is not None:
            span = expr.span
            if not (site.wrote(whole.expr) or site.wrote(expr)):
                # A wrapper's `props.copy()` of the caller's `request.GET`: the caller's
                # part is the whole object (a whole object of the wrapper's own making
                # is reported inside the wrapper).
                part = site.caller_part(expr)
                sent = self.values.whole_object(part, site.scope) if part is not None else None
                if part is None or sent is None:
                    # The wrapper sends an object whole (MX105 there), of the class the
                    # caller chose (with a factory it passes, or the object it passes):
                    # its fields are what this call site sends.
                    subject = whole.subject
                    maker = site.maker(subject) if subject is not None else None
                    given = site.caller_part(subject) if subject is not None else None
                    anchor = maker.base if maker is not None else given
                    if anchor is not None:
                        self.judge_fields(site, whole, anchor.span, maker)
                    return
                whole, span = sent, part.span
            self.add(MX105, call.path, span, _opaque_message(call, noun, whole), call)
            if whole.subject is None or not self.from_callers(call, whole.subject, derived=True):
                # An object the function's callers give is judged at each of them, as
                # the class each one gives.
                self.judge_fields(site, whole, span)
            return
        target = _follow(expr)
        if target is None:
            return
        if target.kind is ExprKind.SEQ:
            # json=[{"event": ..., "properties": {...}}] of a direct HTTP request
            for element in target.args if depth < MAX_NESTING else ():
                nested = build_payload(element)
                followed = _follow(element)
                if nested is not None and followed is not None and followed.kind is ExprKind.DICT:
                    self.judge_payload(site, nested, noun, set(), depth + 1)
            return
        constant = self.module_dict(site, expr)
        if constant is not None:
            nested = build_payload(constant)
            if nested is not None and depth < MAX_NESTING:
                self.judge_payload(site, nested, noun, set(), depth + 1)
            return
        if self.from_callers(call, expr):
            return
        shown = site.passed_on(expr)
        if shown is None:
            # The caller gave only inputs of what the wrapper computes and sends (the
            # arguments of a factory it runs): the part that hides the keys is the
            # wrapper's, reported at its own SDK call.
            return
        self.add(
            MX105,
            call.path,
            shown.span,
            f"the {_plural(noun)} that {call.method} sends ({code(shown.text)}) cannot be "
            f"reviewed: their keys cannot be seen in the code (data minimisation, "
            f"Art. 5(1)(c)); {FIX_OPAQUE}",
            call,
        )

    def module_dict(self, site: _Site, expr: Expr) -> Expr | None:
        """A module-level dict constant of the call's own file (``BASE_PROPS = {...}``)."""
        resolved = self.constants.resolve(_follow(expr), site.call.path)
        if resolved is None:
            return None
        value, path = resolved
        return value if value.kind is ExprKind.DICT and path == site.call.path else None

    def from_callers(self, call: TrackingCall, expr: Expr, derived: bool = False) -> bool:
        """``expr`` is built from parameters of the call's function (``derived``: also
        computed from them), and that function has call sites: what they pass is judged
        there."""
        if not self.project.callers.get(call.function):
            return False
        function = self.function_of(call)
        if function is None:
            return False
        return bool(flowing_params(expr, frozenset(p.name for p in function.params), derived))

    def judge_fields(
        self, site: _Site, whole: WholeObject, span: Span, maker: Expr | None = None
    ) -> None:
        """The fields of a project class sent whole, judged as its keys (``asdict(info)``);
        ``maker``: the call that makes it with the factory the caller chose, when the
        wrapper sends it whole (the arguments it fills fields from are judged as values)."""
        sent = self.values.sent_class(whole, site.scope)
        if sent is None:
            return
        # Judged as keys of an object that its class names (UserInfo.name is a person's).
        matches = [
            match
            for field_name, owner in zip(sent.fields, sent.owners, strict=True)
            if not self.vocabulary.allowed(field_name)
            and (match := self.vocabulary.match_field(field_name, owner)) is not None
        ]
        where = f"{sent.path}:{sent.span.start_line}"
        sends = (
            f"{code(whole.expr.text)} sends every field of the {sent.kind} {sent.name} ({where})"
        )
        if maker is not None and maker.base is not None:
            sends = (
                f"{code(maker.base.text)} makes the {sent.kind} {sent.name} ({where}), which "
                f"{site.call.method} sends whole as {code(whole.expr.text)}"
            )
            named = {match.source for match in matches}
            self.judge_inputs(site, maker, sent.name, named)
        for rule_id, found, fix in (
            (MX104, [m for m in matches if m.category.special], FIX_SPECIAL),
            (MX101, [m for m in matches if not m.category.special], FIX_FIELDS),
        ):
            if not found:
                continue
            fields = _and(f"'{match.source}' ({_category_phrase(match)})" for match in found)
            are = "is" if len(found) == 1 else "are"
            kind = "special-category data" if rule_id == MX104 else "personal data"
            explained = "; ".join(match.explain() for match in found)
            self.add(
                rule_id,
                site.call.path,
                span,
                f"{sends}, and its {_plural_of('field', len(found))} {fields} {are} {kind}: "
                f"{fix} [{explained}]",
                site.call,
            )

    def judge_inputs(self, site: _Site, maker: Expr, name: str, named: set[str]) -> None:
        """The caller's arguments that a factory puts into fields of the object sent whole
        (``InvitationEvent.create(invitees=[...e-mail addresses...])``), as values of those
        fields; fields whose name says personal data (``named``) are reported by name."""
        for field_name, argument in self.values.factory_inputs(maker, site.scope):
            if field_name in named:
                continue
            found = self.values.value(argument, site.scope)
            if found is None:
                continue
            span = site.value_span(found, argument)
            if span is None:
                continue
            rule_id, fix = (
                (MX104, FIX_SPECIAL)
                if found.special
                else (MX106, FIX_WEAK)
                if found.weak
                else (MX102, FIX_PERSONAL)
            )
            self.add(
                rule_id,
                site.call.path,
                span,
                f"{code(argument.text)} becomes the field '{field_name}' of the {name} that "
                f"{site.call.method} sends, and it is {found.describe()}: {fix} "
                f"[{found.explain()}]",
                site.call,
                expr=argument,
                found=found,
            )

    def judge_forwarded(self, site: _Site, expr: Expr, role: str) -> None:
        """``**kwargs`` forwarded into a payload by a function that no scanned code calls."""
        call = site.call
        if self.project.callers.get(call.function):
            return  # the keys at its call sites are judged instead
        function = self.function_of(call)
        if function is None:
            return
        var_keyword = {p.name for p in function.params if p.kind == "var_keyword"}
        if not var_keyword:
            return
        for use, param in _forwarded(expr, 0):
            if param.value in var_keyword and site.wrote(param):
                self.add(
                    MX105,
                    call.path,
                    use.span,
                    f"{call.method} sends **{param.value} as its {role}, and no call site in "
                    f"the scanned code shows its keys, so they cannot be reviewed "
                    f"(data minimisation, Art. 5(1)(c)): {FIX_OPAQUE}",
                    call,
                )

    def function_of(self, call: TrackingCall) -> FunctionSummary | None:
        path, _, qualname = call.function.partition("::")
        module = self.project.modules.get(path)
        return module.functions.get(qualname) if module is not None else None

    def judge_property(self, site: _Site, prop: Property, noun: str, depth: int) -> None:
        call = site.call
        key = prop.key
        value = prop.value
        name = f"{noun} '{code(key)}'" if key is not None else f"a {noun} with a computed key"
        if key is not None and key.strip().lower() in IP_KEYS:
            self.judge_ip(site, prop, name)
            return
        key_match = self.vocabulary.match_key(key) if key is not None else None
        target = _follow(value)
        if target is not None and target.kind is ExprKind.DICT and depth < MAX_NESTING:
            # A nested object: its key first, else each of its own properties.
            if key_match is not None and site.wrote_key(prop):
                self.key_verdict(site, prop, name, key_match)
            elif key_match is None:
                nested = build_payload(value)
                if nested is not None:
                    self.judge_payload(site, nested, noun, set(), depth + 1)
            return
        found = self.values.value(value, site.scope)
        verdict = self.verdict(site, prop, name, key_match, found)
        if verdict is not None:
            rule_id, span, message = verdict
            written = prop if site.wrote_key(prop) else None
            self.add(rule_id, call.path, span, message, call, written, value, found)
        whole = self.values.whole_object(value, site.scope)
        if whole is not None and site.wrote(whole.expr):
            message = _opaque_message(call, name, whole, True)
            self.add(MX105, call.path, value.span, message, call)
            self.judge_fields(site, whole, value.span)

    def verdict(
        self,
        site: _Site,
        prop: Property,
        name: str,
        key_match: WordMatch | None,
        found: ValueMatch | None,
    ) -> tuple[str, Span, str] | None:
        """The one personal-data finding of a property (catalog precedence), if any."""
        value = prop.value
        key_here = site.wrote_key(prop) and prop.key is not None
        if key_match is not None and key_match.category.special:
            if not key_here:
                return None
            return MX104, prop.key_span, _special_key_message(name, key_match)
        if found is not None and found.special and not found.weak:
            span = prop.key_span if key_here else site.value_span(found, value)
            if span is None:
                return None
            return (
                MX104,
                span,
                (f"{name} sends {found.describe()}: {FIX_SPECIAL} [{found.explain()}]"),
            )
        if found is not None and found.weak:
            span = site.value_span(found, value)
            if span is None:
                return None
            return MX106, span, f"{name} is {_weak(found)}: {FIX_WEAK} [{found.explain()}]"
        if key_match is not None:
            if (
                not key_here
                or _cannot_hold_data(value)
                or self.values.pseudonymised(value, site.scope)
                # "full_name": repo.full_name is a repository's name, whatever the key says
                or (key_match.contextual and self.values.read_from_thing(value))
            ):
                return None
            return (
                MX101,
                prop.key_span,
                (
                    f"{name} is {with_article(key_match.category.label)} (personal data): "
                    f"{FIX_PERSONAL} [{key_match.explain()}]"
                ),
            )
        if found is not None:
            span = site.value_span(found, value)
            if span is None:
                return None
            return (
                MX102,
                span,
                (
                    f"{name} sends {found.describe()} (personal data): {FIX_PERSONAL} "
                    f"[{found.explain()}]"
                ),
            )
        return None

    def key_verdict(self, site: _Site, prop: Property, name: str, key_match: WordMatch) -> None:
        if key_match.category.special:
            message = _special_key_message(name, key_match)
            self.add(MX104, site.call.path, prop.key_span, message, site.call, prop, prop.value)
        else:
            self.add(
                MX101,
                site.call.path,
                prop.key_span,
                f"{name} is {with_article(key_match.category.label)} (personal data): "
                f"{FIX_PERSONAL} [{key_match.explain()}]",
                site.call,
                prop,
                prop.value,
            )

    def judge_ip(self, site: _Site, prop: Property, name: str) -> None:
        """``ip`` / ``$ip``: any value but the suppression switches geolocation on."""
        value = prop.value
        if self.suppresses_ip(value, site.call.path):
            return
        found = self.values.client_ip(value, site.scope)
        if found is not None:
            span = site.value_span(found, value)
            if found.kind in (MatchKind.CLIENT_IP, MatchKind.LITERAL):
                what = found.describe()
            else:
                what = f"an IP address of unknown origin ({code(found.source.text)})"
            why = found.explain()
        elif self.from_callers(site.call, value):
            return  # judged at the call sites, with the value they pass
        else:
            part = site.caller_part(value)
            span = part.span if part is not None else None
            what = f"an IP address of unknown origin ({code((part or value).text)})"
            why = f"any value of '{code(prop.key or '')}' but 0 is geolocated"
        if span is None:
            return
        self.add(
            MX301,
            site.call.path,
            span,
            f"{name} sends {what} to Mixpanel, which geolocates the user: {FIX_IP} [{why}]",
            site.call,
            prop if site.wrote_key(prop) else None,
            value,
            found,
        )

    def suppresses_ip(self, value: Expr, path: str) -> bool:
        """``0`` (also ``"0"``, ``False``, ``None``), written there or a module constant."""
        if self.values.suppresses_ip(value):
            return True
        resolved = self.constants.resolve(_follow(value), path)
        return resolved is not None and self.values.suppresses_ip(resolved[0])


def _follow(expr: Expr | None) -> Expr | None:
    depth = 0
    while (
        expr is not None and expr.kind is ExprKind.NAME and expr.origin is not None and (depth < 40)
    ):
        expr = expr.origin
        depth += 1
    return expr


def _forwarded(expr: Expr | None, depth: int) -> Iterator[tuple[Expr, Expr]]:
    """(use, parameter) for each parameter a payload expression is built from as a whole."""
    if expr is None or depth > 20:
        return
    target = _follow(expr)
    if target is None:
        return
    if target.kind is ExprKind.PARAM:
        yield expr, target
    elif target.kind is ExprKind.DICT:
        for key, value in target.items:
            if key is None:
                yield from _forwarded(value, depth + 1)
    elif (
        target.kind is ExprKind.CALL
        and target.base is not None
        and target.base.chain()
        in (
            ("dict",),
            ("OrderedDict",),
            ("collections", "OrderedDict"),
        )
    ):
        for arg in target.args:
            yield from _forwarded(arg, depth + 1)
        for keyword, value in target.keywords:
            if keyword is None:
                yield from _forwarded(value, depth + 1)
    elif target.kind in (ExprKind.COND, ExprKind.BOOLOP):
        for alternative in target.args:
            yield from _forwarded(alternative, depth + 1)


def _cannot_hold_data(value: Expr) -> bool:
    """``"email": True`` / ``"phone": None``: a flag, not the data."""
    target = _follow(value)
    return (
        target is not None
        and target.kind is ExprKind.CONST
        and (target.value is None or isinstance(target.value, bool))
    )


def _special_key_message(name: str, match: WordMatch) -> str:
    category = match.category
    return (
        f"{name} is special-category data ({category.label}, {article_of(category.id)}): "
        f"{FIX_SPECIAL} [{match.explain()}]"
    )


def _weak(found: ValueMatch) -> str:
    what = found.describe() + (" and a user-agent string" if found.fingerprint else "")
    if found.hash_via:
        text = (
            f"an unkeyed hash of {what} ({found.hash_via}() is a plain "
            f"{found.hash_name} digest, with no secret)"
        )
    else:
        text = f"an unkeyed {found.hash_name} hash of {what}"
    return f"a device fingerprint, not an anonymous ID: {text}" if found.fingerprint else text


def _category_phrase(match: WordMatch) -> str:
    category = match.category
    if category.special:
        return f"{category.label}, {article_of(category.id)}"
    return with_article(category.label)


def _and(parts: Iterator[str]) -> str:
    items = list(parts)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plural_of(noun: str, count: int) -> str:
    return noun if count == 1 else _plural(noun)


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


def _opaque_message(call: TrackingCall, noun: str, whole: WholeObject, single: bool = False) -> str:
    what = f"{whole.what} ({code(whole.expr.text)})"
    sent = f"{noun} sends {what}" if single else f"{call.method} sends {what} as {_plural(noun)}"
    return (
        f"{sent}: the keys sent cannot be reviewed in code (data minimisation, Art. 5(1)(c)); "
        f"{FIX_OPAQUE}"
    )


def verdicts_for(rule_id: str, project: ProjectModel, values: ValueAnalyzer) -> Iterator[Verdict]:
    """The verdicts of one rule."""
    for verdict in personal_findings(project, values):
        if verdict.rule_id == rule_id:
            yield verdict


def findings_for(
    rule: Rule,
    project: ProjectModel,
    values: ValueAnalyzer,
    fix: Callable[[Verdict], Fix | None] | None = None,
) -> Iterator[Finding]:
    """The findings of one rule: its verdicts, with the fix ``fix`` makes of each, and
    where the data goes (the call that sends it, the SDK call inside a wrapper)."""
    trace = Trace(project)
    for verdict in verdicts_for(rule.id, project, values):
        made = fix(verdict) if fix is not None else None
        finding = rule.finding(verdict.path, verdict.span, verdict.message, fix=made)
        yield trace.explain(finding, verdict.call)


__all__ = [
    "IP_KEYS",
    "Verdict",
    "findings_for",
    "personal_findings",
    "verdicts_for",
]
