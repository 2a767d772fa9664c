"""One file's summary, in whichever process makes it, within the time limit.

``summarise_one`` reads a file, hashes it, has ``mixlint.parse`` summarise it and
stores the summary in the cache; worker processes run it by chunks
(``summarise_chunk``), the run itself for what no worker answered. ``set_up`` gives
each process the configuration, cache and time limit it works with.

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

May import ``mixlint.parse``, ``mixlint.prefilter`` (its references), the cache and
``mixlint.killable``; no other module of ``mixlint.run``.
"""

from __future__ import annotations

import ast
import enum
import hashlib
import importlib
import os
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import TYPE_CHECKING, Any

from mixlint import killable
from mixlint.cache import Cache, dumps, entry_of, loads
from mixlint.model import FileProblem, ModuleSummary

if TYPE_CHECKING:
    from mixlint.config import Config
    from mixlint.naming import ModuleName
    from mixlint.prefilter import Facts, Scanner

Result = ModuleSummary | FileProblem

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


def set_up(config: Config, cache: Cache | None, timeout: float | None, refs: bool = True) -> None:
    """What this process summarises with: the configuration, the cache it stores
    summaries in, the time limit per file, whether to work out the references."""
    global _config, _cache, _timeout, _refs
    _config, _cache, _timeout, _refs = config, cache, timeout, refs


def read_file(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def file_size(path: str) -> int:
    """The size of the file at ``path`` (0 when it cannot be read)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def scan_chunk(items: list[tuple[str, str]], scanner: Scanner) -> list[Facts | None]:
    """In a worker: what the prefilter reads from each (relative, path)."""
    from mixlint.prefilter import scan_files

    return scan_files(scanner, items, read_file)


def summarise_chunk(
    tasks: Iterable[tuple[str, str, ModuleName]], store: bool = True
) -> list[tuple[str, bytes, bool]]:
    """In a worker: (sha of the bytes read, pickled (summary, refs), whether it is one
    for the cache) per task; an empty pickle for a summary too deeply nested to pickle
    (the caller makes it itself). ``store``: into the cache too (else the caller does,
    when it uses them: the files a pre-commit hook names)."""
    global _cache
    kept = _cache
    if not store and kept is not None:
        _cache = Cache(kept.directory, kept.salt, writable=False)
    try:
        done = []
        for task in tasks:
            sha, result, refs, body = summarise_one(*task)
            done.append((sha, body or pickled((result, refs)) or b"", body is not None))
        return done
    finally:
        _cache = kept


def pickled(value: Any) -> bytes | None:
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


def import_parser() -> None:
    """What summarising a file imports (libcst, ~0.3 s), before a fork or a wait."""
    for module in ("libcst.native", "mixlint.collect", "mixlint.prefilter", "mixlint.parse"):
        importlib.import_module(module)


def summarise_one(
    relative: str, path: str, name: ModuleName
) -> tuple[str, Result, Any, bytes | None]:
    """(sha, summary, its prefilter references, their pickle if one was made for the
    cache or in a child process) of one file."""
    from mixlint.parse import MAX_FILE_BYTES

    try:
        if os.stat(path).st_size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            return "", FileProblem(relative, f"file is larger than {limit} MB"), None, None
        data = read_file(path)
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
    from mixlint.parse import summarize_bytes

    config = _config
    assert config is not None
    summary = _timed(lambda: summarize_bytes(data, relative, name, config))
    if summary is None:
        return None
    return _with_refs(summary, pickle=_cache is not None)


def _made_in_child(data: bytes, relative: str, name: ModuleName) -> _Made | _Sent | None:
    """The summary made in a child process, which is killed when the analysis takes
    longer than the time limit (or sending it back as long again); None then."""
    from mixlint.parse import summarize_bytes

    config = _config
    assert config is not None and _timeout is not None
    import_parser()  # here once, not in every child (~0.7 s)
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
    return summary, refs, pickled((summary, refs)) if pickle else None


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
