"""What does an expression refer to, across modules? Clients, SDK names, project functions.

``ProjectIndex.symbol`` follows an ``Expr`` through local origins, module
globals, imports (absolute, relative, re-exports, star imports), class and
instance attributes (``self.mp`` set in any method, base classes), factories
(``get_mixpanel()``), ``@property`` getters, annotations and containers, without
executing anything. Receivers are typed as a reader would type them:

- a parameter without annotation has the type of what its call sites pass
  (``send(tracker, ctx)`` called with ``EventTracker()``: dependency injection);
- an element of a list, tuple or dict (``for provider in providers``) is any of its
  elements, a value read by a constant key the one stored there;
- ``self.method()`` in a base class may run an override of a subclass: the symbol is
  a union whose subclass alternatives say which class ``self`` must be
  (``Sym.requires``), so that a caller knows whether its receiver runs it.

``invocations`` says which project functions a call site calls: directly, as a
Celery task (``task.delay(...)``) or through a framework it hands them to
(``Thread(target=f, args=...)``, ``add_task(f, ...)``; ``mixlint.runners``), with the
call as the function receives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import Enum

from mixlint.model import (
    CallSite,
    Expr,
    ExprKind,
    FunctionSummary,
    ModuleSummary,
    Resolution,
    keyword_span,
)
from mixlint.modules import Module, ModuleFinder
from mixlint.runners import Runner, Runners, load_runners
from mixlint.sdk import Sdk

MAX_DEPTH = 40
# A list or dict display of more elements is data, not a set of objects to dispatch to.
MAX_ELEMENTS = 64
NAMESPACE = "namespace"  # Sym.obj of a MODULE that is a namespace package (a folder)
_GETTERS = frozenset({"property", "cached_property"})
# Dependency injection by default value: the parameter is what the dependency returns.
_DEPENDENCIES = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.Security"})
_DICT_READS = frozenset({"values", "items", "get", "pop", "setdefault", "copy"})


class SymKind(str, Enum):
    MODULE = "module"  # a project module; module: its path (obj NAMESPACE: a folder)
    EXTERNAL = "external"  # anything outside the project, SDK included; name: qualified name
    INSTANCE = "instance"  # an instance of an external class; name: the class's qualified name
    FUNCTION = "function"  # a project function; module + name (qualname)
    CLASS = "class"  # a project class; module + name
    OBJECT = "object"  # an instance of a project class; module + name
    CLIENT = "client"  # a Mixpanel client; obj: construction id; resolution
    FLAGS = "flags"  # mp.local_flags / mp.remote_flags of a client
    SEQ = "seq"  # a container; elements (keys: a dict display's key of each)
    UNION = "union"  # one of several; elements
    UNKNOWN = "unknown"


class Dispatch(str, Enum):
    """Which class an OBJECT's methods come from."""

    EXACT = "exact"  # constructed from this class: its own methods and its bases'
    SELF = "self"  # a method's ``self``: this class or any subclass
    DECLARED = "declared"  # annotated with this class: it or any subclass


@dataclass(frozen=True, slots=True)
class Sym:
    kind: SymKind
    name: str = ""
    module: str = ""
    obj: str | None = None
    resolution: Resolution | None = None
    elements: tuple[Sym, ...] = ()
    keys: tuple[str | None, ...] = ()
    dispatch: Dispatch = Dispatch.EXACT
    # Reached through ``self`` in a base class, defined in this subclass ("path::Class"):
    # it runs only when ``self`` is one.
    requires: str = ""


UNKNOWN = Sym(SymKind.UNKNOWN)


def module_of(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else ""


def alternatives(sym: Sym) -> tuple[Sym, ...]:
    """The symbols a union stands for (the symbol itself otherwise)."""
    return sym.elements if sym.kind is SymKind.UNION else (sym,)


def union(syms: Iterable[Sym]) -> Sym:
    """One of ``syms`` (unknowns dropped, unions flattened). Never cut short: which
    alternatives a cut would keep depends on which files were analysed."""
    found: dict[Sym, None] = {}
    for sym in syms:
        for alternative in alternatives(sym):
            if alternative.kind is not SymKind.UNKNOWN:
                found[alternative] = None
    if not found:
        return UNKNOWN
    if len(found) == 1:
        return next(iter(found))
    return Sym(SymKind.UNION, elements=tuple(found))


def class_id(sym: Sym) -> str:
    return f"{sym.module}::{sym.name}"


@dataclass(frozen=True, slots=True)
class Invocation:
    """A project function called at a call site."""

    target: Sym  # FUNCTION
    call: Expr  # the call as the function receives it (positional and keyword arguments)
    runner: str = ""  # "": called directly; else what runs it ("add_task", "delay")
    receiver: Expr | None = None  # the object a method is called on


def bind_arguments(function: FunctionSummary, call: Expr) -> dict[str, Expr]:
    """Parameter name -> the caller's argument expression."""
    mapping: dict[str, Expr] = {}
    positional = [p for p in function.params if p.kind == "positional"]
    rest: list[Expr] = []
    for index, arg in enumerate(call.args):
        if arg.kind is ExprKind.STARRED:
            break
        if index < len(positional):
            mapping[positional[index].name] = arg
        else:
            rest.append(arg)
    names = {p.name for p in function.params}
    extra: list[tuple[Expr | None, Expr]] = []
    for keyword, value in call.keywords:
        if keyword is not None and keyword in names:
            mapping[keyword] = value
        elif keyword is None:
            extra.append((None, value))
        else:
            extra.append(
                (
                    Expr(ExprKind.CONST, keyword, keyword_span(keyword, value.span), value=keyword),
                    value,
                )
            )
    for param in function.params:
        if param.kind == "var_positional":
            mapping[param.name] = Expr(ExprKind.SEQ, "", call.span, args=tuple(rest))
        elif param.kind == "var_keyword":
            mapping[param.name] = Expr(ExprKind.DICT, call.text, call.span, items=tuple(extra))
    return mapping


class ProjectIndex:
    def __init__(
        self,
        summaries: Iterable[ModuleSummary],
        finder: ModuleFinder,
        sdk: Sdk,
        runners: Runners | None = None,
    ) -> None:
        self.sdk = sdk
        self.runners = runners or load_runners()
        self.summaries = {summary.path: summary for summary in summaries}
        self.finder = finder
        self._cache: dict[tuple[int, str], Sym] = {}
        self._active: set[tuple[str, str]] = set()
        self._invocations: dict[int, tuple[Invocation, ...]] = {}
        self._by_callee: dict[str, list[tuple[ModuleSummary, CallSite]]] | None = None
        self._params: dict[str, dict[tuple[int, int], tuple[FunctionSummary, str]]] = {}
        self._param_types: dict[tuple[str, str, str], Sym] = {}
        self._typing: set[tuple[str, str, str]] = set()
        self._subclasses: dict[tuple[str, str], list[Sym]] | None = None
        self._overrides: dict[tuple[str, str, str], Sym] = {}
        self._lineages: dict[tuple[str, str], tuple[Sym, ...]] = {}
        self._derived: dict[tuple[str, str], list[Sym]] = {}

    # -- modules -------------------------------------------------------------

    def qualified(self, name: str, importer: ModuleSummary, depth: int) -> Sym:
        """A dotted import target (relative ones with their leading dots), resolved into
        the project where it points there."""
        module, attrs = self.finder.cut(importer.path, name)
        if module is None:
            return Sym(SymKind.EXTERNAL, name)
        if (
            module.namespace
            and attrs
            and not name.startswith(".")
            and len(attrs) == name.count(".")
        ):
            # Only the first name is a folder of the project, without __init__.py: an
            # installed package of that name wins over it (a project's airflow/ folder
            # beside `from airflow.operators.python import PythonOperator`), as Python
            # creates a namespace package only when no regular one is found.
            return Sym(SymKind.EXTERNAL, name)
        sym = _module_sym(module)
        for attr in attrs:
            sym = self.member(sym, attr, importer, depth + 1)
        return sym

    # -- symbols -------------------------------------------------------------

    def symbol(self, expr: Expr | None, mod: ModuleSummary, depth: int = 0) -> Sym:
        if expr is None or depth > MAX_DEPTH:
            return UNKNOWN
        key = (id(expr), mod.path)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = self._symbol(expr, mod, depth)
        if result.kind is SymKind.UNKNOWN and expr.annotation and expr.kind is not ExprKind.PARAM:
            # ``context: CallContext = request.state.context``: as the annotation says.
            result = self.annotated(expr.annotation, mod, depth + 1)
        self._cache[key] = result
        return result

    def _symbol(self, expr: Expr, mod: ModuleSummary, depth: int) -> Sym:
        kind = expr.kind
        sub = depth + 1
        if kind is ExprKind.NAME:
            if expr.origin is not None:
                return self.symbol(expr.origin, mod, sub)
            return self.global_symbol(mod, str(expr.value), sub)
        if kind is ExprKind.IMPORT:
            return self.qualified(str(expr.value), mod, sub)
        if kind is ExprKind.PARAM:
            if expr.annotation:
                return self.annotated(expr.annotation, mod, sub)
            return self.param_type(expr, mod, sub)
        if kind is ExprKind.ATTR:
            return self.member(self.symbol(expr.base, mod, sub), str(expr.value), mod, sub)
        if kind is ExprKind.CALL:
            return self.call_result(expr, mod, sub)
        if kind is ExprKind.SEQ and len(expr.args) <= MAX_ELEMENTS:
            return Sym(SymKind.SEQ, elements=tuple(self.symbol(e, mod, sub) for e in expr.args))
        if kind is ExprKind.DICT and len(expr.items) <= MAX_ELEMENTS:
            values = [(key, value) for key, value in expr.items if key is not None]
            return Sym(
                SymKind.SEQ,
                elements=tuple(self.symbol(value, mod, sub) for _, value in values),
                keys=tuple(_constant_key(key) for key, _ in values),
            )
        if kind in (ExprKind.ITER, ExprKind.SUBSCRIPT, ExprKind.STARRED):
            container = self.symbol(expr.base, mod, sub)
            index = expr.args[0] if kind is ExprKind.SUBSCRIPT and expr.args else None
            return self.element(container, index)
        if kind in (ExprKind.COND, ExprKind.BOOLOP):
            # ``a or b``: either; ``a and b``: the last one when all are true.
            operands = reversed(expr.args) if expr.value == "and" else iter(expr.args)
            return union(self.symbol(operand, mod, sub) for operand in operands)
        if kind is ExprKind.OTHER and isinstance(expr.value, str):
            # Bindings made by `def` and `class` statements.
            prefix, _, qualname = expr.value.partition(":")
            if prefix == "def":
                return Sym(SymKind.FUNCTION, qualname, mod.path)
            if prefix == "class":
                return Sym(SymKind.CLASS, qualname, mod.path)
        return UNKNOWN

    def element(self, container: Sym, index: Expr | None) -> Sym:
        """An element of a container: the one stored under a constant key or position,
        else any of them."""
        found = []
        for alternative in alternatives(container):
            if alternative.kind is not SymKind.SEQ:
                continue
            if index is not None and index.kind is ExprKind.CONST:
                if alternative.keys:
                    for key, element in zip(alternative.keys, alternative.elements, strict=True):
                        if key == index.value:
                            return element
                elif (
                    isinstance(index.value, int)
                    and not isinstance(index.value, bool)
                    and -len(alternative.elements) <= index.value < len(alternative.elements)
                ):
                    return alternative.elements[index.value]
            found.append(union(alternative.elements))
        return union(found)

    def global_symbol(self, mod: ModuleSummary, name: str, depth: int) -> Sym:
        active = (mod.path, name)
        if active in self._active:
            return UNKNOWN
        self._active.add(active)
        try:
            found = []
            for value in mod.globals.get(name, ()):
                sym = self.symbol(value, mod, depth + 1)
                if sym.kind is SymKind.CLIENT:
                    return sym
                found.append(sym)
            best = union(found)
            if best.kind is SymKind.UNKNOWN:
                for star in mod.globals.get("*", ()):
                    target = self.qualified(str(star.value), mod, depth + 1)
                    if target.kind is SymKind.MODULE:
                        best = self.member(target, name, mod, depth + 1)
                        if best.kind is not SymKind.UNKNOWN:
                            break
            return best
        finally:
            self._active.discard(active)

    def annotated(self, annotation: str | None, mod: ModuleSummary, depth: int) -> Sym:
        if not annotation:
            return UNKNOWN
        if annotation.startswith("<self>"):
            own = annotation[len("<self>") :]
            return Sym(SymKind.OBJECT, own, mod.path, dispatch=Dispatch.SELF)
        for name in annotation.split("|"):
            head, _, rest = name.partition(".")
            target = self.global_symbol(mod, head, depth + 1)
            for attr in rest.split(".") if rest else ():
                target = self.member(target, attr, mod, depth + 1)
            if target.kind is SymKind.EXTERNAL and target.name in self.sdk.client_classes:
                return Sym(SymKind.CLIENT, resolution=Resolution.ANNOTATION)
            if target.kind is SymKind.CLASS:
                if self.is_client_class(target, depth + 1):
                    return Sym(SymKind.CLIENT, resolution=Resolution.ANNOTATION)
                return Sym(SymKind.OBJECT, target.name, target.module, dispatch=Dispatch.DECLARED)
        return UNKNOWN

    def member(self, owner: Sym, attr: str, mod: ModuleSummary, depth: int) -> Sym:
        if depth > MAX_DEPTH:
            return UNKNOWN
        if owner.kind is SymKind.UNION:
            return union(self.member(element, attr, mod, depth + 1) for element in owner.elements)
        if owner.kind is SymKind.MODULE:
            module = Module(owner.module, namespace=owner.obj == NAMESPACE)
            target = self.summaries.get(owner.module)
            if target is None and not module.namespace:
                return UNKNOWN  # not analysed
            if target is not None:
                if attr in target.globals or "*" in target.globals:
                    sym = self.global_symbol(target, attr, depth + 1)
                    if sym.kind is not SymKind.UNKNOWN:
                        return sym
                if attr in target.functions:
                    return Sym(SymKind.FUNCTION, attr, target.path)
            submodule = self.finder.child(module, attr)
            return _module_sym(submodule) if submodule is not None else UNKNOWN
        if owner.kind is SymKind.EXTERNAL:
            return Sym(SymKind.EXTERNAL, f"{owner.name}.{attr}")
        if owner.kind is SymKind.CLIENT and attr in self.sdk.flag_providers:
            return Sym(SymKind.FLAGS, attr, obj=owner.obj, resolution=owner.resolution)
        if owner.kind is SymKind.OBJECT and owner.dispatch is not Dispatch.EXACT:
            overrides = self.overrides(owner, attr, depth + 1)
            if overrides.kind is SymKind.UNKNOWN:
                return self.class_member(owner, attr, depth + 1)
            if owner.dispatch is Dispatch.DECLARED:
                # Which subclass an annotated object is cannot be told: any override runs.
                overrides = union(replace(sym, requires="") for sym in alternatives(overrides))
            return union((self.class_member(owner, attr, depth + 1), overrides))
        if owner.kind in (SymKind.OBJECT, SymKind.CLASS):
            return self.class_member(owner, attr, depth + 1)
        return UNKNOWN

    def class_member(self, owner: Sym, attr: str, depth: int) -> Sym:
        """``attr`` of a class as its instances see it: its own, else its bases'."""
        for cls in self.lineage(owner):
            found = self.own_member(cls, attr, depth)
            if found.kind is not SymKind.UNKNOWN:
                return found
        return UNKNOWN

    def lineage(self, owner: Sym) -> tuple[Sym, ...]:
        """The class (as an OBJECT) and its project base classes, depth first."""
        key = (owner.module, owner.name)
        found = self._lineages.get(key)
        if found is None:
            self._lineages[key] = (owner,)  # a cycle of bases ends here
            seen: set[tuple[str, str]] = set()
            classes: list[Sym] = []
            pending = [Sym(SymKind.OBJECT, owner.name, owner.module)]
            while pending and len(classes) <= MAX_DEPTH:
                cls = pending.pop()
                target = self.summaries.get(cls.module)
                if target is None or (cls.module, cls.name) in seen:
                    continue
                seen.add((cls.module, cls.name))
                classes.append(cls)
                bases = [self.symbol(base, target) for base in target.class_bases.get(cls.name, ())]
                pending.extend(
                    Sym(SymKind.OBJECT, base.name, base.module)
                    for base in reversed(bases)
                    if base.kind is SymKind.CLASS
                )
            found = self._lineages[key] = tuple(classes)
        return found

    def getter(self, owner: Sym, attr: str) -> tuple[FunctionSummary, ModuleSummary] | None:
        """The ``@property`` getter an attribute read of a project object runs."""
        for cls in self.lineage(owner):
            target = self.summaries[cls.module]
            method = target.functions.get(f"{cls.name}.{attr}")
            if method is not None:
                return (method, target) if is_getter(method) else None
            if f"{cls.name}.{attr}" in target.class_attrs:
                return None
        return None

    def own_member(self, owner: Sym, attr: str, depth: int) -> Sym:
        """``attr`` as the class itself defines it (class body, ``self.attr = ...``, a
        method; a ``@property`` is what its getter returns)."""
        target = self.summaries.get(owner.module)
        if target is None:
            return UNKNOWN
        found = []
        for value in target.class_attrs.get(f"{owner.name}.{attr}", ()):
            sym = self.symbol(value, target, depth + 1)
            if sym.kind is SymKind.CLIENT:
                return sym
            found.append(sym)
        best = union(found)
        if best.kind is not SymKind.UNKNOWN:
            return best
        method = target.functions.get(f"{owner.name}.{attr}")
        if method is None:
            return UNKNOWN
        if is_getter(method):
            return self.returned(method, target, depth + 1)
        return Sym(SymKind.FUNCTION, method.qualname, target.path)

    def overrides(self, owner: Sym, attr: str, depth: int) -> Sym:
        """``attr`` as the project's subclasses of ``owner`` define it themselves, each
        requiring ``self`` to be that subclass."""
        key = (owner.module, owner.name, attr)
        found = self._overrides.get(key)
        if found is None:
            self._overrides[key] = UNKNOWN  # a cycle of bases
            alternatives_found = []
            for subclass in self.subclasses(owner):
                own = self.own_member(subclass, attr, depth + 1)
                if own.kind is SymKind.FUNCTION:
                    own = Sym(own.kind, own.name, own.module, requires=class_id(subclass))
                alternatives_found.append(own)
            found = self._overrides[key] = union(alternatives_found)
        return found

    def subclasses(self, owner: Sym) -> list[Sym]:
        """The project's classes derived from ``owner``, directly or not (nearest first)."""
        key = (owner.module, owner.name)
        known = self._derived.get(key)
        if known is not None:
            return known
        if self._subclasses is None:
            self._subclasses = {}
            for module in self.summaries.values():
                for qualname, bases in module.class_bases.items():
                    for base in bases:
                        for base_sym in alternatives(self.symbol(base, module)):
                            if base_sym.kind is SymKind.CLASS:
                                self._subclasses.setdefault(
                                    (base_sym.module, base_sym.name), []
                                ).append(Sym(SymKind.OBJECT, qualname, module.path))
        result: list[Sym] = []
        pending = list(self._subclasses.get(key, ()))
        while pending:
            subclass = pending.pop(0)
            if subclass in result:
                continue
            result.append(subclass)
            pending.extend(self._subclasses.get((subclass.module, subclass.name), ()))
        self._derived[key] = result
        return result

    def derives(self, subclass: Sym, ancestor: str) -> bool:
        """Is the class ``subclass`` the class ``ancestor`` ("path::Class") or derived from it?"""
        if class_id(subclass) == ancestor:
            return True
        path, _, qualname = ancestor.partition("::")
        owner = Sym(SymKind.CLASS, qualname, path)
        return any(class_id(found) == class_id(subclass) for found in self.subclasses(owner))

    def function(self, sym: Sym) -> tuple[FunctionSummary, ModuleSummary] | None:
        if sym.kind is not SymKind.FUNCTION:
            return None
        target = self.summaries.get(sym.module)
        if target is None:
            return None
        summary = target.functions.get(sym.name)
        return (summary, target) if summary is not None else None

    def external_bases(self, sym: Sym, depth: int, seen: frozenset[str] = frozenset()) -> list[str]:
        """Qualified names of the external classes a project class derives from."""
        target = self.summaries.get(sym.module)
        if target is None or sym.name in seen or depth > MAX_DEPTH:
            return []
        found: list[str] = []
        for base in target.class_bases.get(sym.name, ()):
            base_sym = self.symbol(base, target, depth + 1)
            if base_sym.kind is SymKind.EXTERNAL:
                found.append(base_sym.name)
            elif base_sym.kind is SymKind.CLASS:
                found.extend(self.external_bases(base_sym, depth + 1, seen | {sym.name}))
        return found

    def is_client_class(self, sym: Sym, depth: int) -> bool:
        return any(base in self.sdk.client_classes for base in self.external_bases(sym, depth))

    def call_result(self, call: Expr, mod: ModuleSummary, depth: int) -> Sym:
        method = call.base
        if method is not None and method.kind is ExprKind.ATTR and method.value in _DICT_READS:
            container = self.symbol(method.base, mod, depth + 1)
            if container.kind is SymKind.SEQ:
                if method.value in ("get", "pop", "setdefault"):
                    return self.element(container, call.args[0] if call.args else None)
                return _dict_read(container, str(method.value))
        callee = self.symbol(call.base, mod, depth + 1)
        results = []
        for alternative in alternatives(callee):
            result = self.result_of(alternative, call, mod, depth)
            if result.kind is SymKind.CLIENT:
                return result
            results.append(result)
        return union(results)

    def result_of(self, callee: Sym, call: Expr, mod: ModuleSummary, depth: int) -> Sym:
        if callee.kind is SymKind.EXTERNAL and callee.name in _DEPENDENCIES:
            # ``Depends(get_resources)``: the framework passes what the dependency returns.
            dependency = call.argument(0, "dependency")
            if dependency is None:
                return UNKNOWN
            provided = Expr(ExprKind.CALL, dependency.text, dependency.span, base=dependency)
            return self.call_result(provided, mod, depth + 1)
        if callee.kind is SymKind.EXTERNAL:
            if callee.name in self.sdk.client_classes:
                return Sym(
                    SymKind.CLIENT, obj=object_id(mod.path, call), resolution=Resolution.IMPORT
                )
            if callee.name.endswith("lru_cache") or callee.name.endswith(".cache"):
                return UNKNOWN
            return Sym(SymKind.INSTANCE, callee.name)
        if callee.kind is SymKind.CLASS:
            if self.is_client_class(callee, depth + 1):
                return Sym(
                    SymKind.CLIENT, obj=object_id(mod.path, call), resolution=Resolution.IMPORT
                )
            return Sym(SymKind.OBJECT, callee.name, callee.module)
        found = self.function(callee)
        if found is None:
            return UNKNOWN
        summary, target = found
        if summary.is_method and summary.class_name is not None and _makes_own_class(summary):
            # ``SignedIn.create(...)`` returning ``cls(...)`` (or ``-> Self``): an instance of
            # the class it is called on, which may derive from the one defining it.
            receiver = call.base.base if call.base is not None else None
            owner = self.symbol(receiver, mod, depth + 1) if receiver is not None else UNKNOWN
            made = [
                Sym(SymKind.OBJECT, sym.name, sym.module, dispatch=sym.dispatch)
                for sym in alternatives(owner)
                if sym.kind in (SymKind.CLASS, SymKind.OBJECT)
            ]
            return union(made) if made else Sym(SymKind.OBJECT, summary.class_name, target.path)
        return self.returned(summary, target, depth)

    def returned(self, summary: FunctionSummary, target: ModuleSummary, depth: int) -> Sym:
        """What a project function returns: a client it builds (then a factory), else
        whatever its return statements or annotation say."""
        results = []
        for returned in summary.returns:
            sym = self.symbol(returned, target, depth + 1)
            if sym.kind is SymKind.CLIENT:
                resolution = sym.resolution
                if resolution is Resolution.IMPORT:
                    resolution = Resolution.FACTORY
                return Sym(SymKind.CLIENT, obj=sym.obj, resolution=resolution)
            results.append(sym)
        annotated = self.annotated(summary.return_annotation, target, depth + 1)
        if annotated.kind is SymKind.CLIENT:
            return Sym(SymKind.CLIENT, resolution=Resolution.FACTORY)
        return union([*results, annotated])

    # -- call sites ----------------------------------------------------------

    def invocations(
        self, mod: ModuleSummary, site: CallSite, depth: int = 0
    ) -> tuple[Invocation, ...]:
        """The project functions ``site`` calls, each with the call as it receives it."""
        found = self._invocations.get(id(site))
        if found is None:
            self._invocations[id(site)] = ()  # while resolving: a call site of itself
            found = self._invocations[id(site)] = tuple(self._invoked(mod, site, depth))
        return found

    def _invoked(self, mod: ModuleSummary, site: CallSite, depth: int) -> Iterator[Invocation]:
        call = site.call
        callee = site.callee
        receiver = callee.base if callee.kind is ExprKind.ATTR else None
        callee_sym = self.symbol(callee, mod, depth + 1)
        for alternative in alternatives(callee_sym):
            if alternative.kind is SymKind.FUNCTION:
                yield Invocation(alternative, call, "", receiver)
            elif alternative.kind is SymKind.CLASS:
                instance = Sym(SymKind.OBJECT, alternative.name, alternative.module)
                init = self.class_member(instance, "__init__", 0)
                if init.kind is SymKind.FUNCTION:
                    yield Invocation(init, call)
            elif alternative.kind is SymKind.EXTERNAL:
                runner = self.runners.functions.get(alternative.name)
                if runner is not None:
                    yield from self._handed(mod, call, runner, depth)
        if callee.kind is not ExprKind.ATTR:
            return
        method = str(callee.value)
        task_runner = self.runners.task_methods.get(method)
        if task_runner is not None and receiver is not None:
            for task in alternatives(self.symbol(receiver, mod, depth + 1)):
                found = self.function(task)
                if found is not None:
                    bound = self.bound_task(found[0])
                    yield Invocation(task, task_runner.received(call, receiver, bound), method)
        runner = self.runners.methods.get(method)
        if runner is not None:
            yield from self._handed(mod, call, runner, depth)

    def _handed(
        self, mod: ModuleSummary, call: Expr, runner: Runner, depth: int
    ) -> Iterator[Invocation]:
        handed = runner.handed(call)
        if handed is None:
            return
        for target in alternatives(self.symbol(handed, mod, depth + 1)):
            if target.kind is SymKind.FUNCTION:
                receiver = handed.base if handed.kind is ExprKind.ATTR else None
                yield Invocation(target, runner.received(call, handed), runner.label, receiver)

    def bound_task(self, function: FunctionSummary) -> bool:
        """A Celery task declared with ``bind=True``: its first parameter is the task."""
        registered = self.runners.registered(function.decorators)
        if registered is None or registered[1].kind is not ExprKind.CALL:
            return False
        bind = registered[1].keyword("bind")
        return bind is not None and bind.kind is ExprKind.CONST and bind.value is True

    def sites_of(self, function: Sym, depth: int = 0) -> Iterator[tuple[ModuleSummary, Invocation]]:
        """The invocations of a project function, found among the call sites that name it
        (through an alias they are not found: this serves typing, not the call graph)."""
        parts = function.name.split(".")
        # A constructor is called by its class's name (``EventReporter(client)``).
        name = parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[-1]
        for module, site in self.by_callee().get(name, ()):
            for invocation in self.invocations(module, site, depth + 1):
                target = invocation.target
                if target.name == function.name and target.module == function.module:
                    yield module, invocation

    def by_callee(self) -> dict[str, list[tuple[ModuleSummary, CallSite]]]:
        """Call sites by the names that may call a function: the callee's, a task's
        (``task.delay()``), a callable handed to a runner (``add_task(send, ...)``)."""
        if self._by_callee is None:
            index: dict[str, list[tuple[ModuleSummary, CallSite]]] = {}
            add = index.setdefault
            task_methods = self.runners.task_methods
            handing = self.runners.function_names | self.runners.methods.keys()
            callable_kinds = (ExprKind.NAME, ExprKind.ATTR)
            for module in self.summaries.values():
                for site in module.calls:
                    callee = site.callee
                    if callee.kind not in callable_kinds:
                        continue
                    entry = (module, site)
                    name = str(callee.value)
                    add(name, []).append(entry)
                    base = callee.base
                    if name in task_methods and base is not None and base.kind in callable_kinds:
                        add(str(base.value), []).append(entry)
                    if name in handing:
                        for argument in _argument_names(site.call):
                            add(argument, []).append(entry)
            self._by_callee = index
        return self._by_callee

    def param_type(self, param: Expr, mod: ModuleSummary, depth: int) -> Sym:
        """An unannotated parameter: what the call sites of its function pass for it."""
        owner = self.param_owner(param, mod)
        if owner is None or depth > MAX_DEPTH:
            return UNKNOWN
        function, name = owner
        key = (mod.path, function.qualname, name)
        found = self._param_types.get(key)
        if found is not None:
            return found
        if key in self._typing:
            return UNKNOWN
        self._typing.add(key)
        try:
            passed = []
            target = Sym(SymKind.FUNCTION, function.qualname, mod.path)
            for module, invocation in self.sites_of(target, depth + 1):
                argument = bind_arguments(function, invocation.call).get(name)
                if argument is not None:
                    passed.append(self.symbol(argument, module, depth + 1))
            found = union(passed)
            if found.kind is SymKind.UNKNOWN:
                found = self.defaulted(function, name, mod, depth)
        finally:
            self._typing.discard(key)
        self._param_types[key] = found
        return found

    def defaulted(
        self, function: FunctionSummary, name: str, mod: ModuleSummary, depth: int
    ) -> Sym:
        """A parameter no call site passes: what its default is (FastAPI's
        ``resources=Depends(get_resources)``: what the dependency returns)."""
        default = next((p.default for p in function.params if p.name == name), None)
        return self.symbol(default, mod, depth + 1) if default is not None else UNKNOWN

    def param_owner(self, param: Expr, mod: ModuleSummary) -> tuple[FunctionSummary, str] | None:
        owners = self._params.get(mod.path)
        if owners is None:
            owners = self._params[mod.path] = {
                (p.span.start_line, p.span.start_col): (function, p.name)
                for function in mod.functions.values()
                for p in function.params
            }
        return owners.get((param.span.start_line, param.span.start_col))


def _module_sym(module: Module) -> Sym:
    return Sym(
        SymKind.MODULE, module.path, module.path, obj=NAMESPACE if module.namespace else None
    )


def is_getter(method: FunctionSummary) -> bool:
    """A ``@property`` (or ``@cached_property``) getter."""
    return any(d.chain()[-1:] and d.chain()[-1] in _GETTERS for d in method.decorators)


def _dict_read(container: Sym, method: str) -> Sym:
    """``providers.values()``, ``.items()`` (as pairs of which the key is unknown), ``.copy()``."""
    if method == "items":
        pairs = tuple(Sym(SymKind.SEQ, elements=(element,)) for element in container.elements)
        return Sym(SymKind.SEQ, elements=pairs)
    if method == "values":
        return Sym(SymKind.SEQ, elements=container.elements)
    return container


def _constant_key(key: Expr) -> str | None:
    return key.value if key.kind is ExprKind.CONST and isinstance(key.value, str) else None


def _argument_names(call: Expr) -> Iterator[str]:
    for arg in (*call.args, *(value for _, value in call.keywords)):
        if arg.kind in (ExprKind.NAME, ExprKind.ATTR):
            yield str(arg.value)


def object_id(path: str, call: Expr) -> str:
    return f"{path}:{call.span.start_line}:{call.span.start_col}"


def _makes_own_class(function: FunctionSummary) -> bool:
    """A method whose result is an instance of its receiver's class: annotated ``Self``,
    or returning ``cls(...)`` (a call of its first parameter)."""
    annotation = function.return_annotation or ""
    if annotation == "Self" or annotation.endswith(".Self"):
        return True
    return any(
        returned.kind is ExprKind.CALL
        and returned.base is not None
        and returned.base.kind is ExprKind.NAME
        and returned.base.origin is not None
        and (returned.base.origin.annotation or "").startswith("<self>")
        for returned in function.returns
    )
