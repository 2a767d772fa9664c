"""What a parsed file's code refers to (kept with its summary), what an unparsed
file's code uses of what it imports (``References``, from CPython's syntax tree),
and which of those uses reach what is wanted (``Uses``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mixlint.model import Expr, ExprKind, ModuleSummary
from mixlint.modules import Module, ModuleFinder
from mixlint.prefilter.scan import cpython_tree, join_import

# -- relevance ------------------------------------------------------------------------

# Strings whose value matters beyond their own file: Mixpanel hosts (an HTTP request
# or a consumer configured from a constant) and the deletion API. Not any text that
# mentions Mixpanel (a help_text, a docstring-like label).
_SEED_STRINGS = ("mixpanel.com", "data-deletions", "/api/app/data-", "people_delete")

Node = tuple[str, str, str]  # ("g" global | "f" function | "c" class | "m" module, path, name)


@dataclass(slots=True)
class Refs:
    """What an expression refers to: names of its module, imports, defs, classes."""

    seed: bool = False
    names: set[str] = field(default_factory=set)
    # an import's target and the attributes read from it: ("pkg", ("sub", "client"))
    imports: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    defs: set[str] = field(default_factory=set)  # "def:qualname" / "class:qualname"
    classes: set[str] = field(default_factory=set)  # self's class
    attrs: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)  # name.attr.attr

    def add(self, expr: Expr | None, seen: set[int], spine: bool = False) -> None:
        """What ``expr`` refers to. ``spine``: only what decides what the expression is
        (what the resolver reads): not the arguments of a call, the index of a
        subscript, the test of a condition, nor the parts of a string or a sum."""
        if expr is None:
            return
        stack = [expr]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            kind = node.kind
            if kind is ExprKind.CONST:
                if isinstance(node.value, str) and _seed_string(node.value):
                    self.seed = True
                continue
            if kind is ExprKind.NAME:
                if node.origin is not None:
                    stack.append(node.origin)
                else:
                    self.names.add(str(node.value))
                continue
            if kind is ExprKind.IMPORT:
                self.imports.add((str(node.value), ()))
                continue
            if kind is ExprKind.PARAM:
                self.annotation(node.annotation)
                continue
            if kind is ExprKind.FSTRING and _seed_string(node.text):
                self.seed = True
            if (
                kind is ExprKind.OTHER
                and isinstance(node.value, str)
                and (node.value.startswith(("def:", "class:")))
            ):
                self.defs.add(node.value)
            if kind is ExprKind.ATTR and self.dotted(node, stack):
                continue
            if spine:
                _spine(node, stack)
                continue
            if node.base is not None:
                stack.append(node.base)
            if node.origin is not None:
                stack.append(node.origin)
            stack.extend(node.args)
            stack.extend(value for _, value in node.keywords)
            for key, value in node.items:
                if key is not None:
                    stack.append(key)
                stack.append(value)

    def dotted(self, node: Expr, stack: list[Expr]) -> bool:
        """``a.b.c`` over an import or a module global: one dotted reference."""
        attrs: list[str] = []
        current: Expr | None = node
        while current is not None and current.kind is ExprKind.ATTR:
            attrs.append(str(current.value))
            current = current.base
        if current is None:
            return False
        attrs.reverse()
        if (
            current.kind is ExprKind.NAME
            and current.origin is not None
            and (current.origin.kind is ExprKind.IMPORT)
        ):
            self.imports.add((str(current.origin.value), tuple(attrs)))
            return True
        if current.kind is ExprKind.NAME and current.origin is None:
            self.attrs.add((str(current.value), tuple(attrs)))
            return True
        if current.kind is ExprKind.PARAM and (current.annotation or "").startswith("<self>"):
            self.classes.add(str(current.annotation)[len("<self>") :])
            return True
        stack.append(current)
        return True

    def annotation(self, annotation: str | None) -> None:
        for part in (annotation or "").split("|"):
            if not part:
                continue
            if part.startswith("<self>"):
                self.classes.add(part[len("<self>") :])
                continue
            head, _, rest = part.partition(".")
            if rest:
                self.attrs.add((head, tuple(rest.split("."))))
            else:
                self.names.add(head)


def _spine(node: Expr, stack: list[Expr]) -> None:
    """The parts of ``node`` that decide what it is, as ``ProjectIndex.symbol`` reads it."""
    kind = node.kind
    if kind in (ExprKind.CALL, ExprKind.SUBSCRIPT, ExprKind.ITER, ExprKind.STARRED):
        if node.base is not None:
            stack.append(node.base)
    elif kind in (ExprKind.SEQ, ExprKind.COND, ExprKind.BOOLOP):
        stack.extend(node.args)


def _seed_string(value: str) -> bool:
    lowered = value.lower()
    return any(seed in lowered for seed in _SEED_STRINGS)


class ModuleRefs:
    """The references of one summary's parts, computed once per summary."""

    def __init__(self, summary: ModuleSummary) -> None:
        self.summary = summary
        self._globals: dict[str, Refs] = {}
        self._functions: dict[str, Refs] = {}
        self._classes: dict[str, Refs] = {}
        self._callees: list[tuple[Refs, Refs]] | None = None
        # What the cache holds, unpacked when asked for (most of it never is).
        self._packed: tuple[dict[str, Any], dict[str, Any], dict[str, Any]] = ({}, {}, {})
        self.methods: dict[str, list[str]] = {}
        for qualname, function in summary.functions.items():
            if function.class_name is not None:
                self.methods.setdefault(function.class_name, []).append(qualname)

    def preload(self, data: RefsData) -> None:
        globals_, functions, classes, callees = data
        self._packed = (globals_, functions, classes)
        self._callees = [(_unpack(callee), _unpack(arguments)) for callee, arguments in callees]

    def global_(self, name: str) -> Refs:
        refs = self._globals.get(name)
        if refs is None and name in self._packed[0]:
            refs = self._globals[name] = _unpack(self._packed[0][name])
        if refs is None:
            refs = Refs()
            seen: set[int] = set()
            for value in self.summary.globals.get(name, ()):
                refs.add(value, seen)
            self._globals[name] = refs
        return refs

    def function(self, qualname: str) -> Refs:
        """What a function's result refers to (factories)."""
        refs = self._functions.get(qualname)
        if refs is None and qualname in self._packed[1]:
            refs = self._functions[qualname] = _unpack(self._packed[1][qualname])
        if refs is None:
            refs = Refs()
            function = self.summary.functions.get(qualname)
            if function is not None:
                seen: set[int] = set()
                for value in function.returns:
                    refs.add(value, seen)
                refs.annotation(function.return_annotation)
            self._functions[qualname] = refs
        return refs

    def class_(self, qualname: str) -> Refs:
        """A class's attributes and bases."""
        refs = self._classes.get(qualname)
        if refs is None and qualname in self._packed[2]:
            refs = self._classes[qualname] = _unpack(self._packed[2][qualname])
        if refs is None:
            refs = Refs()
            seen: set[int] = set()
            for base in self.summary.class_bases.get(qualname, ()):
                refs.add(base, seen)
            prefix = qualname + "."
            for name, values in self.summary.class_attrs.items():
                if name.startswith(prefix) and "." not in name[len(prefix) :]:
                    for value in values:
                        refs.add(value, seen)
            self._classes[qualname] = refs
        return refs

    def callees(self) -> list[tuple[Refs, Refs]]:
        """What decides the callee of each call, and what its arguments refer to."""
        if self._callees is None:
            self._callees = []
            for site in self.summary.calls:
                callee = Refs()
                callee.add(site.callee, set(), spine=True)
                arguments = Refs()
                seen: set[int] = set()
                for argument in (*site.call.args, *(value for _, value in site.call.keywords)):
                    arguments.add(argument, seen)
                self._callees.append((callee, arguments))
        return self._callees

    def bases(self, qualname: str) -> Refs:
        """A class's bases (not its attributes: what the rules read never reaches them)."""
        refs = Refs()
        seen: set[int] = set()
        for base in self.summary.class_bases.get(qualname, ()):
            refs.add(base, seen)
        return refs


RefsData = tuple[Any, ...]


def _pack(refs: Refs) -> RefsData | None:
    if not (refs.seed or refs.names or refs.imports or refs.defs or refs.classes or refs.attrs):
        return None
    return (
        refs.seed,
        tuple(refs.names),
        tuple(refs.imports),
        tuple(refs.defs),
        tuple(refs.classes),
        tuple(refs.attrs),
    )


def _unpack(data: RefsData | None) -> Refs:
    if data is None:
        return Refs()
    seed, names, imports, defs, classes, attrs = data
    return Refs(bool(seed), set(names), set(imports), set(defs), set(classes), set(attrs))


def module_refs(summary: ModuleSummary) -> RefsData:
    """Everything the prefilter's rounds ask of a summary, worked out once (plain data,
    cached with the summary, so a later run does not walk its expressions again)."""
    refs = ModuleRefs(summary)
    return (
        {name: _pack(refs.global_(name)) for name in summary.globals if name != "*"},
        {name: _pack(refs.function(name)) for name in summary.functions},
        {name: _pack(refs.class_(name)) for name in summary.class_bases},
        [(_pack(callee), _pack(arguments)) for callee, arguments in refs.callees()],
    )


class References:
    """The dotted names a file's code refers to, through what its imports bind, as
    written (relative ones with their dots): resolved by ``Selector`` (``Uses``).

    ``import app.tracking`` binds ``app``: ``app.tracking.Tracker`` refers to
    ``app.tracking.Tracker``; ``from app import tracking as t`` binds ``t``:
    ``t.Tracker`` refers to the same. Read from CPython's syntax tree: names and
    attribute chains in the code, and the names in string annotations (which the
    collector reads as names too); never the text of other strings or comments.
    ``bindings``: what the import statements themselves bind, (name, target; ``*``,
    the module), which another module reads when it imports the name from this one.
    """

    __slots__ = ("bindings", "chains", "stored")

    def __init__(
        self,
        chains: frozenset[str],
        bindings: tuple[tuple[str, str], ...],
        stored: frozenset[str],
    ) -> None:
        self.chains = chains
        self.bindings = bindings
        self.stored = stored  # chains that are stored or returned as they are (x = mod)

    @classmethod
    def of(cls, data: bytes) -> References | None:
        tree = cpython_tree(data)
        if tree is None:
            return None
        bound: dict[str, set[str]] = {}
        stars: set[str] = set()
        written: set[str] = set()
        stored: set[str] = set()
        pending: list[ast.AST] = [tree]
        while pending:
            node = pending.pop()
            if isinstance(node, _STORING) and isinstance(node.value, ast.Attribute | ast.Name):
                chain, _ = _chain(node.value)
                if chain is not None:
                    stored.add(chain)
            if isinstance(node, ast.Attribute | ast.Name):
                # The longest chain only (``reach`` tries its prefixes); below a chain that
                # does not start at a name (``f().x``), what it starts from.
                chain, start = _chain(node)
                if chain is not None:
                    written.add(chain)
                else:
                    pending.append(start)
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bound.setdefault(alias.asname, set()).add(alias.name)
                    else:
                        root = alias.name.split(".")[0]
                        bound.setdefault(root, set()).add(root)
                continue
            if isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                for alias in node.names:
                    if alias.name == "*":
                        stars.add(base)
                    else:
                        target = join_import(base, alias.name)
                        bound.setdefault(alias.asname or alias.name, set()).add(target)
                continue
            if isinstance(node, ast.Constant):
                continue
            if isinstance(node, ast.arg | ast.AnnAssign):
                written.update(_string_annotations(node.annotation))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                written.update(_string_annotations(node.returns))
            pending.extend(ast.iter_child_nodes(node))

        def expanded(chains: set[str]) -> frozenset[str]:
            found: set[str] = set()
            for chain in chains:
                root, _, rest = chain.partition(".")
                targets = bound.get(root) or {join_import(star, root) for star in stars}
                found.update(f"{target}.{rest}" if rest else target for target in targets)
            return frozenset(found)

        bindings = [(name, target) for name, targets in bound.items() for target in targets]
        bindings.extend(("*", star) for star in stars)
        return cls(expanded(written), tuple(sorted(bindings)), expanded(stored))


# Where an expression is kept as it is: a module bound to a name there is still used.
_STORING = (
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.NamedExpr,
    ast.Return,
    ast.Yield,
    ast.YieldFrom,
)


def _chain(node: ast.Attribute | ast.Name) -> tuple[str | None, ast.expr]:
    """``a.b.c`` of a name or an attribute chain rooted at a name; else None and the
    expression the chain starts from."""
    parts: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if not isinstance(current, ast.Name):
        return None, current
    parts.append(current.id)
    return ".".join(reversed(parts)), current


def _string_annotations(annotation: ast.expr | None) -> Iterator[str]:
    """The names in the strings of an annotation (``"Tracker | None"``), as
    ``mixlint.collect`` reads them."""
    for node in ast.walk(annotation) if annotation is not None else ():
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for part in node.value.replace("|", ",").split(","):
                if part.strip():
                    yield part.strip()


@dataclass(slots=True)
class Wanted:
    """The relevant names a file may use, by (path of their module, name); ``bound``:
    those that are modules (``from . import tracking``), -> that module's path;
    ``bare``: modules whose object itself counts where it is stored or returned
    (``module = tracking``); ``any_name``: modules any name of which counts (``*``)."""

    names: set[tuple[str, str]] = field(default_factory=set)
    bound: dict[tuple[str, str], str] = field(default_factory=dict)
    bare: set[str] = field(default_factory=set)
    any_name: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.names or self.bound or self.bare or self.any_name)

    def matches(self, module: Module | None, attrs: tuple[str, ...], stored: bool) -> bool:
        """Is ``module.attrs[0].attrs[1]...`` one of them (or something in one)?"""
        if module is None:
            return False
        path = module.path
        while True:
            if not attrs:
                return stored and path in self.bare
            if path in self.any_name or (path, attrs[0]) in self.names:
                return True
            target = self.bound.get((path, attrs[0]))
            if target is None:
                return False
            path, attrs = target, attrs[1:]


class Uses:
    """A file's ``References``, resolved by the project's module finder: what module
    (and attributes of it) each chain of its code, each value it stores or returns,
    and each name its import statements bind, stand for."""

    def __init__(self, references: References, path: str, finder: ModuleFinder) -> None:
        self.path = path
        self.chains = [finder.cut(path, chain) for chain in references.chains]
        self.stored = [finder.cut(path, chain) for chain in references.stored]
        self.bindings = []
        own = Module(path) if path.endswith("__init__.py") or path == "__init__.py" else None
        for name, target in references.bindings:
            module, attrs = finder.cut(path, target)
            # A package's own submodule bound by its name (``from . import run``) is no
            # re-export: ``from pkg import run`` elsewhere names the submodule itself.
            if own is not None and not attrs and module == finder.child(own, name):
                continue
            self.bindings.append((name, module, attrs))

    def reach(self, wanted: Wanted) -> bool:
        return any(wanted.matches(module, attrs, False) for module, attrs in self.chains) or any(
            wanted.matches(module, attrs, True) for module, attrs in self.stored
        )

    def exported(self, wanted: Wanted) -> Iterator[str]:
        """The names the file's import statements bind to one of ``wanted`` (``*``: it
        re-exports a module that holds some)."""
        for name, module, attrs in self.bindings:
            if name == "*":
                if module is not None and not attrs and _holds(module.path, wanted):
                    yield name
            elif wanted.matches(module, attrs, True):
                yield name


def _holds(path: str, wanted: Wanted) -> bool:
    return (
        path in wanted.any_name
        or path in wanted.bare
        or any(module == path for module, _ in wanted.names)
        or any(module == path for module, _ in wanted.bound)
    )
