"""Module summaries -> tracking calls, wrapper call sites, SDK objects and the call graph.

Direct calls are classified first (SDK methods on resolved clients, feature
flags, third-party senders, HTTP requests to Mixpanel endpoints). Then wrappers
are found by a fixed point: a function whose parameter flows unchanged into a
tracking call's payload is a wrapper, and each call site of it becomes a
tracking call whose payload is the wrapper's, with the parameters replaced by
the caller's arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from mixlint.config import WrapperDecl
from mixlint.consent import binding_targets
from mixlint.expand import Expander
from mixlint.exprs import alternatives_of, either, follow, substitute, walk
from mixlint.flow import KEEPING_STRING_METHODS
from mixlint.model import (
    CallerSite,
    CallSite,
    Expr,
    ExprKind,
    FunctionSummary,
    ModuleSummary,
    Payload,
    Property,
    Resolution,
    SdkObject,
    Span,
    TrackingCall,
    consent_sites,
    keyword_span,
)
from mixlint.presence import Presence
from mixlint.resolve import (
    Dispatch,
    Invocation,
    ProjectIndex,
    Sym,
    SymKind,
    alternatives,
    bind_arguments,
    class_id,
    object_id,
)
from mixlint.sdk import Sdk, Signature

MAX_WRAPPER_DEPTH = 8
MAX_ROUNDS = 12
_HEURISTIC_NAME = re.compile(r"(?i)(mixpanel|^mp$|^_mp$|^mp_client$)")
# Beyond string methods, a dict's `.get()` and `.copy()` and `str.format` keep a value.
KEEPING_METHODS = KEEPING_STRING_METHODS | {"get", "copy", "format"}
KEEPING_FUNCTIONS = frozenset({"str", "dict", "json.dumps", "copy", "deepcopy"})
# Functions whose result is computed from their arguments alone (``len(items)``); a
# parameter reaching a payload through them makes a wrapper. Any other function may
# return other data (``load_customers(path)``).
_DERIVING_FUNCTIONS = KEEPING_FUNCTIONS | {
    "abs",
    "all",
    "any",
    "bool",
    "enumerate",
    "float",
    "frozenset",
    "int",
    "len",
    "list",
    "max",
    "min",
    "repr",
    "reversed",
    "round",
    "set",
    "sorted",
    "sum",
    "tuple",
    "zip",
}
_PROFILE_OPERATIONS = ("$set", "$set_once", "$add", "$append", "$union", "$remove", "$unset")


def function_id(path: str, qualname: str) -> str:
    return f"{path}::{qualname}"


# -- payloads -------------------------------------------------------------------


def payload(expr: Expr | None) -> Payload | None:
    if expr is None:
        return None
    properties: list[Property] = []
    opaque: list[Expr] = []
    _collect_properties(expr, properties, opaque, 0)
    # A dict that branches add to (``props["arg"] = ...`` in an ``if``) holds what it
    # held before in each alternative: each entry once.
    unique: dict[tuple[str | None, Span, int], Property] = {}
    for found in properties:
        unique.setdefault((found.key, found.key_span, id(found.value)), found)
    return Payload(
        expr, tuple(unique.values()), tuple({id(part): part for part in opaque}.values())
    )


def _collect_properties(
    expr: Expr, properties: list[Property], opaque: list[Expr], depth: int
) -> None:
    target = follow(expr)
    if target is None or depth > 20:
        return
    kind = target.kind
    if kind is ExprKind.CONST and target.value is None:
        return
    if kind is ExprKind.DICT:
        for key, value in target.items:
            if key is None:
                _collect_properties(value, properties, opaque, depth + 1)
            elif key.kind is ExprKind.CONST and isinstance(key.value, str):
                properties.append(Property(key.value, key.span, value, key.value.startswith("$")))
            else:
                properties.append(Property(None, key.span, value))
        return
    if kind is ExprKind.CALL and target.base is not None:
        callee = target.base.chain()
        if callee in (("dict",), ("OrderedDict",), ("collections", "OrderedDict")):
            for arg in target.args:
                _collect_properties(arg, properties, opaque, depth + 1)
            for keyword, value in target.keywords:
                if keyword is None:
                    _collect_properties(value, properties, opaque, depth + 1)
                else:
                    properties.append(Property(keyword, keyword_span(keyword, value.span), value))
            return
        if (
            target.base.kind is ExprKind.ATTR
            and target.base.value in ("copy", "dict")
            and (
                not target.args
                and target.base.base is not None
                and follow(target.base.base) is not None
                and follow(target.base.base).kind is ExprKind.DICT  # type: ignore[union-attr]
            )
        ):
            _collect_properties(target.base.base, properties, opaque, depth + 1)
            return
    if kind in (ExprKind.COND, ExprKind.BOOLOP):
        for alternative in target.args:
            _collect_properties(alternative, properties, opaque, depth + 1)
        return
    if kind is ExprKind.PARAM:
        # A wrapper's parameter: its keys are judged at each call site.
        return
    opaque.append(expr if expr.kind is not ExprKind.NAME else target)


# -- parameter flow ---------------------------------------------------------------


def flowing_params(
    expr: Expr | None,
    params: frozenset[str],
    derived: bool = False,
    depth: int = 0,
    seen: set[int] | None = None,
) -> set[str]:
    """Parameters whose value reaches ``expr`` unchanged (catalog: 'flows unchanged');
    with ``derived``, also through derived values (``event.name``, ``len(items)``, a
    comprehension over ``props.items()``), which is how a parameter reaching the event
    name or a property makes a wrapper."""
    if expr is None or depth > 30:
        return set()
    # Expressions share subtrees (a local used twice): each is visited once.
    seen = set() if seen is None else seen
    if id(expr) in seen:
        return set()
    seen.add(id(expr))
    kind = expr.kind
    sub = depth + 1

    def each(parts: Iterable[Expr | None]) -> set[str]:
        found: set[str] = set()
        for part in parts:
            found |= flowing_params(part, params, derived, sub, seen)
        return found

    if kind is ExprKind.PARAM:
        return {str(expr.value)} if expr.value in params else set()
    if kind is ExprKind.NAME:
        return each((expr.origin,))
    if kind in (ExprKind.SUBSCRIPT, ExprKind.ITER, ExprKind.STARRED):
        # An element of a parameter is the caller's data as much as the parameter.
        return each((expr.base,))
    if kind is ExprKind.CALL and expr.base is not None:
        callee = expr.base
        arguments = (*expr.args, *(value for _, value in expr.keywords))
        if derived and callee.kind is ExprKind.ATTR:
            # A method of the value (``props.items()``, ``event.to_dict()``); the
            # arguments of another object's method are not what it returns.
            return each((callee.base,))
        if derived and ".".join(callee.chain()) in _DERIVING_FUNCTIONS:
            return each(arguments)
        if derived and callee.kind in (ExprKind.NAME, ExprKind.PARAM):
            # A callable the caller gives, called with what the caller gives
            # (``event = event_factory(*args, **kwargs)``): its result is the caller's.
            handed = flowing_params(callee, params, derived, sub, seen)
            return handed | each(arguments) if handed else handed
        if callee.kind is ExprKind.ATTR and callee.value in KEEPING_METHODS:
            return each((callee.base, *(expr.args if callee.value == "format" else ())))
        if ".".join(callee.chain()) in KEEPING_FUNCTIONS:
            return each(arguments)
        return set()
    if kind in (ExprKind.FSTRING, ExprKind.CONCAT, ExprKind.COND, ExprKind.BOOLOP, ExprKind.SEQ):
        return each(expr.args)
    if kind is ExprKind.DICT:
        return each(value for _, value in expr.items)
    if derived and kind is ExprKind.ATTR:
        return each((expr.base,))
    if derived and kind in (ExprKind.OTHER, ExprKind.NOT, ExprKind.COMPARE):
        return each((expr.base, *expr.args))
    return set()


def _contains(expr: Expr | None, ids: set[int]) -> bool:
    return expr is not None and any(id(node) in ids for node in walk(expr))


# -- extraction ---------------------------------------------------------------------


@dataclass(slots=True)
class _Located:
    """A tracking call and the module and function it stands in.

    ``function`` is whose parameters may make it a wrapper: the function it stands in,
    or (a copy lifted out of a closure) the enclosing function, whose parameters the
    closure uses; ``hidden`` are the names the closures in between bind themselves.
    ``requires``: reached through ``self`` in a base class, the call runs only when
    ``self`` is this subclass ("path::Class").
    """

    call: TrackingCall
    module: ModuleSummary
    function: FunctionSummary | None
    hidden: frozenset[str] = frozenset()
    requires: str = ""


class Extractor:
    def __init__(
        self,
        index: ProjectIndex,
        sdk: Sdk,
        declared: list[WrapperDecl],
        test_code: Callable[[str], bool],
    ) -> None:
        """``test_code(path)``: whether a file is test code (``Config.is_test_code``)."""
        self.index = index
        self.sdk = sdk
        self.declared = declared
        self.test_code = test_code
        self.objects: list[SdkObject] = []
        self.callers: dict[str, list[CallerSite]] = {}
        self.runners: dict[str, str] = {}  # function id -> what runs it (by its decorator)
        self.expander = Expander(index)
        self._targets: list[tuple[ModuleSummary, CallSite, Invocation]] = []

    def run(self) -> tuple[list[TrackingCall], list[SdkObject], dict[str, list[CallerSite]]]:
        direct: list[_Located] = []
        for module in self.index.summaries.values():
            for site in module.calls:
                direct.extend(self.classify(module, site))
        direct = self.with_present_clients(direct)
        calls = [
            self.named(call)
            for call in _one_per_payload(
                self.through_callers(call) for call in self.wrappers(direct)
            )
        ]
        for module in self.index.summaries.values():
            for function in module.functions.values():
                registered = self.index.runners.registered(function.decorators)
                if registered is not None:
                    self.runners[function_id(module.path, function.qualname)] = registered[0]
        calls.sort(key=lambda c: (c.path.split("/"), c.span, c.method, c.wrapper_chain))
        self.objects.sort(key=lambda o: (o.path.split("/"), o.span))
        return calls, self.objects, self.callers

    def named(self, call: TrackingCall) -> TrackingCall:
        """``call`` with its event named when the name is a string constant of the class of
        the object it is read from (``event.NAME`` where ``event`` is a ``SignedIn`` made
        by the caller's factory, and ``SignedIn.NAME = "signed in"``)."""
        module = self.index.summaries.get(call.path)
        event = follow(call.event)
        if event is None or module is None:
            return call
        names: dict[object, Expr] = {}
        for read in alternatives_of(event):  # the same read in each branch that sends
            if read.kind is not ExprKind.ATTR or read.base is None:
                return call
            for obj in alternatives(self.index.symbol(read.base, module)):
                constant = (
                    self.class_constant(obj, str(read.value))
                    if obj.kind is SymKind.OBJECT
                    else None
                )
                if constant is None:
                    return call
                names.setdefault(constant.value, constant)
        if len(names) != 1:
            return call
        (constant,) = names.values()
        return replace(call, event=replace(constant, span=event.span))

    def class_constant(self, obj: Sym, attr: str) -> Expr | None:
        """The string a class (or its nearest project base) binds ``attr`` to in its body."""
        for cls in self.index.lineage(obj):
            owner = self.index.summaries.get(cls.module)
            bound = owner.class_attrs.get(f"{cls.name}.{attr}") if owner is not None else None
            if not bound:
                continue
            value = bound[-1]
            if value.kind is ExprKind.CONST and isinstance(value.value, str):
                return value
            return None
        return None

    def guarded_by_callers(
        self, function: str, requires: str = "", active: frozenset[str] = frozenset()
    ) -> bool:
        """Consent guard form 6: the function has call sites and every one is guarded (of
        code that runs only for the subclass ``requires``: every one whose object may be
        one); call sites in test code do not count."""
        sites = consent_sites(self.callers.get(function, []), requires)
        if not sites or function in active:
            return False
        inner = active | {function}
        return all(
            site.guarded or self.guarded_by_callers(site.function, site.requires or requires, inner)
            for site in sites
        )

    def through_callers(self, call: TrackingCall) -> TrackingCall:
        if call.guarded or not self.guarded_by_callers(call.function, call.requires):
            return call
        reason = f"every call site of {_short(call.function)} is guarded"
        return replace(call, guarded=True, guard_reason=reason)

    def with_present_clients(self, direct: list[_Located]) -> list[_Located]:
        """Guard form 7 (``if self.mp:`` where the client exists only with consent) applied
        to the call sites, the direct calls and the wrapper call sites found so far: it
        needs the call graph (form 6 for the functions that create the client)."""
        presence = Presence(self.index, self.guarded_by_callers)
        # (path, span) -> (guarded, how; or why not)
        verdicts: dict[tuple[str, Span], tuple[bool, str]] = {}
        for module in self.index.summaries.values():
            for site in module.calls:
                if site.present and not site.guarded:
                    callee = site.callee
                    sender = binding_targets((callee.base,)) if callee.base is not None else ()
                    verdict = presence.with_consent(module, site.present, sender)
                    if verdict[1]:
                        verdicts[module.path, site.call.span] = verdict
        if not verdicts:
            return direct
        for function, sites in self.callers.items():
            self.callers[function] = [
                _judged(site, verdicts.get((site.path, site.span))) for site in sites
            ]
        self._targets = [
            (module, _judged(site, verdicts.get((module.path, site.call.span))), invocation)
            for module, site, invocation in self._targets
        ]
        return [
            replace(item, call=_judged(item.call, verdicts.get((item.call.path, item.call.span))))
            for item in direct
        ]

    # -- direct calls

    def classify(self, module: ModuleSummary, site: CallSite) -> Iterator[_Located]:
        callee = site.callee
        function = module.functions.get(site.function)
        callee_sym = self.index.symbol(callee, module)
        for alternative in alternatives(callee_sym):
            if alternative.kind is SymKind.EXTERNAL and alternative.name in self.sdk.objects:
                self.record_object(module, site, alternative.name)
                break
        for invocation in self.index.invocations(module, site):
            self.record_target(module, site, invocation)
        tracking = self.tracking(module, site, callee_sym)
        if tracking is not None:
            yield _Located(tracking, module, function)

    def record_object(self, module: ModuleSummary, site: CallSite, qualname: str) -> None:
        signature = self.sdk.objects[qualname]
        consumer: str | None = None
        if signature.kind == "Mixpanel":
            consumer_expr = self.defaulted(module, signature.argument(site.call, "consumer"))
            if consumer_expr is not None and not (
                consumer_expr.kind is ExprKind.CONST and consumer_expr.value is None
            ):
                consumer = self.consumer_id(module, consumer_expr)
        self.objects.append(
            SdkObject(
                id=object_id(module.path, site.call),
                path=module.path,
                span=site.call.span,
                kind=signature.kind,
                qualname=qualname,
                call=site.call,
                consumer=consumer,
                function=site.function,
            )
        )

    def defaulted(self, module: ModuleSummary, expr: Expr | None) -> Expr | None:
        """``expr``, or when it is a parameter that no call site of its function passes,
        its default (``def from_token(cls, token, consumer=None): Mixpanel(token,
        consumer=consumer)`` called as ``from_token(token)``: the SDK's default consumer)."""
        param = follow(expr)
        if param is None or param.kind is not ExprKind.PARAM:
            return expr
        owner = self.index.param_owner(param, module)
        if owner is None:
            return expr
        function, name = owner
        target = Sym(SymKind.FUNCTION, function.qualname, module.path)
        sites = list(self.index.sites_of(target))
        default = next((p.default for p in function.params if p.name == name), None)
        if not sites or default is None:
            return expr
        if any(name in bind_arguments(function, found.call) for _, found in sites):
            return expr
        return default

    def consumer_id(self, module: ModuleSummary, expr: Expr) -> str:
        """The consumer's construction id, or "custom:<class>" for a non-SDK consumer."""
        target = follow(expr) or expr
        sym = self.index.symbol(target.base if target.kind is ExprKind.CALL else None, module)
        if target.kind is ExprKind.CALL:
            if sym.kind is SymKind.EXTERNAL and sym.name in self.sdk.sdk_consumers:
                return object_id(module.path, target)
            if sym.kind is SymKind.CLASS:
                bases = self.index.external_bases(sym, 0)
                if any(base in self.sdk.sdk_consumers for base in bases):
                    return f"subclass:{sym.name}"
            if sym.kind is not SymKind.CLASS and target.base is not None:
                # A factory (``self._resolve_consumer(...)``): what it returns is unseen.
                return f"custom:{target.base.text}()"
            return f"custom:{target.base.text if target.base is not None else target.text}"
        global_sym = self.index.symbol(expr, module)
        if global_sym.kind is SymKind.INSTANCE and global_sym.name in self.sdk.sdk_consumers:
            return "sdk"
        return f"custom:{expr.text}"

    def record_target(self, module: ModuleSummary, site: CallSite, invocation: Invocation) -> None:
        found = self.index.function(invocation.target)
        if found is None:
            return
        summary, target_module = found
        fid = function_id(target_module.path, summary.qualname)
        self._targets.append((module, site, invocation))
        self.callers.setdefault(fid, []).append(
            CallerSite(
                module.path,
                site.call.span,
                function_id(module.path, site.function),
                site.guarded,
                site.guard_reason,
                invocation.runner,
                self.receiver(module, invocation),
                invocation.target.requires,
                self.test_code(module.path),
            )
        )

    def receiver(self, module: ModuleSummary, invocation: Invocation) -> tuple[str, ...]:
        """The classes (with their bases) of the object a method is called on, when it is
        constructed from a known project class."""
        if invocation.receiver is None:
            return ()
        sym = self.index.symbol(invocation.receiver, module)
        if sym.kind is not SymKind.OBJECT or sym.dispatch is not Dispatch.EXACT:
            return ()
        return tuple(class_id(cls) for cls in self.index.lineage(sym))

    def tracking(
        self, module: ModuleSummary, site: CallSite, callee_sym: Sym
    ) -> TrackingCall | None:
        callee = site.callee
        method = str(callee.value) if callee.kind is ExprKind.ATTR else ""
        base_sym = self.index.symbol(callee.base, module) if callee.kind is ExprKind.ATTR else None
        bases = alternatives(base_sym) if base_sym is not None else ()
        if base_sym is not None and method in self.sdk.methods:
            client = next((sym for sym in bases if sym.kind is SymKind.CLIENT), None)
            if client is not None:
                return self.sdk_call(
                    module,
                    site,
                    self.sdk.methods[method],
                    "sdk",
                    client.resolution or Resolution.IMPORT,
                    client.obj,
                )
            if base_sym.kind is SymKind.UNKNOWN and self.looks_like_client(callee.base):
                return self.sdk_call(
                    module, site, self.sdk.methods[method], "sdk", Resolution.HEURISTIC, None
                )
        flags = next((sym for sym in bases if sym.kind is SymKind.FLAGS), None)
        if flags is not None and method in self.sdk.flag_methods:
            return self.sdk_call(
                module,
                site,
                self.sdk.flag_methods[method],
                "flags",
                flags.resolution or Resolution.IMPORT,
                flags.obj,
            )
        sender = self.sender(callee_sym, bases, method)
        if sender is not None:
            name, signature = sender
            return self.sdk_call(module, site, signature, "sender", Resolution.SENDER, None, name)
        if any(
            sym.kind is SymKind.EXTERNAL
            and (
                sym.name in self.sdk.http_clients
                or sym.name.rsplit(".", 1)[-1] in self.sdk.http_methods
            )
            for sym in alternatives(callee_sym)
        ) or (method in self.sdk.http_methods and base_sym is not None):
            return self.http_call(module, site)
        return None

    def looks_like_client(self, expr: Expr | None) -> bool:
        if expr is None:
            return False
        return any(_HEURISTIC_NAME.search(part) for part in expr.chain())

    def sender(
        self, callee_sym: Sym, bases: tuple[Sym, ...], method: str
    ) -> tuple[str, Signature] | None:
        senders = self.sdk.senders
        for sym in alternatives(callee_sym):
            if sym.kind is SymKind.EXTERNAL and sym.name in senders:
                signature = senders[sym.name]
                if not signature.client:
                    return sym.name, signature
        for base in bases:
            owner = base.name if base.kind in (SymKind.EXTERNAL, SymKind.INSTANCE) else ""
            owner_signature = senders.get(owner)
            if owner_signature is None or not owner_signature.client:
                continue
            module = owner.rsplit(".", 1)[0]
            named = senders.get(f"{module}.{method}")
            if named is not None and not named.client:
                return f"{module}.{method}", named
            if method in ("run", "delay", "apply_async"):
                return owner, owner_signature
        return None

    def sdk_call(
        self,
        module: ModuleSummary,
        site: CallSite,
        signature: Signature,
        kind: str,
        resolution: Resolution,
        client: str | None,
        method: str | None = None,
    ) -> TrackingCall:
        call = site.call
        if (
            kind == "sender"
            and site.callee.kind is ExprKind.ATTR
            and site.callee.value == "apply_async"
        ):
            packed = follow(call.keyword("args") or (call.args[0] if call.args else None))
            if packed is not None and packed.kind is ExprKind.SEQ:
                call = replace(call, args=packed.args, keywords=())

        sent = self.followed(call, module)

        def first(role: str) -> Expr | None:
            found = signature.arguments(sent, role)
            return found[0][1] if found else None

        distinct_ids = tuple(
            found
            for _, value in signature.arguments(sent, "distinct_id")
            for found in alternatives_of(value)
        )
        properties = payload(first("properties")) or _names_payload(first("keys"))
        message = first("message")
        if message is not None:
            distinct_ids, properties = _profile_message(message, distinct_ids, properties)
        group_id = first("group_id")
        if group_id is not None:
            distinct_ids = (*distinct_ids, group_id)
        context = payload(first("context"))
        if context is not None:
            # The flag context is what is sent: its distinct_id and its attributes.
            distinct_ids = (
                *distinct_ids,
                *(p.value for p in context.properties if p.key == "distinct_id"),
            )
            if signature.distinct_id_only:
                context = Payload(
                    context.expr, tuple(p for p in context.properties if p.key == "distinct_id"), ()
                )
        return TrackingCall(
            path=module.path,
            span=call.span,
            kind=kind,  # type: ignore[arg-type]
            method=method or signature.name,
            function=function_id(module.path, site.function),
            resolution=resolution,
            client=client,
            event=first("event"),
            distinct_ids=distinct_ids,
            properties=properties,
            meta=payload(first("meta")),
            context=context,
            arguments=(*call.args, *(value for _, value in call.keywords)),
            call=site.call,
            guarded=site.guarded,
            guard_reason=site.guard_reason,
        )

    def followed(self, call: Expr, module: ModuleSummary) -> Expr:
        """``call`` with what project helpers and getters return in its arguments, and
        ``**kwargs`` built from a dict display as the keywords it holds
        (``mp.track(**{"distinct_id": ..., "event_name": ...})``)."""
        expand = self.expander.expand
        keywords: list[tuple[str | None, Expr]] = []
        for name, value in call.keywords:
            displays = _dict_displays(value) if name is None else None
            if displays is None:
                keywords.append((name, expand(value, module) or value))
                continue
            # Each dict the name may hold (``kwargs`` built in an ``if`` and an ``elif``):
            # a keyword that several give is either value.
            given: dict[str, list[Expr]] = {}
            for spread in displays:
                for key, item in spread.items:
                    if (
                        key is not None
                        and key.kind is ExprKind.CONST
                        and isinstance(key.value, str)
                    ):
                        given.setdefault(key.value, []).append(expand(item, module) or item)
                    else:
                        keywords.append((None, item if key is None else spread))
            keywords.extend((key, either(values)) for key, values in given.items())
        return replace(
            call,
            args=tuple(expand(arg, module) or arg for arg in call.args),
            keywords=tuple(keywords),
        )

    def http_call(self, module: ModuleSummary, site: CallSite) -> TrackingCall | None:
        call = site.call
        url = call.keyword("url")
        candidates = [url] if url is not None else list(call.args[:2])
        for candidate in candidates:
            text = _string_value(candidate, module.globals)
            if text is None or not any(host in text for host in self.sdk.hosts):
                continue
            endpoint = next((e for e in self.sdk.ingestion_endpoints if e in text), None)
            if endpoint is None:
                return None
            sent = self.followed(call, module)
            body = sent.keyword("data") or sent.keyword("json") or sent.keyword("params")
            event, distinct_ids, properties = _http_message(body)
            return TrackingCall(
                path=module.path,
                span=call.span,
                kind="http",
                method=endpoint,
                function=function_id(module.path, site.function),
                resolution=Resolution.HTTP,
                event=event,
                distinct_ids=distinct_ids,
                properties=properties,
                arguments=(*call.args, *(v for _, v in call.keywords)),
                call=call,
                guarded=site.guarded,
                guard_reason=site.guard_reason,
            )
        return None

    # -- wrappers

    def declared_templates(self) -> dict[str, list[_Located]]:
        """A tracking call standing for each wrapper declared in config.

        The declaration says which parameter carries what, so call sites are
        judged even when the SDK call inside cannot be seen (a client mixlint
        cannot resolve, or a transport of the project's own).
        """
        templates: dict[str, list[_Located]] = {}
        for declaration in self.declared:
            for module in self.index.summaries.values():
                for function in module.functions.values():
                    qualified = f"{module.module}.{function.qualname}" if module.module else ""
                    if declaration.function in (qualified, function.qualname):
                        call = _declared_call(declaration, module, function)
                        templates.setdefault(call.function, []).append(
                            _Located(call, module, function)
                        )
        return templates

    def is_wrapper(self, located: list[_Located]) -> bool:
        function = located[0].function
        if function is None or not function.params:
            return False
        names = frozenset(p.name for p in function.params)
        for item in located:
            params = names - item.hidden
            call = item.call
            if any(flowing_params(found, params) for found in call.distinct_ids):
                return True
            parts: list[Expr | None] = [call.event]
            for part in (call.properties, call.meta, call.context):
                if part is not None:
                    parts.append(part.expr)
                    parts.extend(p.value for p in part.properties)
                    parts.extend(part.opaque)
            if any(flowing_params(part, params, derived=True) for part in parts):
                return True
        return False

    def wrappers(self, direct: list[_Located]) -> list[TrackingCall]:
        by_function: dict[str, list[_Located]] = {}
        for item in direct:
            by_function.setdefault(item.call.function, []).append(item)
        declared = self.declared_templates()
        for key, templates in declared.items():
            if key not in by_function:
                by_function[key] = templates
        produced: dict[str, list[_Located]] = {}
        # Each round redoes every call site; a wrapper's own calls stay the same
        # objects from round to round, so their substitutions are done once.
        through: dict[tuple[int, int, frozenset[str]], TrackingCall] = {}
        for _ in range(MAX_ROUNDS):
            everything = {
                key: [*direct_items, *produced.get(key, [])]
                for key, direct_items in by_function.items()
            }
            for key, items in produced.items():
                everything.setdefault(key, items)
            lifted = [found for items in everything.values() for found in self.lifted(items)]
            for enclosing, item in lifted:
                everything.setdefault(enclosing, []).append(item)
            wrappers = {
                key
                for key, items in everything.items()
                if key in declared or self.is_wrapper(items)
            }
            new_produced: dict[str, list[_Located]] = {}
            for module, site, invocation in self._targets:
                found = self.index.function(invocation.target)
                if found is None:
                    continue
                summary, target_module = found
                fid = function_id(target_module.path, summary.qualname)
                if fid not in wrappers:
                    continue
                bound = bind_arguments(summary, invocation.call)
                caller = module.functions.get(site.function)
                for inner in everything.get(fid, []):
                    if len(inner.call.wrapper_chain) >= MAX_WRAPPER_DEPTH:
                        continue
                    requires = self.constraint(module, invocation, inner.requires)
                    if requires is None:
                        continue
                    memo = (id(inner.call), id(site), inner.hidden)
                    call = through.get(memo)
                    if call is None:
                        mapping = {k: v for k, v in bound.items() if k not in inner.hidden}
                        call = self.through_wrapper(inner.call, module, site, fid, mapping)
                        through[memo] = call
                    if call.function in call.wrapper_chain:
                        continue
                    if requires != call.requires:
                        call = replace(call, requires=requires)
                    new_produced.setdefault(call.function, []).append(
                        _Located(call, module, caller, requires=requires)
                    )
            if _signature_of(new_produced) == _signature_of(produced):
                break
            produced = new_produced
        # Declared templates only stand for calls at the call sites.
        result = [item.call for item in direct]
        for items in produced.values():
            result.extend(item.call for item in items)
        return result

    def lifted(self, items: list[_Located]) -> Iterator[tuple[str, _Located]]:
        """The calls of a closure, as calls of each function it is nested in: a closure
        that sends the enclosing function's parameters (a ``send()`` run on a thread)
        makes the enclosing function the wrapper."""
        for item in items:
            function = item.function
            if function is None or function is not item.module.functions.get(
                item.call.function.partition("::")[2]
            ):
                continue  # already a lifted copy
            hidden = {p.name for p in function.params}
            qualname = function.qualname
            while "." in qualname:
                qualname = qualname.rsplit(".", 1)[0]
                enclosing = item.module.functions.get(qualname)
                if enclosing is None:
                    break  # a class: methods do not see its names
                yield (
                    function_id(item.module.path, qualname),
                    _Located(item.call, item.module, enclosing, frozenset(hidden), item.requires),
                )
                hidden.update(p.name for p in enclosing.params)

    def constraint(self, module: ModuleSummary, invocation: Invocation, inner: str) -> str | None:
        """What ``self`` must be for a call reached through ``invocation`` to run: "" for
        nothing, None when the receiver cannot be it (a base-class method called on
        another subclass than the one that sends)."""
        required = [found for found in (invocation.target.requires, inner) if found]
        if not required:
            return ""
        receiver = self.index.symbol(invocation.receiver, module) if invocation.receiver else None
        if receiver is None or receiver.kind is SymKind.UNKNOWN:
            return required[0]
        kept: list[str] = []
        for needed in required:
            verdicts = [self.receives(sym, needed) for sym in alternatives(receiver)]
            if all(verdict is None for verdict in verdicts):
                return None
            kept.extend(verdict for verdict in verdicts if verdict)
        if not kept:
            return ""
        # Two requirements: the more derived class, when one derives from the other.
        narrowest = kept[0]
        for other in kept[1:]:
            if self.index.derives(_class_sym(other), narrowest):
                narrowest = other
            elif not self.index.derives(_class_sym(narrowest), other):
                return None
        return narrowest

    def receives(self, receiver: Sym, needed: str) -> str | None:
        """Can ``receiver`` be an instance of the class ``needed``? "" (it is), ``needed``
        (when it is a ``self`` that may be one), None (it cannot)."""
        if receiver.kind is not SymKind.OBJECT:
            return None
        if self.index.derives(receiver, needed):
            return ""
        if receiver.dispatch is not Dispatch.EXACT and self.index.derives(
            _class_sym(needed), class_id(receiver)
        ):
            return needed if receiver.dispatch is Dispatch.SELF else ""
        return None

    def through_wrapper(
        self,
        inner: TrackingCall,
        module: ModuleSummary,
        site: CallSite,
        wrapper: str,
        mapping: dict[str, Expr],
    ) -> TrackingCall:
        """``inner`` (a tracking call in ``wrapper``, by function id) as the call ``site``
        of the wrapper makes it, the parameters replaced by the site's arguments."""
        inserted: set[int] = set()

        def sub(expr: Expr | None) -> Expr | None:
            return substitute(expr, mapping, inserted)

        event = sub(inner.event)
        distinct_ids = tuple(sub(e) or e for e in inner.distinct_ids)
        parts = [
            sub(part.expr) if part is not None else None
            for part in (inner.properties, inner.meta, inner.context)
        ]
        # Every node the caller wrote; what is not among them was written in the wrapper.
        caller_nodes = {
            id(node) for root in inserted_roots(mapping, inserted) for node in walk(root)
        }
        # What the caller's helpers and getters return counts as written by the caller.
        made: list[Expr] = []

        def expand(expr: Expr | None) -> Expr | None:
            return self.expander.expand(expr, module, caller_nodes, made)

        event = expand(event)
        distinct_ids = tuple(expand(e) or e for e in distinct_ids)
        parts = [expand(part) for part in parts]
        caller_nodes.update(id(node) for root in made for node in walk(root))

        def from_wrapper(expr: Expr) -> bool:
            return not _contains(expr, caller_nodes)

        def rebuilt(expr: Expr | None) -> Payload | None:
            built = payload(expr)
            if built is None:
                return None
            properties = tuple(
                replace(p, inherited=from_wrapper(p.value)) for p in built.properties
            )
            return Payload(built.expr, properties, built.opaque)

        wrapper_name = wrapper
        return TrackingCall(
            path=module.path,
            span=site.call.span,
            kind="wrapper",
            method=inner.method,
            function=function_id(module.path, site.function),
            resolution=inner.resolution,
            wrapper_chain=(_short(wrapper_name), *inner.wrapper_chain),
            client=inner.client,
            event=event,
            distinct_ids=distinct_ids,
            inherited_ids=tuple(from_wrapper(e) for e in distinct_ids),
            properties=rebuilt(parts[0]),
            meta=rebuilt(parts[1]),
            context=rebuilt(parts[2]),
            arguments=(*site.call.args, *(v for _, v in site.call.keywords)),
            followed=tuple(made),
            call=site.call,
            # A check inside the wrapper guards every call site (form 2 in the wrapper).
            guarded=site.guarded or inner.guarded,
            guard_reason=site.guard_reason
            if site.guarded
            else f"inside {_short(wrapper_name)}(): {inner.guard_reason}"
            if inner.guarded
            else "",
            via=inner.via or (f"{inner.path}:{inner.span.start_line}",),
        )


def _one_per_payload(calls: Iterable[TrackingCall]) -> list[TrackingCall]:
    """One tracking call per call site and what it sends: a wrapper call that reaches
    several SDK calls sending the same payload (``track(**kwargs)`` in a ``try`` and again
    in the branch that lets errors through) is one entry, whose ``via`` lists them all."""
    merged: dict[tuple[object, ...], TrackingCall] = {}
    for call in calls:
        if call.kind != "wrapper":
            merged[(id(call),)] = call
            continue
        key = (
            call.path,
            call.span,
            call.method,
            call.wrapper_chain,
            call.requires,
            call.guarded,
            call.guard_reason,
            _sent_text(call),
        )
        found = merged.get(key)
        if found is None:
            merged[key] = call
        else:
            merged[key] = replace(
                found, via=tuple(sorted({*found.via, *call.via}, key=_line_order))
            )
    return list(merged.values())


def _sent_text(call: TrackingCall) -> tuple[object, ...]:
    """What a tracking call sends, as code: calls that send the same are one entry."""

    def part(sent: Payload | None) -> tuple[object, ...]:
        if sent is None:
            return ()
        return (
            sent.expr.text,
            tuple((p.key, p.value.text, p.inherited) for p in sent.properties),
            tuple(o.text for o in sent.opaque),
        )

    return (
        call.event.text if call.event is not None else None,
        tuple(e.text for e in call.distinct_ids),
        call.inherited_ids,
        part(call.properties),
        part(call.meta),
        part(call.context),
    )


def _line_order(place: str) -> tuple[str, int]:
    path, _, line = place.rpartition(":")
    return path, int(line) if line.isdigit() else 0


_Judged = TypeVar("_Judged", CallSite, CallerSite, TrackingCall)


def _judged(item: _Judged, verdict: tuple[bool, str] | None) -> _Judged:
    """``item`` with guard form 7's verdict: guarded, and how; or why not."""
    if verdict is None:
        return item
    guarded, reason = verdict
    return replace(item, guarded=guarded, guard_reason=reason)


def _class_sym(class_id: str) -> Sym:
    path, _, qualname = class_id.partition("::")
    return Sym(SymKind.OBJECT, qualname, path)


def _declared_call(
    declaration: WrapperDecl, module: ModuleSummary, function: FunctionSummary
) -> TrackingCall:
    names = {p.name for p in function.params}

    def param(name: str | None) -> Expr | None:
        if name is None or name not in names:
            return None
        return Expr(ExprKind.PARAM, name, function.span, value=name)

    distinct_id = param(declaration.distinct_id)
    properties = param(declaration.properties)
    return TrackingCall(
        path=module.path,
        span=function.span,
        kind="sdk",
        method=declaration.method,
        function=function_id(module.path, function.qualname),
        resolution=Resolution.CONFIG,
        event=param(declaration.event),
        distinct_ids=(distinct_id,) if distinct_id is not None else (),
        properties=Payload(properties, (), ()) if properties is not None else None,
    )


def inserted_roots(mapping: dict[str, Expr], inserted: set[int]) -> list[Expr]:
    return [value for value in mapping.values() if id(value) in inserted]


def _short(function: str) -> str:
    return function.split("::", 1)[-1]


def _signature_of(
    produced: dict[str, list[_Located]],
) -> set[tuple[str, int, int, tuple[str, ...]]]:
    return {
        (
            item.call.path,
            item.call.span.start_line,
            item.call.span.start_col,
            item.call.wrapper_chain,
        )
        for items in produced.values()
        for item in items
    }


def _string_value(expr: Expr | None, constants: Mapping[str, tuple[Expr, ...]]) -> str | None:
    """The literal text of a URL: constant parts of f-strings and concatenations, and
    module constants (``TRACK_URL = "https://api-eu.mixpanel.com/track"``)."""
    target = follow(expr)
    if target is not None and target.kind is ExprKind.NAME and target.origin is None:
        bound = [v for v in constants.get(str(target.value), ()) if v.kind is ExprKind.CONST]
        target = bound[-1] if bound else None
    if target is None:
        return None
    if target.kind is ExprKind.CONST and isinstance(target.value, str):
        return target.value
    if target.kind in (ExprKind.FSTRING, ExprKind.CONCAT):
        parts = [_string_value(arg, constants) or "" for arg in target.args]
        return target.text + "".join(parts)
    return None


def _names_payload(expr: Expr | None) -> Payload | None:
    """``people_unset(id, ["a", "b"])``: the property names themselves."""
    target = follow(expr)
    if target is None or target.kind is not ExprKind.SEQ:
        return None
    names = tuple(
        Property(str(e.value), e.span, e)
        for e in target.args
        if e.kind is ExprKind.CONST and isinstance(e.value, str)
    )
    return Payload(target, names, ())


def _dict_displays(expr: Expr) -> list[Expr] | None:
    """The dict displays a ``**`` argument holds (one, or one per branch that built it);
    None when it may hold anything else."""
    target = follow(expr)
    if target is None:
        return None
    displays = [follow(alternative) for alternative in alternatives_of(target)]
    if all(found is not None and found.kind is ExprKind.DICT for found in displays):
        return displays  # type: ignore[return-value]
    return None


def _unwrap_serialised(expr: Expr | None) -> Expr | None:
    """Through ``json.dumps(...)``, ``base64.b64encode(...)`` and one-element lists."""
    target = follow(expr)
    for _ in range(6):
        if target is None:
            return None
        if (
            target.kind is ExprKind.CALL
            and target.args
            and target.base is not None
            and (
                target.base.chain()[-1:]
                in (("dumps",), ("b64encode",), ("urlsafe_b64encode",), ("encode",))
            )
        ):
            target = follow(target.args[0])
        elif (
            target.kind is ExprKind.CALL
            and target.base is not None
            and (target.base.kind is ExprKind.ATTR and target.base.value == "encode")
        ):
            target = follow(target.base.base)
        elif target.kind is ExprKind.SEQ and len(target.args) == 1:
            target = follow(target.args[0])
        else:
            return target
    return target


def _http_message(body: Expr | None) -> tuple[Expr | None, tuple[Expr, ...], Payload | None]:
    """The event or profile update inside an HTTP API body (``data=json.dumps([...])``)."""
    form = follow(body)
    message = None
    if form is not None and form.kind is ExprKind.DICT:
        for key, value in form.items:
            if key is not None and key.kind is ExprKind.CONST and key.value == "data":
                message = _unwrap_serialised(value)
    else:
        message = _unwrap_serialised(body)
    if message is None or message.kind is not ExprKind.DICT:
        return None, (), payload(message if message is not None else body)
    entries = {
        str(k.value): v for k, v in message.items if k is not None and k.kind is ExprKind.CONST
    }
    if "event" in entries:
        properties = payload(entries.get("properties"))
        ids = (
            tuple(p.value for p in properties.properties if p.key == "distinct_id")
            if properties
            else ()
        )
        return entries["event"], ids, properties
    ids, properties = _profile_message(message, (), None)
    return None, ids, properties


def _profile_message(
    message: Expr, distinct_ids: tuple[Expr, ...], properties: Payload | None
) -> tuple[tuple[Expr, ...], Payload | None]:
    """``people_update({"$distinct_id": ..., "$set": {...}})``: ids and properties inside."""
    target = follow(message)
    if target is None or target.kind is not ExprKind.DICT:
        return distinct_ids, properties
    collected: list[Property] = []
    opaque: list[Expr] = []
    ids = list(distinct_ids)
    for key, value in target.items:
        if key is None or key.kind is not ExprKind.CONST:
            continue
        if key.value in ("$distinct_id", "$group_id"):
            ids.append(value)
        elif key.value in _PROFILE_OPERATIONS:
            inner = payload(value)
            if inner is not None:
                collected.extend(inner.properties)
                opaque.extend(inner.opaque)
    return tuple(ids), Payload(message, tuple(collected), tuple(opaque))
