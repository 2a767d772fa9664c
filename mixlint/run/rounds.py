"""The prefilter's rounds: select -> parse -> assemble, until no new file is needed.

``produce_model`` makes the ``ProjectModel`` of a project's files. With the
prefilter, it starts from the files whose text can matter (``mixlint.prefilter``,
over ``mixlint.run.facts``) and those the last run parsed, parses them, assembles a
model of what it has, asks the prefilter which further files that model needs, and
goes round again until none: a superset of a closed selection is closed too. Each
summary comes from the cache when its file's content was seen before, else from the
early child (``mixlint.run.early``), the worker processes (``mixlint.run.workers``)
or this process. Without the prefilter it parses every file once.

May import the other modules of ``mixlint.run`` but ``mixlint.run.memo``; and
``mixlint.project`` (the model) and ``mixlint.prefilter`` where used: a run whose
findings come from the memo never imports them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixlint.cache import Cache, entry_of, loads
from mixlint.model import ModuleSummary, ProjectModel
from mixlint.modules import UnresolvedImport
from mixlint.run import workers
from mixlint.run.facts import ProjectFacts
from mixlint.run.options import Options, Stats, default_cache_dir, keep_stats
from mixlint.run.summarise import (
    Result,
    file_size,
    read_file,
    set_up,
    summarise_chunk,
    summarise_one,
)
from mixlint.run.workers import Workers

if TYPE_CHECKING:
    from mixlint.config import Config
    from mixlint.naming import ModuleName, PathNames
    from mixlint.prefilter import Exports
    from mixlint.run.early import EarlyParser


@dataclass(slots=True)
class RunState:
    """What ``mixlint.run.check_project`` shares with the rounds it leads to: the worker
    processes, the early child, what the prefilter read (for the memo's key); and what
    the rounds leave for the memo: which files they parsed and what those export."""

    root: Path
    workers: Workers
    naming: PathNames  # the project's, asked once per file
    early: EarlyParser | None = None
    facts: ProjectFacts | None = None
    selection: set[str] | None = None  # what the prefilter parsed
    exports: Exports | None = None  # what those files export that matters
    # Work for this process while it waits for others (once; it may fail: then it is
    # done again where it is needed, and fails there).
    idle: Callable[[], None] | None = None

    def use_idle_time(self) -> None:
        work, self.idle = self.idle, None
        if work is not None:
            with contextlib.suppress(Exception):  # raised again where it is needed
                work()


def produce_model(
    root: Path,
    files: Sequence[tuple[str, Path]],
    names: dict[str, ModuleName],
    config: Config,
    options: Options,
    state: RunState | None = None,
) -> ProjectModel:
    """The ``ProjectModel`` of ``files`` ((relative, path) in file order). ``state``:
    what the ``check_project`` this run is part of shares with it."""
    run = _Run(root, files, names, config, options, state)
    try:
        return run.model()
    finally:
        run.close()
        keep_stats(run.stats)


class _Run:
    """One ``produce_model``: the files, the summaries made so far and what it did."""

    def __init__(
        self,
        root: Path,
        files: Sequence[tuple[str, Path]],
        names: dict[str, ModuleName],
        config: Config,
        options: Options,
        state: RunState | None,
    ) -> None:
        self.root = root
        self.state = state
        self.order = list(dict.fromkeys(relative for relative, _ in files))
        self.paths: dict[str, Path] = {}
        for relative, path in files:
            self.paths.setdefault(relative, path)
        self.names = names
        self.config = config
        self.options = options
        self.cache = (
            Cache.open(options.cache_dir or default_cache_dir(root), config)
            if options.cache
            else None
        )
        self.stats = Stats(files=len(self.order))
        shared = self.state.workers if self.state is not None else None
        self.owns_workers = shared is None
        self.workers = shared if shared is not None else Workers(options, config)
        if self.workers.cache is None:
            self.workers.cache = self.cache
        self.results: dict[str, Result] = {}
        self.refs: dict[str, tuple[ModuleSummary, Any]] = {}
        self.shas: dict[str, str] = {}
        from mixlint.modules import ModuleFinder
        from mixlint.sdk import load_sdk

        self.finder = ModuleFinder.of_project(root, self.order, load_sdk().first_names)

    # -- the pipeline

    def model(self) -> ProjectModel:
        facts = self._facts()
        self.shas.update(facts.shas)
        if self.options.prefilter:
            model = self._selected(facts)
        else:
            self.summarise(self.order)
            model = self._assembled()
        model.unresolved = self._unresolved(facts)
        return model

    def _unresolved(self, facts: ProjectFacts) -> list[UnresolvedImport]:
        """The imports of project modules that name nothing of the project, in every
        file (analysed or not: an unresolved import may be why a file was not), as the
        prefilter read them from its text."""
        from mixlint.modules import unresolved_imports
        from mixlint.parse import decode

        finder = self.finder
        found: list[UnresolvedImport] = []
        for relative in self.order:
            read = facts.facts.get(relative)
            if read is None or not any(
                finder.missing(relative, "." * level + module, names)
                for level, module, names in read.imports
            ):
                continue
            try:
                text = decode(read_file(str(self.paths[relative])))
            except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
                continue
            found.extend(unresolved_imports(finder, relative, text, read.imports))
        return sorted(set(found), key=lambda item: (item.path.split("/"), item.line, item.module))

    def _selected(self, facts: ProjectFacts) -> ProjectModel:
        """The model of the files the prefilter selects, in rounds."""
        from mixlint.prefilter import Selector
        from mixlint.project import unread_files
        from mixlint.sdk import load_sdk

        sdk = load_sdk()
        selector = Selector(
            facts.facts,
            self.finder,
            sdk.http_methods | sdk.http_clients,
            lambda relative: read_file(str(self.paths[relative])),
        )
        selector.references = facts.references()
        known = set(self.order)
        wanted = (
            selector.select()
            | {r for r in self.order if r not in facts.facts}
            | (facts.selection & known)
        )
        wanted |= self._broken(self.options.explicit & known - wanted)
        for relative in wanted:
            self.stats.reasons[relative] = "text or last run"
        # The files the last run parsed are those that mattered then: what lies between
        # them is among them when it matters.
        remembered = facts.selection & known
        for relative in selector.go_betweens(wanted) if not remembered else ():
            wanted.add(relative)
            self.stats.reasons[relative] = "between selected files"
        # The rounds need each function's direct tracking calls and callers only (what
        # makes a function relevant), a cheaper model. But the round that turns out to be
        # the last can as well make the complete model at once: a run that starts from
        # the files the last run parsed rarely needs a second round, and the rounds after
        # the first add few files and are mostly the last.
        complete = bool(remembered)
        while True:
            self.stats.rounds += 1
            self.summarise([r for r in self.order if r in wanted and r not in self.results])
            model = self._assembled(direct_only=not complete)
            selector.preloaded = self.refs
            found = selector.next_round(
                model.modules,
                model,
                self.results.keys(),
                direct_only=not complete,
                unread=partial(unread_files, model.modules.values(), self.finder, self.config),
            )
            wanted = found.candidates | found.needed
            if not wanted:
                break
            complete = True
            for relative in found.candidates:
                self.stats.reasons[relative] = f"imports (round {self.stats.rounds})"
            for relative in found.needed - found.candidates:
                self.stats.reasons[relative] = f"needed (round {self.stats.rounds})"
        if not complete:
            model = self._assembled()
        self.stats.skipped = len(self.order) - len(self.results)
        facts.remember(set(self.results))
        if selector.references_read:
            facts.remember_references(selector.references)
        if self.state is not None:
            self.state.selection = set(self.results)
            self.state.exports = found.exports
        return model

    def _assembled(self, direct_only: bool = False) -> ProjectModel:
        """The model of the files summarised so far."""
        from mixlint.project import assemble

        return assemble(
            self.root,
            self.order,
            self.finder,
            [self.results[r] for r in self.order if r in self.results],
            self.config,
            direct_only=direct_only,
        )

    def _broken(self, named: AbstractSet[str]) -> set[str]:
        """Of the files named on the command line, those CPython cannot parse: they are
        parsed too, so that a file one names is reported (MX001) even if it tracks nothing."""
        from mixlint.prefilter import compiles

        broken = set()
        for relative in named:
            try:
                data = read_file(str(self.paths[relative]))
            except OSError:
                broken.add(relative)
                continue
            if not compiles(data):
                broken.add(relative)
        return broken

    def _facts(self) -> ProjectFacts:
        found = ProjectFacts.compute(
            self.root,
            self.order,
            self.paths,
            self.cache,
            self.config,
            self.options,
            self.workers.get,
            self.state.facts if self.state is not None else None,
        )
        self.stats.scanned = found.scanned
        return found

    # -- summaries

    def summarise(self, relatives: Sequence[str]) -> None:
        """Summaries of ``relatives`` into ``self.results``: cached, else parsed.

        The files to parse go to the early child (else the workers) first, so that
        they are parsed while this process reads the cached summaries.
        """
        cache = self.cache
        cached: list[tuple[str, str]] = []
        todo: list[str] = []
        for relative in relatives:
            sha = self.shas.get(relative)
            if cache is not None and sha is not None:
                name = self.names[relative]
                key = cache.key(relative, name.module, name.is_package, sha)
                if cache.has(key):
                    cached.append((relative, key))
                    continue
            todo.append(relative)
        state = self.state
        early = state.early if state is not None else None
        named: Mapping[str, str] = early.tasks if early is not None else {}
        ahead = [r for r in todo if r in named]
        todo = [r for r in todo if r not in named]
        started = self._start(todo, early)
        late: list[str] = []
        for relative, key in cached:
            found = cache.load(key, relative) if cache is not None else None
            if found is None:
                late.append(relative)  # corrupt or foreign: rebuilt
            else:
                self._keep(relative, *found)
                self.stats.cached += 1
        if state is not None and (ahead or started is not None):
            state.use_idle_time()
        late.extend(self._take_early(early, ahead) if early is not None else ())
        late.extend(self._finish(*started) if started is not None else todo)
        if late:
            self.stats.parsed += len(late)
            set_up(self.config, cache, self.options.timeout, self.options.prefilter)
            for relative in late:
                sha, result, refs, _ = summarise_one(
                    relative, str(self.paths[relative]), self.names[relative]
                )
                self._keep(relative, result, refs)
                if sha:
                    self.shas[relative] = sha

    def _take_early(self, early: EarlyParser, relatives: list[str]) -> list[str]:
        """Keep the early child's summaries of ``relatives``; those it did not make."""
        left = []
        for relative in relatives:
            made = early.take(relative, self.shas.get(relative))
            if made is None:
                left.append(relative)
                continue
            sha, result, refs, body = made
            name = self.names[relative]
            if self.cache is not None and body is not None:
                self.cache.store(self.cache.key(relative, name.module, name.is_package, sha), body)
            self.stats.parsed += 1
            self._keep(relative, result, refs)
            self.shas[relative] = sha
        return left

    def _start(
        self, todo: list[str], early: EarlyParser | None
    ) -> tuple[list[str], Iterator[tuple[list[int], list[Any]]]] | None:
        """Give ``todo`` to the early child, else to the workers when they help (more
        than a few files, or a pool already running); None: parse in this process."""
        if not todo:
            return None
        # The largest first: the last to start is then among the quickest, not a big
        # file that keeps the round waiting on one worker while the other is idle.
        todo.sort(key=lambda relative: file_size(str(self.paths[relative])), reverse=True)
        tasks = [(relative, str(self.paths[relative]), self.names[relative]) for relative in todo]
        answers = early.parse(tasks) if early is not None else None
        if answers is not None:
            self.stats.parallel = True
            return todo, answers
        pool = self.workers.running
        if pool is None and len(todo) > workers.PARALLEL_MIN_FILES:
            pool = self.workers.get()
        if pool is None:
            return None
        from concurrent.futures.process import BrokenProcessPool

        self.stats.parallel = True
        try:
            futures = workers.submit(pool, summarise_chunk, tasks, self.options.jobs)
        except (BrokenProcessPool, RuntimeError):
            self.workers.fail()
            return None

        def answered() -> Iterator[tuple[list[int], list[Any]]]:
            try:
                for indexes, future in futures:
                    yield indexes, future.result()
            except BrokenProcessPool:
                self.workers.fail()
                raise workers.Unanswered from None

        return todo, answered()

    def _finish(self, todo: list[str], answers: Iterator[tuple[list[int], list[Any]]]) -> list[str]:
        """Keep the summaries as they come; the files still to summarise in-process
        (those not answered when the pool broke or the early child ended, those too
        deep to pickle)."""
        answered = [False] * len(todo)
        try:
            for indexes, values in answers:
                for index, (sha, body, _) in zip(indexes, values, strict=True):
                    relative = todo[index]
                    found = entry_of(loads(body), relative) if body else None
                    if found is None:
                        continue
                    answered[index] = True
                    self.stats.parsed += 1
                    self._keep(relative, *found)
                    if sha:
                        self.shas[relative] = sha
        except workers.Unanswered:
            pass
        return [relative for relative, done in zip(todo, answered, strict=True) if not done]

    def _keep(self, relative: str, result: Result, refs: Any) -> None:
        self.results[relative] = result
        if refs is not None and isinstance(result, ModuleSummary):
            self.refs[relative] = (result, refs)

    def close(self) -> None:
        if self.owns_workers:
            self.workers.close()
