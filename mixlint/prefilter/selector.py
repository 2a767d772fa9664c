"""The rounds of the prefilter: which unparsed files join, from what the parsed ones
show to matter (``Selector``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from mixlint.model import CallSite, Expr, ModuleSummary, ProjectModel, Span
from mixlint.modules import Module, ModuleFinder, parent
from mixlint.prefilter.reach import Exports, Needs, Reached, Relevance, function_node
from mixlint.prefilter.references import (
    ModuleRefs,
    References,
    Refs,
    RefsData,
    Uses,
    Wanted,
)
from mixlint.prefilter.scan import DATA, Facts, Import, import_targets, join_import, named_mixpanel


@dataclass(slots=True)
class Round:
    """What one round found: the files to parse next, and why (for ``--debug`` and tests)."""

    candidates: set[str] = field(default_factory=set)  # import a relevant name or module
    needed: set[str] = field(default_factory=set)  # hold what a read value refers to
    exporting: set[str] = field(default_factory=set)  # modules exporting relevant names
    exports: Exports | None = None


class Selector:
    """The rounds of the prefilter over one project.

    ``facts``: per file (relative path, in file order); ``finder``: how imports name
    files (``mixlint.modules``), over every file; ``requests``: the callee names of
    HTTP requests (``requests.post``, ``post``), whose URL and headers the rules read
    wherever they are; ``read``: a file's bytes (None:
    every file that imports a module leading to relevant names is taken to use them).
    ``references``: what a file refers to (``References``), by path, with the hash of
    the content it was read from: those of the last run, and those this one reads
    (``references_read``: some).
    ``select`` gives the first files to parse; after each round's model,
    ``next_round`` gives the files to add, until it gives none.
    """

    def __init__(
        self,
        facts: Mapping[str, Facts],
        finder: ModuleFinder,
        requests: Collection[str] = (),
        read: Callable[[str], bytes] | None = None,
    ) -> None:
        self.facts = facts
        self.finder = finder
        self.requests = frozenset(requests)
        self.read = read
        self._references: dict[str, References | None] = {}
        self._uses: dict[str, Uses | None] = {}
        self.references: dict[str, tuple[str, References | None]] = {}
        self.references_read = False
        self._by_name: dict[str, set[str]] | None = None
        self._whole: dict[str, set[str]] | None = None
        self._refs: dict[str, ModuleRefs] = {}
        self._head_cache: dict[str, frozenset[str]] = {}
        # Files with deletion API words or declared wrappers in their text: every call
        # in them may be read (a GDPR request, a declared wrapper's call site).
        self.data: set[str] = set()
        # path -> (summary, module_refs(summary)) known from the cache
        self.preloaded: dict[str, tuple[ModuleSummary, RefsData]] = {}

    def select(self) -> set[str]:
        chosen = set()
        for path, facts in self.facts.items():
            named = named_mixpanel(path)
            if facts.flags or named:
                chosen.add(path)
            if facts.flags & DATA:
                self.data.add(path)
        return chosen

    def go_betweens(self, selected: AbstractSet[str]) -> set[str]:
        """Packages whose ``__init__`` files of ``selected`` import, and which import
        files of ``selected`` themselves, by name: a package that re-exports its client.
        Most of them matter; parsing them with ``selected`` saves the round that would
        find them (a superset of what matters is safe). Not any module between two
        selected files: one that merely uses the client is found when it matters, and
        parsed for nothing otherwise (with all that import from it then)."""
        found = set()
        for path in self._imported(selected, packages=True) - selected:
            if path.endswith("__init__.py") and not self._imported(
                [path], packages=False
            ).isdisjoint(selected):
                found.add(path)
        return found

    def _imported(self, importers: Iterable[str], packages: bool) -> set[str]:
        """The files the import statements of ``importers`` name; ``packages``: with
        the packages above them (importing a module runs its packages' ``__init__``)."""
        found = set()
        finder = self.finder
        for importer in importers:
            facts = self.facts.get(importer)
            for record in facts.imports if facts is not None else ():
                for dotted in import_targets(*record):
                    module, _ = finder.cut(importer, dotted)
                    if module is None:
                        continue
                    if not module.namespace:
                        found.add(module.path)
                    if not packages:
                        continue
                    folder = parent(module.path) if module.package else module.folder
                    while finder.regular(folder):
                        found.add(f"{folder}/__init__.py" if folder else "__init__.py")
                        if not folder:
                            break
                        folder = parent(folder)
        return found

    def _heads(self, path: str, records: Sequence[Import]) -> frozenset[str]:
        """The first names of the modules the import statements name ("." for a relative
        import, which may name any file)."""
        found = self._head_cache.get(path)
        if found is None:
            heads = set()
            for level, module, _names in records:
                heads.add("." if level else module.split(".")[0])
            found = self._head_cache[path] = frozenset(heads)
        return found

    def values_read(
        self,
        modules: Mapping[str, ModuleSummary],
        model: ProjectModel,
        relevant: Relevance,
        direct_only: bool,
    ) -> Iterator[tuple[str, Expr]]:
        """The expressions whose values the rules read, with the file each stands in:
        the tracking calls (of a wrapper call, what the wrapper sends: the arguments
        that flow into it), the SDK objects, requests to the GDPR API (their token) and
        every call of the ``data`` files. Without the wrappers (``direct_only``), every
        call site of a relevant function, whole."""
        for call in model.calls:
            if call.kind != "wrapper" and call.call is not None:
                yield call.path, call.call
                continue
            for expr in (call.event, *call.distinct_ids):
                if expr is not None:
                    yield call.path, expr
            for part in (call.properties, call.meta, call.context):
                if part is not None:
                    yield call.path, part.expr
        for obj in model.objects:
            yield obj.path, obj.call
        sites: dict[str, set[Span]] = {}
        if direct_only:
            for callee, callers in model.callers.items():
                node = function_node(callee)
                if node is not None and node in relevant.relevant:
                    for caller in callers:
                        sites.setdefault(caller.path, set()).add(caller.span)
        requests = self.requests
        for path, summary in modules.items():
            every = path in self.data
            spans = sites.get(path, ())
            for site in summary.calls:
                expr = site.call
                if every or expr.span in spans:
                    yield path, expr
                    continue
                chain = site.callee.chain()
                if (
                    chain
                    and (chain[-1] in requests or ".".join(chain) in requests)
                    and self._names_the_api(expr, summary, relevant)
                ):
                    yield path, expr

    @staticmethod
    def _names_the_api(call: Expr, summary: ModuleSummary, relevant: Relevance) -> bool:
        """Can the URL of an HTTP request name the GDPR API (or Mixpanel)? Only through
        a string naming it, here or in a relevant global: the file holding that string
        is parsed for its own text, those re-exporting it as importers of relevant names."""
        url = call.keyword("url")
        refs = Refs()
        seen: set[int] = set()
        for candidate in [url] if url is not None else call.args[:2]:
            refs.add(candidate, seen)
        return relevant.reaches(refs, summary)

    def _used(self, path: str, reached: Iterable[Reached], relevant: Relevance) -> bool:
        """Does the file use what its import statements reach? Only by writing a
        relevant name, through whatever the import statements bind: ``Tracker`` after
        ``from app.tracking import Tracker``, ``tracking.Tracker`` after ``from app import
        tracking``, ``app.tracking.Tracker`` after ``import app.tracking``. A file that
        writes none of them cannot use them (and is not parsed), however many it imports.
        """
        wanted = Wanted()
        for item in reached:
            if item.name is not None:
                names: Iterable[tuple[str, str]] = [(item.module.path, item.name)]
            else:
                found = relevant.names_under(item.module)
                if found is None:
                    return True
                names = found
                wanted.bare.add(item.module.path)
            if not relevant.spellings(names, wanted):
                return True
        if not wanted:
            return False
        uses = self._uses_of(path)
        if uses is None or uses.reach(wanted):
            return True
        return any(self._read_from(path, name) for name in uses.exported(wanted))

    def _read_from(self, path: str, name: str) -> bool:
        """Does another file read ``name`` (``*``: any name) from the module at ``path``:
        import it by that name (``from module import name``, or ``*``), or write
        ``module.name`` after importing the module or a package above it?"""
        by_name, whole = self._importers()
        names = by_name.get(path, set())
        if name in names or "*" in names or (name == "*" and names):
            return True
        wanted = Wanted()
        if name == "*":
            wanted.bare.add(path)
            wanted.any_name.add(path)
        else:
            wanted.names.add((path, name))
        folder = parent(path)
        holders = [path]
        while True:
            holders.append(f"{folder}/__init__.py" if folder else "__init__.py")
            holders.append(folder)  # a namespace package
            if not folder:
                break
            folder = parent(folder)
        for holder in holders:
            for importer in whole.get(holder, ()):
                if importer == path:
                    continue
                uses = self._uses_of(importer)
                if uses is None or uses.reach(wanted):
                    return True
        return False

    def _importers(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """From every file's import statements: module (path) -> the names imported from
        it by name; module -> the files that bind it whole (``import a.b`` binds ``a``)."""
        if self._by_name is None or self._whole is None:
            self._by_name, self._whole = {}, {}
            finder = self.finder
            for importer, facts in self.facts.items():
                for level, module, names in facts.imports:
                    if names is None:
                        found = finder.find(importer, module.split(".")[0])
                        if found is not None:
                            self._whole.setdefault(found.path, set()).add(importer)
                        continue
                    spec = "." * level + module
                    base = finder.find(importer, spec)
                    if base is not None:
                        self._by_name.setdefault(base.path, set()).update(names)
                    for name in names:
                        found = finder.find(importer, join_import(spec, name))
                        if found is not None:
                            self._whole.setdefault(found.path, set()).add(importer)
        return self._by_name, self._whole

    def _uses_of(self, path: str) -> Uses | None:
        """What the file's code refers to, resolved (None: CPython cannot read it)."""
        if path not in self._uses:
            references = self._references_of(path)
            self._uses[path] = None if references is None else Uses(references, path, self.finder)
        return self._uses[path]

    def _references_of(self, path: str) -> References | None:
        """What the file's code refers to (None: CPython cannot read it)."""
        if path in self._references:
            return self._references[path]
        facts = self.facts.get(path)
        known = self.references.get(path)
        if facts is not None and known is not None and known[0] == facts.sha:
            found = known[1]
        else:
            found = None
            if self.read is not None:
                try:
                    found = References.of(self.read(path))
                except OSError:
                    found = None
            if facts is not None:
                self.references[path] = (facts.sha, found)
                self.references_read = True
        self._references[path] = found
        return found

    def refs(self, summary: ModuleSummary) -> ModuleRefs:
        found = self._refs.get(summary.path)
        if found is None or found.summary is not summary:
            found = ModuleRefs(summary)
            data = self.preloaded.get(summary.path)
            if data is not None and data[0] is summary:
                found.preload(data[1])
            self._refs[summary.path] = found
        return found

    def next_round(
        self,
        modules: Mapping[str, ModuleSummary],
        model: ProjectModel,
        parsed: Collection[str],
        direct_only: bool = False,
        unread: Callable[[list[tuple[ModuleSummary, CallSite]]], set[str]] | None = None,
    ) -> Round:
        """Files to add to ``parsed`` (every file already read, parse failures included).

        ``direct_only``: ``model`` holds direct tracking calls only
        (``assemble(direct_only=True)``); a wrapper's call sites are among the callers
        of a relevant function. ``unread``: the files the extractor would look into, and
        does not have, to classify some calls (``mixlint.project.unread_files``).
        """
        relevant = Relevance(self.finder, self.refs, modules, model)
        relevant.run()
        found = Round(exporting=set(relevant.exporting), exports=relevant.snapshot())
        needs = Needs(self.finder, self.refs, modules)
        for path, expr in self.values_read(modules, model, relevant, direct_only):
            needs.expression(path, expr)
        # What the resolver reads to find what a call that may reach a relevant name
        # calls: of the unparsed files, only the packages above relevant modules can
        # matter there, as namespaces (``pkg.metrics.client.shared``): any other holds
        # nothing relevant and leads to nothing relevant, or one of its import statements
        # would have reached it. Those the callees name (all at once, down the chain),
        # and those the extractor itself looks into and does not have (a class's
        # attribute holding ``pkg.metrics.client.shared``). And a call that hands a
        # relevant value to a function of another module (``FileWatcher(coder,
        # analytics=analytics)``) types that function's parameters: its module too.
        namespaces = Needs(self.finder, self.refs, modules)
        sites: list[tuple[ModuleSummary, CallSite]] = []
        for summary in modules.values():
            callees = self.refs(summary).callees()
            for site, (callee, arguments) in zip(summary.calls, callees, strict=True):
                if relevant.reaches(callee, summary):
                    namespaces.follow(callee, summary)
                    sites.append((summary, site))
                elif relevant.reaches(arguments, summary):
                    needs.follow(callee, summary)
        found.needed = needs.run()
        looked_into = namespaces.run() | (unread(sites) if unread is not None else set())
        found.needed.update(
            path
            for path in looked_into
            if path.endswith("__init__.py") and relevant.ancestor(Module(path))
        )
        # An absolute import can only reach a parsed module through its first name,
        # which is a folder or the file on its path (below the root it is found in):
        # files importing nothing of the sort are passed over without resolving their
        # imports. A relative one ("." here) may reach anything.
        heads = {"."}
        for path in modules:
            heads.update(path.removesuffix(".py").split("/"))
        for path, facts in self.facts.items():
            if path in parsed or not facts.imports:
                continue
            if self._heads(path, facts.imports).isdisjoint(heads):
                continue
            if self._used(path, relevant.reached(path, facts.imports), relevant):
                found.candidates.add(path)
        found.needed -= set(parsed)
        found.candidates -= set(parsed)
        return found
