"""What matters, worked out over the parsed files: the names that reach tracking
(``Relevance``), what the rules read (``Needs``) and the modules re-exporting them
(``Exports``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import NamedTuple

from mixlint.model import Expr, ExprKind, ModuleSummary, ProjectModel
from mixlint.modules import Module, ModuleFinder, parent
from mixlint.prefilter.references import ModuleRefs, Node, Refs, Wanted
from mixlint.prefilter.scan import Import, join_import

# What a parsed module refers to (``Selector.refs``: kept with its summary).
RefsOf = Callable[[ModuleSummary], ModuleRefs]


class Reached(NamedTuple):
    """What an import statement reaches that matters: a relevant ``name`` of
    ``module``, imported by its name; or (``name`` None) ``module`` imported whole,
    which exports relevant names or holds modules that do."""

    module: Module
    name: str | None = None


class Reach:
    """Does an unparsed file's import statement reach a relevant name? (the check shared
    by a round and by a run that reuses the last one's findings)"""

    finder: ModuleFinder
    exporting: AbstractSet[str]

    def parsed(self, path: str) -> bool:
        raise NotImplementedError

    def exports(self, path: str, name: str) -> bool:
        raise NotImplementedError

    def ancestor(self, module: Module) -> bool:
        raise NotImplementedError

    def imported_by(self, importer: str, records: Sequence[Import]) -> bool:
        return any(True for _ in self.reached(importer, records))

    def reached(self, importer: str, records: Sequence[Import]) -> Iterator[Reached]:
        """What the import statements reach that matters (see ``Reached``)."""
        finder = self.finder
        for level, module, names in records:
            if names is None:
                parts = module.split(".")
                for size in range(1, len(parts) + 1):
                    found = finder.find(importer, ".".join(parts[:size]))
                    if found is not None and (found.path in self.exporting or self.ancestor(found)):
                        yield Reached(found)
                continue
            spec = "." * level + module
            for name in names:
                dotted = spec if name == "*" else join_import(spec, name)
                target, attrs = finder.cut(importer, dotted)
                if target is None or not self.parsed(target.path):
                    continue
                if not attrs:
                    if target.path in self.exporting or self.ancestor(target):
                        yield Reached(target)
                elif self.exports(target.path, attrs[0]):
                    yield Reached(target, attrs[0])


def _ancestors(exporting: Iterable[str]) -> set[str]:
    """The folders above the exporting modules (the packages that hold them)."""
    found = set()
    for path in exporting:
        folder = parent(path)
        while folder not in found:
            found.add(folder)
            if not folder:
                break
            folder = parent(folder)
    return found


@dataclass(frozen=True, slots=True)
class Exports:
    """What the parsed files of a finished selection export that matters (plain data,
    remembered with the findings): enough to tell whether a changed unparsed file
    now imports something relevant, without parsing anything."""

    parsed: frozenset[str]
    exporting: frozenset[str]
    names: dict[str, frozenset[str]]  # path -> its relevant global names
    stars: frozenset[str]  # exporting modules with ``import *``: any name may be relevant

    def reaches(self, finder: ModuleFinder, importer: str, records: Sequence[Import]) -> bool:
        return StoredReach(self, finder).imported_by(importer, records)


class StoredReach(Reach):
    def __init__(self, exports: Exports, finder: ModuleFinder) -> None:
        self.finder = finder
        self.stored = exports
        self.exporting = exports.exporting
        self._ancestors = _ancestors(exports.exporting)

    def parsed(self, path: str) -> bool:
        return path in self.stored.parsed

    def exports(self, path: str, name: str) -> bool:
        return name in self.stored.names.get(path, ()) or path in self.stored.stars

    def ancestor(self, module: Module) -> bool:
        return module.package and module.folder in self._ancestors


class Relevance(Reach):
    """Which names of the parsed modules matter to a file that imports them (a fixed point)."""

    def __init__(
        self,
        finder: ModuleFinder,
        refs: RefsOf,
        modules: Mapping[str, ModuleSummary],
        model: ProjectModel,
    ) -> None:
        self.refs = refs
        self.finder = finder
        self.modules = modules
        self.model = model
        self.relevant: set[Node] = set()
        self.dependents: dict[Node, list[Node]] = {}
        self.built: set[Node] = set()
        self.exporting: set[str] = set()  # paths of modules with relevant names
        self._queue: list[Node] = []
        self._ancestors: set[str] | None = None
        self._names: dict[str, set[str]] | None = None
        # names_under's answers: the relevant names it reads are fixed once it is asked.
        self._under: dict[Module, list[tuple[str, str]] | None] = {}
        self._pending: list[Node] = []

    # graph

    def node_refs(self, node: Node) -> Iterator[Node | None]:
        """The nodes ``node`` depends on; None stands for "relevant in itself"."""
        kind, path, name = node
        summary = self.modules[path]
        refs = self.refs(summary)
        if kind == "g":
            if name in summary.globals:
                yield from self.resolve(refs.global_(name), summary)
            else:
                for star in summary.globals.get("*", ()):
                    yield from self.imported(f"{star.value!s}.{name}", path)
        elif kind == "f":
            yield from self.resolve(refs.function(name), summary)
        elif kind == "c":
            for method in refs.methods.get(name, ()):
                yield ("f", path, method)
            yield from self.resolve(refs.class_(name), summary)
        else:
            for global_name in summary.globals:
                if global_name != "*":
                    yield ("g", path, global_name)
            for qualname, function in summary.functions.items():
                if "." not in qualname and function.class_name is None:
                    yield ("f", path, qualname)
            for qualname in summary.class_bases:
                if "." not in qualname:
                    yield ("c", path, qualname)
            for star in summary.globals.get("*", ()):
                target, attrs = self.finder.cut(path, str(star.value))
                if target is not None and not attrs and target.path in self.modules:
                    yield ("m", target.path, "")

    def resolve(self, refs: Refs, summary: ModuleSummary) -> Iterator[Node | None]:
        path = summary.path
        if refs.seed:
            yield None
        for name in refs.names:
            yield ("g", path, name)
        for definition in refs.defs:
            prefix, _, qualname = definition.partition(":")
            yield ("f" if prefix == "def" else "c", path, qualname)
        for qualname in refs.classes:
            yield ("c", path, qualname)
        for target, attrs in refs.imports:
            yield from self.imported(".".join((target, *attrs)), path)
        for name, attrs in refs.attrs:
            bindings = summary.globals.get(name, ())
            if bindings and all(value.kind is ExprKind.IMPORT for value in bindings):
                for value in bindings:
                    yield from self.imported(".".join((str(value.value), *attrs)), path)
            else:
                yield ("g", path, name)

    def imported(self, dotted: str, importer: str) -> Iterator[Node | None]:
        if "mixpanel" in dotted.lower():
            yield None
            return
        target, attrs = self.finder.cut(importer, dotted)
        if target is None or target.path not in self.modules:
            return
        if not attrs:
            yield ("m", target.path, "")
        else:
            yield ("g", target.path, attrs[0])

    def build(self, node: Node) -> None:
        if node in self.built:
            return
        self.built.add(node)
        if node[1] not in self.modules:
            return
        for dependency in self.node_refs(node):
            if dependency is None:
                self.mark(node)
                continue
            self.dependents.setdefault(dependency, []).append(node)
            if dependency in self.relevant:
                self.mark(node)
            elif dependency not in self.built:
                self._pending.append(dependency)

    def mark(self, node: Node) -> None:
        if node not in self.relevant:
            self.relevant.add(node)
            self._queue.append(node)

    def run(self) -> None:
        # Relevant in themselves: functions with tracking calls or SDK objects.
        # A call that ``self.method()`` in a base class makes only for one subclass
        # (``requires``) is not: the code that calls the base method on that subclass
        # refers to the subclass (or its factory), which is relevant itself.
        for call in self.model.calls:
            if not call.requires:
                self.mark_function(call.function)
        for obj in self.model.objects:
            self.mark_function(f"{obj.path}::{obj.function}")
        # A caller of a relevant function is relevant (MX201 follows callers up).
        for callee, sites in self.model.callers.items():
            callee_node = function_node(callee)
            if callee_node is None:
                continue
            for site in sites:
                if site.requires:
                    continue
                caller = function_node(site.function)
                if caller is not None:
                    self.dependents.setdefault(callee_node, []).append(caller)
        for path, summary in self.modules.items():
            self._pending.append(("m", path, ""))
            for global_name in summary.globals:
                if global_name != "*":
                    self._pending.append(("g", path, global_name))
            for qualname in summary.functions:
                self._pending.append(("f", path, qualname))
            for qualname in summary.class_bases:
                self._pending.append(("c", path, qualname))
        while self._pending:
            self.build(self._pending.pop())
        while self._queue:
            node = self._queue.pop()
            for dependent in self.dependents.get(node, ()):
                self.mark(dependent)
        self.exporting = {path for kind, path, _ in self.relevant if kind == "m"}

    def mark_function(self, function_id: str) -> None:
        node = function_node(function_id)
        if node is not None and node[1] in self.modules:
            self.mark(node)

    # queries

    def exports(self, path: str, name: str) -> bool:
        """Does ``from <module at path> import name`` bring a relevant name?"""
        if ("g", path, name) in self.relevant:
            return True
        summary = self.modules.get(path)
        if summary is None:
            return False
        if name not in summary.globals and "*" in summary.globals:
            node = ("g", path, name)
            self._pending = [node]
            while self._pending:
                self.build(self._pending.pop())
            while self._queue:
                current = self._queue.pop()
                for dependent in self.dependents.get(current, ()):
                    self.mark(dependent)
            return node in self.relevant
        return False

    def reaches(self, refs: Refs, summary: ModuleSummary) -> bool:
        """Does what ``refs`` refers to in ``summary`` hold anything relevant?"""
        return any(node is None or node in self.relevant for node in self.resolve(refs, summary))

    def names_under(self, module: Module) -> list[tuple[str, str]] | None:
        """The relevant global names of ``module`` and of the modules below it, as (path,
        name) (None: one of them has an ``import *``, which may bring any name)."""
        if self._names is None:
            self._names = {}
            for kind, path, name in self.relevant:
                if kind == "g":
                    self._names.setdefault(path, set()).add(name)
        if module in self._under:
            return self._under[module]
        package = module.package
        prefix = f"{module.folder}/" if module.folder else ""
        found: list[tuple[str, str]] = []
        for path in self.exporting:
            if not (path == module.path or (package and path.startswith(prefix))):
                continue
            if "*" in self.modules[path].globals:
                self._under[module] = None
                return None
            found.extend((path, name) for name in self._names.get(path, ()))
        self._under[module] = found
        return found

    def spellings(self, names: Iterable[tuple[str, str]], wanted: Wanted) -> bool:
        """Add to ``wanted`` the relevant ``names`` (path, name) a file may use. A name
        bound to a module (``from . import tracking``) is used through the relevant names
        of that module (``tracking.Tracker``), or as the module itself where it is stored
        or returned. False: an ``import *`` may bring any name."""
        pending = list(names)
        while pending:
            key = pending.pop()
            if key in wanted.names or key in wanted.bound:
                continue
            target = self._module_bound(*key)
            if target is None:
                wanted.names.add(key)
                continue
            wanted.bound[key] = target.path
            wanted.bare.add(target.path)
            below = self.names_under(target)
            if below is None:
                return False
            pending.extend(below)
        return True

    def _module_bound(self, path: str, name: str) -> Module | None:
        """The module that ``name`` is bound to in the module at ``path`` by import
        statements only, if it is one (``from . import tracking``)."""
        summary = self.modules.get(path)
        values = summary.globals.get(name, ()) if summary is not None else ()
        found: Module | None = None
        for value in values:
            if value.kind is not ExprKind.IMPORT:
                return None
            target, attrs = self.finder.cut(path, str(value.value))
            if target is None or attrs or (found is not None and found != target):
                return None
            found = target
        return found

    def ancestor(self, module: Module) -> bool:
        """Is ``module`` a package above a relevant module?"""
        if self._ancestors is None:
            self._ancestors = _ancestors(self.exporting)
        return module.package and module.folder in self._ancestors

    def parsed(self, path: str) -> bool:
        return path in self.modules

    def snapshot(self) -> Exports:
        names: dict[str, set[str]] = {}
        for kind, path, name in self.relevant:
            if kind == "g":
                names.setdefault(path, set()).add(name)
        return Exports(
            parsed=frozenset(self.modules),
            exporting=frozenset(self.exporting),
            names={path: frozenset(found) for path, found in names.items()},
            stars=frozenset(path for path in self.exporting if "*" in self.modules[path].globals),
        )


def function_node(function_id: str) -> Node | None:
    path, _, qualname = function_id.partition("::")
    if not qualname or qualname == "<module>":
        return None
    return ("f", path, qualname)


class Needs:
    """Unparsed modules that what the rules read comes from, name by name.

    From each expression read: its names, through the module's globals, imports and
    re-exports, into what they hold: a global's values, a function's results (a
    pseudonymiser, a helper, a factory), a class's bases. Not into a function's body
    or a class's attributes, which no rule reads from a value.
    """

    def __init__(
        self, finder: ModuleFinder, refs: RefsOf, modules: Mapping[str, ModuleSummary]
    ) -> None:
        self.refs = refs
        self.finder = finder
        self.modules = modules
        self.needed: set[str] = set()
        self.visited: set[tuple[str, str]] = set()
        self._work: list[tuple[str, str]] = []

    def expression(self, path: str, expr: Expr) -> None:
        summary = self.modules.get(path)
        if summary is not None:
            refs = Refs()
            refs.add(expr, set())
            self.follow(refs, summary)

    def run(self) -> set[str]:
        while self._work:
            path, name = self._work.pop()
            self.name(path, name)
        return self.needed

    def follow(self, refs: Refs, summary: ModuleSummary) -> None:
        path = summary.path
        for target, attrs in refs.imports:
            self.dotted(target, attrs, path)
        for name in refs.names:
            self.push(path, name)
        for definition in refs.defs:
            self.push(path, definition.partition(":")[2])
        for qualname in refs.classes:
            self.push(path, qualname)
        for name, attrs in refs.attrs:
            self.push(path, name)
            for value in summary.globals.get(name, ()):
                if value.kind is ExprKind.IMPORT:
                    self.dotted(str(value.value), attrs, path)

    def dotted(self, value: str, attrs: tuple[str, ...], importer: str) -> None:
        """An import's target (``value``) and the attributes read from it: the module it
        names, then each module the attributes go through (``import pkg.sub`` binds
        ``pkg``, and ``pkg.sub.client`` is read from ``pkg``, then from ``pkg.sub``,
        as the resolver does), up to the name read from the last one."""
        finder = self.finder
        target, rest = finder.cut(importer, value)
        if target is None:
            return
        names = (*rest, *attrs)
        for name in (*names, None):
            if not target.namespace:  # a folder: nothing of it is imported but submodules
                if target.path not in self.modules:
                    self.needed.add(target.path)
                    return
                if name is not None:
                    self.push(target.path, name)
            below = finder.child(target, name) if name is not None else None
            if below is None:
                return
            target = below

    def push(self, path: str, name: str) -> None:
        if (path, name) not in self.visited:
            self.visited.add((path, name))
            self._work.append((path, name))

    def name(self, path: str, name: str) -> None:
        summary = self.modules.get(path)
        if summary is None:
            return
        refs = self.refs(summary)
        if name in summary.globals:
            self.follow(refs.global_(name), summary)
        elif "*" in summary.globals:
            for star in summary.globals["*"]:
                self.dotted(str(star.value), (name,), path)
        if name in summary.functions:
            self.follow(refs.function(name), summary)
        if name in summary.class_bases:
            self.follow(refs.bases(name), summary)
