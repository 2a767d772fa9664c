"""Producing the analysis fast: prefilter, persistent cache, worker processes.

``produce_model`` is what ``mixlint.project.build_model`` calls when it is not
given summaries. It reads what the prefilter needs from every file (from the
cache when the file is unchanged), parses the files that can matter
(``mixlint.prefilter``) in rounds until no new one appears, each summary from
the cache when its file's content was seen before and otherwise in worker
processes, and assembles the model of the files parsed. Results come in file
order whatever the order work finishes in, so output never depends on
``--jobs``.

``check_project`` is ``mixlint check``'s whole analysis: when nothing it depends
on changed since the last run with the same paths (every file's content, the
configuration, the baseline, mixlint itself), the findings of that run are read
back from the cache and nothing is analysed again. A run on some files (a
pre-commit hook) whose changed files are all files the prefilter leaves unparsed,
and still leaves unparsed, takes its findings from the last run on the whole
project. Otherwise it analyses, starting the prefilter's rounds from the files
the last run parsed (a superset of a closed selection is closed too), and
records the findings.

With more than one job, the parsing is done by a child process forked as ``mixlint
check`` starts (``EarlyParser``): it imports libcst while this process reads the
configuration, the project and the cache, summarises at once the files a pre-commit
hook names, and parses what the prefilter selects in worker processes forked from it
(which need not import libcst again). The prefilter's own reading of every file runs
in workers forked from this process.

A file whose parse and summary take longer than ``Options.timeout`` becomes a
``FileProblem`` (MX001). A ``SIGALRM`` timer around each file, in each worker's
main thread (and in-process when running on the main thread), stops the Python
part of the work; it cannot stop libcst's native parser, which no signal handler
interrupts. So a file the parser may not surely finish within the limit (larger
than ``ISOLATE_BYTES_PER_S`` per second of it, nested deeper than ``ISOLATE_DEPTH``
where its time grows with the cube of the depth, or not valid Python) is analysed
in a forked child process (``mixlint.killable``) that is killed when the limit
passes: on Linux, where the worker pool forks too; elsewhere only the alarm applies.
Its summary is cached like any other; a time-out never is: it is only part of the
run's findings, whose memo depends on the limit.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import enum
import hashlib
import importlib
import json
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from mixlint import killable
from mixlint.cache import (
    CACHE_DIR_NAME,
    Cache,
    StatKey,
    code_digest,
    dumps,
    entry_of,
    loads,
    stat_key,
)
from mixlint.model import FileProblem, Finding, ModuleSummary, ProjectModel, UnresolvedImport

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from mixlint.checks.base import CheckContext
    from mixlint.config import Config
    from mixlint.prefilter import Exports, Facts, Scanner
    from mixlint.project import ModuleName

Result = ModuleSummary | FileProblem

PARALLEL_MIN_FILES = 8  # fewer files to parse than this: in-process (unless a pool runs)
PARALLEL_MIN_SCAN_BYTES = 4 * 1024 * 1024  # less text to prefilter than this: in-process
CHUNKS_PER_WORKER = 4
# Writing one file's entry of the prefilter's manifest costs about 1/30 of reading the
# file and its facts again (10 us against 0.3 ms, standard library files).
MANIFEST_ENTRIES_PER_SCAN = 32
# libcst's parser (native code, and the alarm cannot stop it) is slowest on files of
# one-token statements (`a[1]`, `f(1)`, bare names): 30-55 KB/s measured on one core of a
# 2-CPU machine, against ~200 KB/s for real code (mixlint's and libcst's own sources).
# A file smaller than this many bytes per second of the limit spends at most about half
# of it in the parser, and the alarm stops what follows; a larger one is analysed in a
# child process killed in time.
ISOLATE_BYTES_PER_S = 16 * 1024
# libcst's parser takes time cubic in some nestings, whatever the file's size: 1,000
# nested calls (4 KB) take 7 s, a 4,000-term sum 11 s. Below this depth of CPython's
# syntax tree (ordinary code: 10-30) it stays under 0.1 s; a deeper file is
# analysed in a child process too.
ISOLATE_DEPTH = 100


@dataclass(frozen=True, slots=True)
class Options:
    """How the analysis runs; none of it changes the findings.

    ``jobs``: worker processes (1: in-process); ``cache``: use the persistent
    cache, in ``cache_dir`` (default: ``.mixlint_cache`` in the project root);
    ``prefilter``: parse only the files that can matter (the command line's
    default; the API's default parses every file); ``explicit``: files named on
    the command line, parsed also when CPython cannot parse them (MX001 for a named
    file, whatever it contains); ``timeout``: seconds per file (None: no limit).
    """

    jobs: int = 1
    cache: bool = False
    cache_dir: Path | None = None
    prefilter: bool = False
    explicit: frozenset[str] = frozenset()
    timeout: float | None = None


@dataclass(slots=True)
class Stats:
    """What the last run did (diagnostics and tests)."""

    files: int = 0
    parsed: int = 0  # summarised with libcst in this run
    cached: int = 0  # summaries read from the cache
    skipped: int = 0  # never parsed (prefilter)
    rounds: int = 0
    scanned: int = 0  # files read for the prefilter (the others were unchanged)
    parallel: bool = False
    memo: bool = False  # the findings came from the cache
    reasons: dict[str, str] = field(default_factory=dict)


LAST_STATS = Stats()


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_cache_dir(root: Path) -> Path:
    return root / CACHE_DIR_NAME


# -- the project's files ----------------------------------------------------------------


@dataclass(slots=True)
class ProjectFiles:
    """What discovery found: the root, every file (for context) in order, the paths
    named by the user, and unreadable entries."""

    root: Path
    files: list[Path]
    requested: list[Path]
    problems: list[tuple[Path, str]]


def discover_project(paths: Sequence[str | Path], config: Config) -> ProjectFiles:
    """The files ``mixlint.engine.analyse`` reads: those named, and the whole project."""
    from mixlint.discovery import discover

    excludes = [*config.exclude, *config.extend_exclude]
    requested = discover(paths, excludes)
    # Named the root itself: the one walk serves as the context too.
    whole = [requested.root] == [Path(os.path.abspath(p)) for p in paths]
    context = requested if whole else discover([requested.root], excludes)
    files = list(dict.fromkeys([*context.files, *requested.files]))
    return ProjectFiles(
        requested.root, files, list(requested.requested), [*context.problems, *requested.problems]
    )


def path_names(root: Path) -> PathNames:
    """The ``PathNames`` of the project ``check_project`` is checking (each file's names
    are worked out once per run), else new ones."""
    if _current is not None and _current.root == root:
        if _current.naming is None:
            _current.naming = PathNames(root)
        return _current.naming
    return PathNames(root)


class PathNames:
    """Each file's path relative to the project root (symbolic links resolved) and
    its module name, with the file system questions (symlinks, ``__init__.py``)
    asked once per folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = str(root).rstrip("/") + "/"  # a file directly in the root: fallback
        # Keyed by the path's text: hashing a Path joins its parts again each time.
        self._real: dict[str, str] = {}
        self._init: dict[Path, bool] = {}
        self._folders: dict[str, tuple[tuple[str, ...], str]] = {}
        self._relative: dict[str, str] = {}
        self._module_name: type[ModuleName] | None = None

    def relative(self, path: Path) -> str:
        """The path, resolved, relative to the root; else as given, relative to the root
        if it can be; else as given."""
        text = str(path)
        found = self._relative.get(text)
        if found is None:
            found = self._relative[text] = self._resolve_relative(path, text)
        return found

    def _resolve_relative(self, path: Path, text: str) -> str:
        root = self.root
        try:
            if os.path.islink(text):
                resolved = path.resolve()
            else:
                folder, name = _split(text)
                parent = self._real.get(folder)
                if parent is None:
                    parent = self._real[folder] = os.path.realpath(folder)
                if (
                    os.sep == "/"
                    and len(parent) > len(self._prefix)
                    and parent.startswith(self._prefix)
                ):
                    return f"{parent[len(self._prefix) :]}/{name}"
                resolved = Path(parent, name)
            return resolved.relative_to(root).as_posix()
        except ValueError:
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                return path.as_posix()

    def has_init(self, folder: Path) -> bool:
        found = self._init.get(folder)
        if found is None:
            found = self._init[folder] = (folder / "__init__.py").exists()
        return found

    def module_name(self, path: Path) -> ModuleName:
        """Dotted name as Python would import it: packages are folders with
        ``__init__.py``; the source root is the folder above the outermost package."""
        if self._module_name is None:
            from mixlint.project import ModuleName

            self._module_name = ModuleName
        folder, name = _split(str(path))
        packages, source_root = self._folder(folder)
        is_package = name == "__init__.py"
        stem = name[:-3] if name.endswith(".py") else path.stem
        parts = packages if is_package else (*packages, stem)
        return self._module_name(".".join(parts), is_package, source_root)

    def _folder(self, folder: str) -> tuple[tuple[str, ...], str]:
        """The packages a folder's modules are in, and its source root."""
        found = self._folders.get(folder)
        if found is None:
            root = self.root
            parts: list[str] = []
            current = Path(folder)
            while self.has_init(current) and current != root.parent:
                parts.insert(0, current.name)
                if current == root:
                    current = current.parent
                    break
                current = current.parent
            try:
                source_root = current.relative_to(root).as_posix()
            except ValueError:
                source_root = ""
            found = (tuple(parts), "" if source_root == "." else source_root)
            self._folders[folder] = found
        return found


def _split(path: str) -> tuple[str, str]:
    """(folder, name) of a path's text, as ``Path.parent`` and ``Path.name`` give them."""
    folder, separator, name = path.rpartition(os.sep)
    if not separator:
        return ".", name
    return folder or os.sep, name


# -- mixlint check, remembered -----------------------------------------------------------


@dataclass(slots=True)
class Checked:
    """What ``mixlint check`` reports: the model (root, files, problems, requested;
    complete unless the findings came from the cache), findings and source lines."""

    model: ProjectModel
    findings: list[Finding]
    lines: Mapping[str, Sequence[str]]


def check_project(
    paths: Sequence[str | Path],
    config: Config,
    options: Options,
    early: EarlyParser | None = None,
) -> Checked:
    """``mixlint.engine.analyse`` then ``check``, or their findings from the last run
    when nothing they depend on changed. ``early``: ``EarlyParser.fork(paths, options)``
    done by the caller first thing (else here); it is closed here."""
    global LAST_STATS, _current
    if early is None:
        early = EarlyParser.fork(paths, options)
    workers = _Workers(options, config)
    prepared: list[CheckContext] = []

    def prepare() -> None:
        from mixlint.engine import prepare_check

        prepared.append(prepare_check(config))

    try:
        project = discover_project(paths, config)
        if early is not None:
            early.send(project, config, options)
        _current = _Context(project.root, workers, early=early, idle=prepare)
        memo = _Memo.open(project, config, options, workers)
        if memo is not None:
            found = memo.load()
            if found is None and not memo.whole:
                found = memo.from_project()
            if found is not None:
                LAST_STATS = Stats(files=len(project.files), memo=True, scanned=memo.facts.scanned)
                memo.store(found)
                return found
        from mixlint.engine import analyse_project, check

        model = analyse_project(project, config, options)
        if early is not None:
            early.stop()
        result = check(model, config, prepared[0] if prepared else None)
        checked = Checked(model, result.findings, result.lines)
        if memo is not None:
            memo.store(checked)
            if memo.whole:
                memo.store_project(checked, _current)
        return checked
    finally:
        if early is not None:
            early.close()
        _current = None
        workers.close()


@dataclass(slots=True)
class _Context:
    """Shared by ``check_project`` with the ``produce_model`` it leads to: the worker
    processes, and what the prefilter read (``_Facts``) for the memo's key."""

    root: Path
    workers: _Workers
    facts: _Facts | None = None
    selection: set[str] | None = None  # what the prefilter parsed
    exports: Exports | None = None  # what those files export that matters
    early: EarlyParser | None = None
    naming: PathNames | None = None  # the project's, asked once per file
    # Work for this process while it waits for others (once; it may fail: then it is
    # done again where it is needed, and fails there).
    idle: Callable[[], None] | None = None

    def use_idle_time(self) -> None:
        work, self.idle = self.idle, None
        if work is not None:
            with contextlib.suppress(Exception):  # raised again where it is needed
                work()


_current: _Context | None = None


class _Workers:
    """The worker processes of one run, started when first needed."""

    def __init__(self, options: Options, config: Config) -> None:
        self.options = options
        self.config = config
        self.cache: Cache | None = None
        self._pool: ProcessPoolExecutor | None = None
        self.broken = options.jobs <= 1
        self.started = False

    def get(self) -> ProcessPoolExecutor | None:
        if self._pool is None and not self.broken:
            options = self.options
            try:
                self._pool = _forked_pool(
                    options.jobs,
                    _init,
                    (self.config, self.cache, options.timeout, options.prefilter),
                )
            except (OSError, ValueError, NotImplementedError):
                self.broken = True
                return None
            self.started = True
        return self._pool

    @property
    def running(self) -> ProcessPoolExecutor | None:
        return self._pool

    def fail(self) -> None:
        self.broken = True
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _forked_pool(
    jobs: int, initializer: Callable[..., None], setup: tuple[Any, ...]
) -> ProcessPoolExecutor:
    """``jobs`` worker processes, set up by ``initializer(*setup)``; forked on Linux,
    so that they share what this process imported."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # here: most runs need no pool

    context: Any = None
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=initializer, initargs=setup
    )


class _Unanswered(Exception):
    """The worker pool broke, or the early child ended (or did not answer in time),
    before answering all it was given."""


class EarlyParser:
    """A child forked first thing that parses for this process, so that libcst's
    import (0.3 s) overlaps this process's start instead of delaying the parsing.

    Once discovery has found the project, ``send`` gives it the configuration and
    the files named on the command line when they are a few Python files (a
    pre-commit hook names those a commit changes): it summarises them at once, the
    cache's copies excepted, and ``take`` collects them. Then ``parse`` has it
    summarise any files in worker processes forked from it, which have libcst
    already. Whatever it does not answer is made as usual."""

    MAX_FILES = 64  # named files summarised ahead; more: parsed with the rest
    STOP_SECONDS = 5.0  # for the child to stop its workers and end

    def __init__(self, child: killable.Child, orders: int, answers: int, named: bool) -> None:
        self.child = child
        self._orders: int | None = orders  # the pipe the parent writes its orders into
        self._answers = answers
        self.named = named  # the paths are a few Python files: summarise them ahead
        self.tasks: Mapping[str, str] = {}  # named: relative -> path
        self.seconds = 0.0  # for the named files, from the fork
        self.timeout = 60.0  # per file parsed
        self.made: dict[str, tuple[str, bytes, bool]] | None = None  # as _summarise_named
        self.ordered = False  # given files to parse: it started workers
        self.stopping = False

    @classmethod
    def fork(cls, paths: Sequence[str | Path], options: Options) -> EarlyParser | None:
        """The child, when more than one job may run (on Linux); None otherwise."""
        if options.jobs <= 1 or not killable.AVAILABLE:
            return None
        named = 0 < len(paths) <= cls.MAX_FILES and all(
            str(path).endswith(".py") and os.path.isfile(path) for path in paths
        )
        orders_in, orders_out = os.pipe()
        answers_in, answers_out = os.pipe()

        def serve() -> None:
            os.close(orders_out)
            os.close(answers_in)
            _serve_parses(orders_in, answers_out)

        child = killable.Child(serve, lambda _: b"")
        os.close(orders_in)
        os.close(answers_out)
        return cls(child, orders_out, answers_in, named)

    def send(self, project: ProjectFiles, config: Config, options: Options) -> None:
        """Tell the child the configuration, and the named files to summarise ahead."""
        tasks: list[tuple[str, str, ModuleName]] = []
        if self.named:
            named = [path for path in project.requested if path.suffix == ".py" and path.is_file()]
            paths = PathNames(project.root)
            tasks = [(paths.relative(path), str(path), paths.module_name(path)) for path in named]
        cache_dir = options.cache_dir or default_cache_dir(project.root)
        self.tasks = {relative: path for relative, path, _ in tasks}
        self.timeout = options.timeout or 60.0
        # Each file within the limit, and the child's start (libcst's import) besides.
        self.seconds = (len(tasks) + 2) * self.timeout
        if not self._order(pickle.dumps((tasks, config, options, cache_dir))):
            self.tasks = {}

    def take(self, relative: str, sha: str | None) -> tuple[str, Result, Any, bytes | None] | None:
        """(sha, summary, refs, their pickle if the cache may keep it) of the named file
        ``relative`` made by the child (waiting for it), if it read the content this
        run read."""
        made_sha, body, cacheable = self._named().get(relative, ("", b"", False))
        if not body or (sha is not None and sha != made_sha):
            return None
        found = entry_of(loads(body), relative)
        return None if found is None else (made_sha, *found, body if cacheable else None)

    def parse(
        self, tasks: list[tuple[str, str, ModuleName]]
    ) -> Iterator[tuple[list[int], list[tuple[str, bytes]]]] | None:
        """The child's summaries of ``tasks`` (as ``_summarise_chunk``'s), by groups of
        indexes as its workers finish them; None when the child cannot take the order."""
        self._named()  # answered first: the answers come in the order asked
        if not self._order(pickle.dumps(tasks)):
            return None
        self.ordered = True
        return self._answered(time.monotonic() + (len(tasks) + 2) * self.timeout)

    def _answered(self, deadline: float) -> Iterator[tuple[list[int], list[tuple[str, bytes]]]]:
        while True:
            message = _receive_message(self._answers, deadline)
            if message is None:
                self.close()
                raise _Unanswered
            if not message:
                return  # the order is done
            indexes, values = loads(message)
            yield indexes, values

    def _named(self) -> dict[str, tuple[str, bytes, bool]]:
        if self.made is None:
            message = None
            if self._orders is not None:
                message = _receive_message(self._answers, self.child.started + self.seconds)
            value = loads(message) if message else None
            self.made = value if isinstance(value, dict) else {}
            if message is None:
                self.close()
        return self.made

    def _order(self, message: bytes) -> bool:
        if self._orders is None:
            return False
        try:
            _send_message(self._orders, message)
        except OSError:  # the child is gone: it answers nothing
            self.close()
            return False
        return True

    def stop(self) -> None:
        """No more orders: a child that started workers stops them and ends (``close``
        then only waits for it); one that did not is killed by ``close``."""
        if self.ordered and self._orders is not None:
            with contextlib.suppress(OSError):
                _send_message(self._orders, b"")
                self.stopping = True

    def close(self) -> None:
        if self._orders is not None:
            os.close(self._orders)
            os.close(self._answers)
            self._orders = None
        if self.stopping:  # it reaps its workers (killed, they would linger as zombies)
            self.child.answer(time.monotonic() - self.child.started + self.STOP_SECONDS)
        self.child.kill()


def _send_message(fd: int, message: bytes) -> None:
    data = memoryview(len(message).to_bytes(8, "big") + message)
    while data:
        data = data[os.write(fd, data) :]


def _receive_message(fd: int, deadline: float | None = None) -> bytes | None:
    """One message written by ``_send_message``; None when the writer ended first or
    ``deadline`` passed."""
    header = _receive(fd, 8, deadline)
    return None if header is None else _receive(fd, int.from_bytes(header, "big"), deadline)


def _receive(fd: int, size: int, deadline: float | None) -> bytes | None:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    data = bytearray()
    while len(data) < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return None
        chunk = os.read(fd, min(size - len(data), 1 << 20))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _serve_parses(orders: int, answers: int) -> None:
    """In the early child: import libcst while the parent starts; summarise the named
    files the cache lacks and send them (``EarlyParser._named``); then answer each
    order, summarising its files in worker processes."""
    global _config, _cache, _timeout, _refs
    _import_parser()
    message = _receive_message(orders)
    if message is None:
        return  # the parent sent nothing
    tasks, config, options, cache_dir = pickle.loads(message)  # from the parent itself
    cache = Cache.open(cache_dir, config) if options.cache else None
    _config, _timeout, _refs = config, options.timeout, options.prefilter
    # The parent stores the named files' summaries it uses; the workers store theirs.
    _cache = None if cache is None else Cache(cache.directory, cache.salt, writable=False)
    _send_message(answers, dumps(_summarise_named(tasks, cache)))
    pool: ProcessPoolExecutor | None = None
    try:
        while message := _receive_message(orders):
            tasks = pickle.loads(message)
            if pool is None:
                pool = _forked_pool(
                    options.jobs, _init_under_early_child, (config, cache, _timeout, _refs)
                )
            for indexes, future in _submit(pool, _summarise_chunk, tasks, options.jobs):
                _send_message(answers, dumps((indexes, future.result())))
            _send_message(answers, b"")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _summarise_named(
    tasks: list[tuple[str, str, ModuleName]], cache: Cache | None
) -> dict[str, tuple[str, bytes, bool]]:
    """(sha, pickled (summary, refs), cacheable) of each named file that ``cache``
    lacks."""
    made = {}
    for relative, path, name in tasks:
        if cache is not None:
            try:
                sha = hashlib.sha256(_read(path)).hexdigest()
            except OSError:
                continue
            if cache.has(cache.key(relative, name.module, name.is_package, sha)):
                continue
        sha, result, refs, body = _summarise_one(relative, path, name)
        # A body made for the cache is cacheable (a time-out or a crash is not).
        sent = body or _pickled((result, refs))
        if sha and sent:
            made[relative] = (sha, sent, body is not None)
    return made


def _config_digest(config: Config) -> str:
    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
        if isinstance(value, (set, frozenset)):
            return sorted(str(plain(item)) for item in value)
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return str(value)

    text = json.dumps(plain(config), sort_keys=True, default=str)
    baseline = ""
    if config.baseline:
        try:
            baseline = hashlib.sha256(Path(config.baseline).read_bytes()).hexdigest()
        except OSError:
            baseline = "missing"
    return hashlib.sha256(f"{text}\0{baseline}".encode()).hexdigest()


class _Memo:
    """The findings of the last ``check_project`` of one project with one set of paths."""

    def __init__(
        self,
        cache: Cache,
        project: ProjectFiles,
        config: Config,
        options: Options,
        paths: PathNames,
        facts: _Facts,
    ) -> None:
        self.cache = cache
        self.project = project
        self.paths = paths
        self.facts = facts
        self.options = options
        root = project.root
        self.requested = sorted(paths.relative(path) for path in project.requested)
        self.whole = "." in self.requested or "" in self.requested
        self.name = hashlib.sha256(
            json.dumps([str(root), self.requested, options.prefilter]).encode(
                "utf-8", "surrogatepass"
            )
        ).hexdigest()[:24]
        static = hashlib.sha256()
        for part in (
            code_digest(),
            _config_digest(config),
            repr(options.timeout),
            repr(sys.version_info[:2]),
            repr(sorted((str(p), m) for p, m in project.problems)),
        ):
            static.update(part.encode("utf-8", "surrogatepass"))
            static.update(b"\0")
        self.static = static.hexdigest()
        digest = hashlib.sha256(self.static.encode())
        digest.update(json.dumps(self.requested).encode("utf-8", "surrogatepass"))
        for relative in facts.order:
            digest.update(relative.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
            digest.update(facts.shas.get(relative, "unreadable").encode())
        self.digest = digest.hexdigest()

    @classmethod
    def open(
        cls, project: ProjectFiles, config: Config, options: Options, workers: _Workers
    ) -> _Memo | None:
        if not options.cache:
            return None
        cache = Cache.open(options.cache_dir or default_cache_dir(project.root), config)
        if cache is None:
            return None
        workers.cache = cache
        paths = path_names(project.root)
        order: list[str] = []
        by_relative: dict[str, Path] = {}
        for path in project.files:
            relative = paths.relative(path)
            if relative not in by_relative:
                by_relative[relative] = path
                order.append(relative)
        facts = _Facts.compute(
            project.root, order, by_relative, cache, config, options, workers.get
        )
        if _current is not None:
            _current.facts = facts
        return cls(cache, project, config, options, paths, facts)

    def load(self) -> Checked | None:
        return self._checked(self.cache.load_value(f"result-{self.name}", self.digest))

    def store(self, checked: Checked) -> None:
        self.cache.store_value(f"result-{self.name}", self.digest, self._value(checked))

    def _value(self, checked: Checked) -> tuple[Any, ...]:
        model = checked.model
        shown = {finding.path for finding in checked.findings}
        lines = {path: tuple(checked.lines[path]) for path in shown if path in checked.lines}
        return (
            list(model.files),
            set(model.requested or ()),
            list(model.problems),
            list(checked.findings),
            lines,
            list(model.unresolved),
        )

    # -- a run on some files, from the findings of the last run on the whole project

    def _project_name(self) -> str:
        material = json.dumps([str(self.project.root), self.options.prefilter])
        digest = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
        return f"project-{digest[:24]}"

    def store_project(self, checked: Checked, context: _Context | None) -> None:
        """After a prefiltered run on the whole project: its findings, the content of
        every file, what was parsed and what that exports."""
        if context is None or context.selection is None or context.exports is None:
            return
        record = (
            self.facts.order,
            dict(self.facts.shas),
            frozenset(context.selection),
            context.exports,
            self._value(checked),
        )
        self.cache.store_value(self._project_name(), self.static, record)

    def from_project(self) -> Checked | None:
        """The findings of the last run on the whole project, for the paths of this run,
        when what changed since cannot change them: every changed file is one the
        prefilter left unparsed and still leaves unparsed (it names nothing that
        matters and imports nothing relevant), and the files are the same."""
        if not self.options.prefilter:
            return None
        record = self.cache.load_value(self._project_name(), self.static)
        if not (isinstance(record, tuple) and len(record) == 5):
            return None
        order, shas, selection, exports, value = record
        from mixlint.prefilter import Exports

        if (
            order != self.facts.order
            or not isinstance(shas, dict)
            or not isinstance(selection, frozenset)
            or not isinstance(exports, Exports)
        ):
            return None
        changed = [r for r in order if shas.get(r) != self.facts.shas.get(r)]
        if any(r in selection or r not in self.facts.facts for r in changed):
            return None
        if changed and not self._still_unparsed(changed, exports):
            return None
        named = {self.paths.relative(path) for path in self.project.requested if path.is_file()}
        if any(not _compiles_file(self.facts.paths[r]) for r in named - selection):
            return None
        whole = self._checked(value)
        if whole is None:
            return None
        model = whole.model
        model.requested = set(self.requested)
        findings = [finding for finding in whole.findings if model.in_scope(finding.path)]
        lines = {f.path: whole.lines[f.path] for f in findings if f.path in whole.lines}
        return Checked(model, findings, lines)

    def _still_unparsed(self, changed: list[str], exports: Exports) -> bool:
        from mixlint.prefilter import named_mixpanel
        from mixlint.project import module_finder

        finder = module_finder(self.project.root, self.facts.order)
        for relative in changed:
            facts = self.facts.facts[relative]
            if facts.flags or named_mixpanel(relative):
                return False
            if facts.imports and exports.reaches(finder, relative, facts.imports):
                return False
        return True

    def _checked(self, value: Any) -> Checked | None:
        if not (isinstance(value, tuple) and len(value) == 6):
            return None
        files, requested, problems, findings, lines, unresolved = value
        if not (
            isinstance(files, list)
            and isinstance(findings, list)
            and all(isinstance(finding, Finding) for finding in findings)
            and isinstance(problems, list)
            and all(isinstance(problem, FileProblem) for problem in problems)
            and isinstance(lines, dict)
            and isinstance(requested, set)
            and isinstance(unresolved, list)
            and all(isinstance(item, UnresolvedImport) for item in unresolved)
        ):
            return None
        model = ProjectModel(
            root=str(self.project.root),
            files=files,
            problems=problems,
            requested=requested,
            unresolved=unresolved,
        )
        return Checked(model, findings, lines)


def _compiles_file(path: Path) -> bool:
    from mixlint.prefilter import compiles

    try:
        return compiles(_read(str(path)))
    except OSError:
        return False


# -- the model ------------------------------------------------------------------------


def produce_model(
    root: Path,
    files: Sequence[tuple[str, Path]],
    names: dict[str, ModuleName],
    config: Config,
    options: Options | None = None,
) -> ProjectModel:
    """The ``ProjectModel`` of ``files`` ((relative, path) in file order)."""
    global LAST_STATS
    run = _Run(root, files, names, config, options or Options())
    try:
        return run.model()
    finally:
        run.close()
        LAST_STATS = run.stats


class _Facts:
    """What the prefilter read from every file, and each file's content hash; unchanged
    files (same size, mtime and inode as recorded) are not read again."""

    def __init__(self, order: list[str], facts: dict[str, Facts], scanned: int) -> None:
        self.order = order
        self.paths: Mapping[str, Path] = {}
        self.facts = facts
        self.shas = {relative: found.sha for relative, found in facts.items()}
        self.scanned = scanned
        self.selection: set[str] = set()  # what the last run parsed
        self.cache: Cache | None = None
        self.root: Path | None = None
        self.signature = ""
        self.recorded: dict[str, tuple[StatKey | None, Facts]] = {}

    @classmethod
    def compute(
        cls,
        root: Path,
        order: list[str],
        paths: Mapping[str, Path],
        cache: Cache | None,
        config: Config,
        options: Options,
        pool: Callable[[], ProcessPoolExecutor | None] | None = None,
    ) -> _Facts:
        primed = _current.facts if _current is not None else None
        if primed is not None and primed.root == root and primed.order == order:
            return primed
        words = sorted({wrapper.function.rsplit(".", 1)[-1] for wrapper in config.wrappers})
        signature = _facts_signature(words)
        known: dict[str, tuple[StatKey | None, Facts]] = {}
        selection: set[str] = set()
        if cache is not None:
            known, selection = cache.load_facts(root, signature)
        facts: dict[str, Facts] = {}
        recorded: dict[str, tuple[StatKey | None, Facts]] = {}
        todo: list[tuple[str, str, StatKey | None]] = []
        for relative in order:
            try:
                stat = stat_key(os.stat(paths[relative]))
            except OSError:
                continue  # unreadable: parsed, to report it exactly
            entry = known.get(relative)
            if stat is not None and entry is not None and entry[0] == stat:
                facts[relative] = entry[1]
                recorded[relative] = entry
            else:
                todo.append((relative, str(paths[relative]), stat))
        if todo:
            from mixlint.prefilter import Scanner
            from mixlint.sdk import load_sdk

            scanner = Scanner(load_sdk().methods, words)
            scanned = _scan(scanner, [(r, p) for r, p, _ in todo], options, pool)
            for (relative, _, stat), found in zip(todo, scanned, strict=True):
                if found is not None:
                    facts[relative] = found
                    recorded[relative] = (stat, found)
        made = cls(order, facts, len(todo))
        made.paths = paths
        made.selection = selection
        made.cache, made.root, made.signature, made.recorded = cache, root, signature, recorded
        # Rewriting the manifest (every file's facts) can cost more than reading the
        # few changed files again next time.
        gone = len(known.keys() - recorded.keys())
        if cache is not None and (len(todo) * MANIFEST_ENTRIES_PER_SCAN > len(order) or gone):
            cache.store_facts(root, signature, recorded, selection)
        return made

    def remember(self, selection: set[str]) -> None:
        """Record which files this run parsed (the next run starts from them)."""
        if self.cache is not None and self.root is not None and selection != self.selection:
            self.cache.store_facts(self.root, self.signature, self.recorded, selection)
            self.selection = selection


def _facts_signature(words: Sequence[str]) -> str:
    from mixlint.resources import data_dir

    digest = hashlib.sha256(json.dumps(words).encode())
    for path in (Path(__file__).parent / "prefilter.py", data_dir() / "sdk" / "mixpanel.yaml"):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()[:32]


def _scan(
    scanner: Scanner,
    items: list[tuple[str, str]],
    options: Options,
    pool: Callable[[], ProcessPoolExecutor | None] | None,
) -> list[Facts | None]:
    if pool is not None and options.jobs > 1 and len(items) > PARALLEL_MIN_FILES:
        size = sum(_size(path) for _, path in items)
        if size >= PARALLEL_MIN_SCAN_BYTES:
            executor = pool()
            if executor is not None:
                done = _map(executor, _scan_chunk, items, (scanner,), options.jobs)
                if done is not None:
                    return done
    from mixlint.prefilter import scan_files

    return scan_files(scanner, items, _read)


class _Run:
    def __init__(
        self,
        root: Path,
        files: Sequence[tuple[str, Path]],
        names: dict[str, ModuleName],
        config: Config,
        options: Options,
    ) -> None:
        self.root = root
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
        shared = _current.workers if _current is not None and _current.root == root else None
        self.owns_workers = shared is None
        self.workers = shared if shared is not None else _Workers(options, config)
        if self.workers.cache is None:
            self.workers.cache = self.cache
        self.results: dict[str, Result] = {}
        self.refs: dict[str, tuple[ModuleSummary, Any]] = {}
        self.shas: dict[str, str] = {}
        from mixlint.project import module_finder

        self.finder = module_finder(root, self.order)

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

    def _unresolved(self, facts: _Facts) -> list[UnresolvedImport]:
        """The imports of project modules that name nothing of the project, in every
        file (analysed or not: an unresolved import may be why a file was not): those
        its text suggests, confirmed by CPython's syntax tree."""
        from mixlint.modules import unresolved_imports
        from mixlint.prefilter import cpython_tree

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
                tree = cpython_tree(_read(str(self.paths[relative])))
            except OSError:
                continue
            if tree is not None:
                found.extend(unresolved_imports(finder, relative, tree))
        return sorted(found, key=lambda item: (item.path.split("/"), item.line, item.module))

    def _selected(self, facts: _Facts) -> ProjectModel:
        """The model of the files the prefilter selects, in rounds."""
        from mixlint.prefilter import Selector

        selector = Selector(facts.facts, self.finder)
        known = set(self.order)
        wanted = (
            selector.select()
            | {r for r in self.order if r not in facts.facts}
            | (facts.selection & known)
        )
        wanted |= self._broken(self.options.explicit & known - wanted)
        for relative in wanted:
            self.stats.reasons[relative] = "text or last run"
        for relative in selector.go_betweens(wanted):
            wanted.add(relative)
            self.stats.reasons[relative] = "between selected files"
        # The rounds need each function's direct tracking calls and callers only (what
        # makes a function relevant), a cheaper model. But the round that turns out to be
        # the last can as well make the complete model at once: a run that starts from
        # the files the last run parsed rarely needs a second round, and the rounds after
        # the first add few files and are mostly the last.
        complete = bool(facts.selection & known)
        while True:
            self.stats.rounds += 1
            self.summarise([r for r in self.order if r in wanted and r not in self.results])
            model = self._assembled(direct_only=not complete)
            selector.preloaded = self.refs
            found = selector.next_round(model.modules, model, self.results.keys())
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
        if _current is not None and _current.root == self.root:
            _current.selection = set(self.results)
            _current.exports = found.exports
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
                data = _read(str(self.paths[relative]))
            except OSError:
                broken.add(relative)
                continue
            if not compiles(data):
                broken.add(relative)
        return broken

    def _facts(self) -> _Facts:
        found = _Facts.compute(
            self.root,
            self.order,
            self.paths,
            self.cache,
            self.config,
            self.options,
            self.workers.get,
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
        early = _current.early if _current is not None and _current.root == self.root else None
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
        if _current is not None and (ahead or started is not None):
            _current.use_idle_time()
        late.extend(self._take_early(early, ahead) if early is not None else ())
        late.extend(self._finish(*started) if started is not None else todo)
        if late:
            self.stats.parsed += len(late)
            _init(self.config, cache, self.options.timeout, self.options.prefilter)
            for relative in late:
                sha, result, refs, _ = _summarise_one(
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
        tasks = [(relative, str(self.paths[relative]), self.names[relative]) for relative in todo]
        answers = early.parse(tasks) if early is not None else None
        if answers is not None:
            self.stats.parallel = True
            return todo, answers
        pool = self.workers.running
        if pool is None and len(todo) > PARALLEL_MIN_FILES:
            pool = self.workers.get()
        if pool is None:
            return None
        from concurrent.futures.process import BrokenProcessPool

        self.stats.parallel = True
        try:
            futures = _submit(pool, _summarise_chunk, tasks, self.options.jobs)
        except (BrokenProcessPool, RuntimeError):
            self.workers.fail()
            return None

        def answered() -> Iterator[tuple[list[int], list[Any]]]:
            try:
                for indexes, future in futures:
                    yield indexes, future.result()
            except BrokenProcessPool:
                self.workers.fail()
                raise _Unanswered from None

        return todo, answered()

    def _finish(self, todo: list[str], answers: Iterator[tuple[list[int], list[Any]]]) -> list[str]:
        """Keep the summaries as they come; the files still to summarise in-process
        (those not answered when the pool broke or the early child ended, those too
        deep to pickle)."""
        answered = [False] * len(todo)
        try:
            for indexes, values in answers:
                for index, (sha, body) in zip(indexes, values, strict=True):
                    relative = todo[index]
                    found = entry_of(loads(body), relative) if body else None
                    if found is None:
                        continue
                    answered[index] = True
                    self.stats.parsed += 1
                    self._keep(relative, *found)
                    if sha:
                        self.shas[relative] = sha
        except _Unanswered:
            pass
        return [relative for relative, done in zip(todo, answered, strict=True) if not done]

    def _keep(self, relative: str, result: Result, refs: Any) -> None:
        self.results[relative] = result
        if refs is not None and isinstance(result, ModuleSummary):
            self.refs[relative] = (result, refs)

    def close(self) -> None:
        if self.owns_workers:
            self.workers.close()


def _map(
    pool: ProcessPoolExecutor,
    function: Callable[..., list[Any]],
    items: Sequence[Any],
    extra: tuple[Any, ...],
    jobs: int,
) -> list[Any] | None:
    """``function`` over chunks of ``items`` in the pool, results in item order;
    None when the pool broke (the caller then works in-process)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        futures = _submit(pool, function, items, jobs, *extra)
        results: list[Any] = [None] * len(items)
        for indexes, future in futures:
            for index, value in zip(indexes, future.result(), strict=True):
                results[index] = value
    except BrokenProcessPool:
        return None
    return results


def _submit(
    pool: ProcessPoolExecutor,
    function: Callable[..., list[Any]],
    items: Sequence[Any],
    jobs: int,
    *extra: Any,
) -> list[tuple[list[int], Future[list[Any]]]]:
    """``function(chunk, *extra)`` submitted for each chunk of ``items``, with the
    indexes of the chunk's items."""
    return [
        (indexes, pool.submit(function, [items[i] for i in indexes], *extra))
        for indexes in _chunks(len(items), jobs * CHUNKS_PER_WORKER)
    ]


def _chunks(count: int, wanted: int) -> list[list[int]]:
    """Round-robin groups of indexes (neighbouring files differ in size less)."""
    groups = max(1, min(count, wanted))
    return [list(range(start, count, groups)) for start in range(groups)]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


# -- in each worker (and in-process) ---------------------------------------------------

_config: Config | None = None
_cache: Cache | None = None
_timeout: float | None = None
_refs = True  # work out the prefilter's references of each summary
_armed = False


class _TimedOut(BaseException):
    """Raised by the alarm in the middle of a file's analysis (not an ``Exception``)."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    if _armed:
        raise _TimedOut


def _init(config: Config, cache: Cache | None, timeout: float | None, refs: bool = True) -> None:
    global _config, _cache, _timeout, _refs
    _config, _cache, _timeout, _refs = config, cache, timeout, refs
    _exit_with_parent()


def _init_under_early_child(*setup: Any) -> None:
    # The early child is killed, not shut down: its workers must die with it at once
    # (a watching thread takes up to a second, and they hold the run's stdout).
    killable.die_with(os.getppid())
    _init(*setup)


def _exit_with_parent() -> None:
    """A worker whose mixlint was killed (SIGKILL, CI time-out) must not linger:
    nothing would ever send it work again, and it would hold its memory for good."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="mixlint-parent-watch", daemon=True).start()


def _scan_chunk(items: list[tuple[str, str]], scanner: Scanner) -> list[Facts | None]:
    from mixlint.prefilter import scan_files

    return scan_files(scanner, items, _read)


def _summarise_chunk(tasks: Iterable[tuple[str, str, ModuleName]]) -> list[tuple[str, bytes]]:
    """In a worker: (sha of the bytes read, pickled (summary, refs)) per task; an empty
    pickle for a summary too deeply nested to pickle (the caller makes it itself)."""
    done = []
    for task in tasks:
        sha, result, refs, body = _summarise_one(*task)
        if body is None:
            body = _pickled((result, refs)) or b""
        done.append((sha, body))
    return done


def _pickled(value: Any) -> bytes | None:
    """``dumps``, or None for a value nested deeper than pickling can go (a summary of
    thousands of chained assignments): it is then neither cached nor sent."""
    try:
        return dumps(value)
    except RecursionError:
        return None


_Made = tuple[Result, Any, bytes | None]  # a summary, its references, their pickle


class _Sent(enum.Enum):
    UNSENT = "unsent"  # the child could not send a summary: make it in this process


_UNSENT = _Sent.UNSENT


def _import_parser() -> None:
    """What summarising a file imports (libcst, ~0.3 s), before a fork or a wait."""
    for module in ("libcst.native", "mixlint.collect", "mixlint.prefilter", "mixlint.project"):
        importlib.import_module(module)


def _summarise_one(
    relative: str, path: str, name: ModuleName
) -> tuple[str, Result, Any, bytes | None]:
    """(sha, summary, its prefilter references, their pickle if one was made for the
    cache or in a child process) of one file."""
    from mixlint.project import MAX_FILE_BYTES

    try:
        if os.stat(path).st_size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            return "", FileProblem(relative, f"file is larger than {limit} MB"), None, None
        data = _read(path)
    except OSError as error:
        problem = FileProblem(relative, f"cannot read file: {error.strerror or error}")
        return "", problem, None, None
    sha = hashlib.sha256(data).hexdigest()
    made = _made_in_child(data, relative, name) if _isolated(data) else _UNSENT
    if made is _UNSENT:
        made = _made_here(data, relative, name)
    if made is None:
        timed_out = FileProblem(relative, f"analysis timed out after {_timeout or 0:g}s")
        return sha, timed_out, None, None
    summary, refs, body = made
    if _cache is not None and body is not None:
        _cache.store(_cache.key(relative, name.module, name.is_package, sha), body)
    return sha, summary, refs, body


def _isolated(data: bytes) -> bool:
    """Whether a file is large or nested enough for libcst's parser, which no alarm
    interrupts, to plausibly outlast the time limit: then it is analysed in a child
    process."""
    if _timeout is None or not killable.AVAILABLE:
        return False
    return len(data) > _timeout * ISOLATE_BYTES_PER_S or _maybe_deep(data)


def _maybe_deep(data: bytes) -> bool:
    """Whether CPython's syntax tree of ``data`` is deeper than ``ISOLATE_DEPTH``, or
    CPython cannot tell: it stops at a syntax error, and at 200 nested brackets
    (CPython parses some 20 times faster than libcst)."""
    from mixlint.prefilter import cpython_tree

    tree = cpython_tree(data)
    if tree is None:
        return True
    pending: list[tuple[ast.AST, int]] = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > ISOLATE_DEPTH:
            return True
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


def _made_here(data: bytes, relative: str, name: ModuleName) -> _Made | None:
    """The summary made in this process under the alarm; None when it ran out of time."""
    from mixlint.project import summarize_bytes

    config = _config
    assert config is not None
    summary = _timed(lambda: summarize_bytes(data, relative, name, config))
    if summary is None:
        return None
    return _with_refs(summary, pickle=_cache is not None)


def _made_in_child(data: bytes, relative: str, name: ModuleName) -> _Made | _Sent | None:
    """The summary made in a child process, which is killed when the analysis takes
    longer than the time limit (or sending it back as long again); None then."""
    from mixlint.project import summarize_bytes

    config = _config
    assert config is not None and _timeout is not None
    _import_parser()  # here once, not in every child (~0.7 s)
    sent = killable.in_child(
        lambda: summarize_bytes(data, relative, name, config),
        lambda summary: _with_refs(summary, pickle=True)[2] or b"",
        _timeout,
    )
    if sent is killable.Outcome.CRASHED:  # not tried here: it would crash mixlint
        return FileProblem(relative, "the parser crashed"), None, None
    # Failed (an exception) or too deep to pickle: this process tries, so that what
    # happens then is what happens without a child.
    if isinstance(sent, killable.Outcome):
        return None if sent is killable.Outcome.TIMED_OUT else _UNSENT
    found = entry_of(loads(sent), relative) if sent else None
    if found is None:
        return _UNSENT
    return found[0], found[1], sent


def _with_refs(summary: Result, pickle: bool) -> _Made:
    """The summary with its prefilter references (when wanted) and, if ``pickle``,
    their pickle (None when too deep)."""
    from mixlint.prefilter import module_refs

    wanted = _refs or _cache is not None
    refs = module_refs(summary) if wanted and isinstance(summary, ModuleSummary) else None
    return summary, refs, _pickled((summary, refs)) if pickle else None


def _timed(work: Callable[[], Result]) -> Result | None:
    """``work()``, or None when it ran out of time."""
    global _armed
    if (
        _timeout is None
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return work()
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        _armed = True
        signal.setitimer(signal.ITIMER_REAL, _timeout)
        try:
            return work()
        finally:
            _armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _TimedOut:
        return None
    finally:
        signal.signal(signal.SIGALRM, previous)
