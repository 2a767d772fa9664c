"""What does an expression refer to, across modules? Clients, SDK names, project functions.

``ProjectIndex.symbol`` follows an ``Expr`` through local origins, module
globals, imports (absolute, relative, re-exports, star imports), class and
instance attributes (``self.mp`` set in any method, base classes), factories
(``get_mixpanel()``), annotations and containers, without executing anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from mixlint.model import Expr, ExprKind, FunctionSummary, ModuleSummary, Resolution
from mixlint.sdk import Sdk

MAX_DEPTH = 40


class SymKind(str, Enum):
    MODULE = "module"  # a project module; name: dotted module name
    EXTERNAL = "external"  # anything outside the project, SDK included; name: qualified name
    INSTANCE = "instance"  # an instance of an external class; name: the class's qualified name
    FUNCTION = "function"  # a project function; module + name (qualname)
    CLASS = "class"  # a project class; module + name
    OBJECT = "object"  # an instance of a project class; module + name
    CLIENT = "client"  # a Mixpanel client; obj: construction id; resolution
    FLAGS = "flags"  # mp.local_flags / mp.remote_flags of a client
    SEQ = "seq"  # a container; elements
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Sym:
    kind: SymKind
    name: str = ""
    module: str = ""
    obj: str | None = None
    resolution: Resolution | None = None
    elements: tuple[Sym, ...] = ()


UNKNOWN = Sym(SymKind.UNKNOWN)


def module_of(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else ""


class ProjectIndex:
    def __init__(
        self, summaries: Iterable[ModuleSummary], source_roots: dict[str, str], sdk: Sdk
    ) -> None:
        self.sdk = sdk
        self.summaries = {summary.path: summary for summary in summaries}
        self.source_roots = source_roots  # path -> its source root ("" for the project root)
        self.by_module: dict[str, list[ModuleSummary]] = {}
        for summary in self.summaries.values():
            self.by_module.setdefault(summary.module, []).append(summary)
        self._cache: dict[tuple[int, str], Sym] = {}
        self._active: set[tuple[str, str]] = set()

    # -- modules -------------------------------------------------------------

    def find_module(self, name: str, importer: ModuleSummary) -> ModuleSummary | None:
        """A project module as the importer would import it.

        A module of another source root (a folder of scripts) is only visible from
        its own root: its ``mixpanel.py`` shadows the SDK there and nowhere else.
        """
        candidates = self.by_module.get(name)
        if not candidates:
            return None
        own_root = self.source_roots.get(importer.path, "")
        for candidate in candidates:
            if self.source_roots.get(candidate.path, "") == own_root:
                return candidate
        for candidate in candidates:
            if self.source_roots.get(candidate.path, "") in ("", "src"):
                return candidate
        return None

    def qualified(self, name: str, importer: ModuleSummary, depth: int) -> Sym:
        """A dotted import target, resolved into the project where it points there."""
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            module = self.find_module(".".join(parts[:cut]), importer)
            if module is None:
                continue
            sym = Sym(SymKind.MODULE, module.module, module.path)
            for attr in parts[cut:]:
                sym = self.member(sym, attr, importer, depth + 1)
            return sym
        return Sym(SymKind.EXTERNAL, name)

    def module_summary(self, sym: Sym) -> ModuleSummary | None:
        return self.summaries.get(sym.module)

    # -- symbols -------------------------------------------------------------

    def symbol(self, expr: Expr | None, mod: ModuleSummary, depth: int = 0) -> Sym:
        if expr is None or depth > MAX_DEPTH:
            return UNKNOWN
        key = (id(expr), mod.path)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = self._symbol(expr, mod, depth)
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
            return self.annotated(expr.annotation, mod, sub)
        if kind is ExprKind.ATTR:
            return self.member(self.symbol(expr.base, mod, sub), str(expr.value), mod, sub)
        if kind is ExprKind.CALL:
            return self.call_result(expr, mod, sub)
        if kind is ExprKind.SEQ:
            return Sym(SymKind.SEQ, elements=tuple(self.symbol(e, mod, sub) for e in expr.args))
        if kind in (ExprKind.ITER, ExprKind.SUBSCRIPT, ExprKind.STARRED):
            container = self.symbol(expr.base, mod, sub)
            if container.kind is SymKind.SEQ:
                for element in container.elements:
                    if element.kind is SymKind.CLIENT:
                        return element
                return container.elements[0] if container.elements else UNKNOWN
            return UNKNOWN
        if kind is ExprKind.COND:
            for alternative in expr.args:
                sym = self.symbol(alternative, mod, sub)
                if sym.kind is not SymKind.UNKNOWN:
                    return sym
            return UNKNOWN
        if kind is ExprKind.BOOLOP:
            for operand in reversed(expr.args):
                sym = self.symbol(operand, mod, sub)
                if sym.kind is not SymKind.UNKNOWN:
                    return sym
            return UNKNOWN
        if kind is ExprKind.OTHER and isinstance(expr.value, str):
            # Bindings made by `def` and `class` statements.
            prefix, _, qualname = expr.value.partition(":")
            if prefix == "def":
                return Sym(SymKind.FUNCTION, qualname, mod.path)
            if prefix == "class":
                return Sym(SymKind.CLASS, qualname, mod.path)
        return UNKNOWN

    def global_symbol(self, mod: ModuleSummary, name: str, depth: int) -> Sym:
        active = (mod.path, name)
        if active in self._active:
            return UNKNOWN
        self._active.add(active)
        try:
            best = UNKNOWN
            for value in mod.globals.get(name, ()):
                sym = self.symbol(value, mod, depth + 1)
                if sym.kind is SymKind.CLIENT:
                    return sym
                if best.kind is SymKind.UNKNOWN:
                    best = sym
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
            return Sym(SymKind.OBJECT, annotation[len("<self>") :], mod.path)
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
                return Sym(SymKind.OBJECT, target.name, target.module)
        return UNKNOWN

    def member(self, owner: Sym, attr: str, mod: ModuleSummary, depth: int) -> Sym:
        if depth > MAX_DEPTH:
            return UNKNOWN
        if owner.kind is SymKind.MODULE:
            target = self.summaries.get(owner.module)
            if target is None:
                return UNKNOWN
            if attr in target.globals or "*" in target.globals:
                sym = self.global_symbol(target, attr, depth + 1)
                if sym.kind is not SymKind.UNKNOWN:
                    return sym
            if attr in target.functions:
                return Sym(SymKind.FUNCTION, attr, target.path)
            submodule = self.find_module(f"{owner.name}.{attr}", target)
            if submodule is not None:
                return Sym(SymKind.MODULE, submodule.module, submodule.path)
            return UNKNOWN
        if owner.kind is SymKind.EXTERNAL:
            return Sym(SymKind.EXTERNAL, f"{owner.name}.{attr}")
        if owner.kind is SymKind.CLIENT and attr in self.sdk.flag_providers:
            return Sym(SymKind.FLAGS, attr, obj=owner.obj, resolution=owner.resolution)
        if owner.kind in (SymKind.OBJECT, SymKind.CLASS):
            return self.class_member(owner, attr, depth + 1)
        return UNKNOWN

    def class_member(
        self, owner: Sym, attr: str, depth: int, seen: frozenset[str] = frozenset()
    ) -> Sym:
        target = self.summaries.get(owner.module)
        if target is None or owner.name in seen or depth > MAX_DEPTH:
            return UNKNOWN
        best = UNKNOWN
        for value in target.class_attrs.get(f"{owner.name}.{attr}", ()):
            sym = self.symbol(value, target, depth + 1)
            if sym.kind is SymKind.CLIENT:
                return sym
            if best.kind is SymKind.UNKNOWN:
                best = sym
        if best.kind is not SymKind.UNKNOWN:
            return best
        method = f"{owner.name}.{attr}"
        if method in target.functions:
            return Sym(SymKind.FUNCTION, method, target.path)
        for base in target.class_bases.get(owner.name, ()):
            base_sym = self.symbol(base, target, depth + 1)
            if base_sym.kind is SymKind.CLASS:
                found = self.class_member(
                    Sym(SymKind.OBJECT, base_sym.name, base_sym.module),
                    attr,
                    depth + 1,
                    seen | {owner.name},
                )
                if found.kind is not SymKind.UNKNOWN:
                    return found
        return UNKNOWN

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
        callee = self.symbol(call.base, mod, depth + 1)
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
        if found is not None:
            summary, target = found
            for returned in summary.returns:
                sym = self.symbol(returned, target, depth + 1)
                if sym.kind is SymKind.CLIENT:
                    resolution = sym.resolution
                    if resolution is Resolution.IMPORT:
                        resolution = Resolution.FACTORY
                    return Sym(SymKind.CLIENT, obj=sym.obj, resolution=resolution)
            annotated = self.annotated(summary.return_annotation, target, depth + 1)
            if annotated.kind is SymKind.CLIENT:
                return Sym(SymKind.CLIENT, resolution=Resolution.FACTORY)
        return UNKNOWN


def object_id(path: str, call: Expr) -> str:
    return f"{path}:{call.span.start_line}:{call.span.start_col}"
