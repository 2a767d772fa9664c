"""The early parser: a child forked as ``mixlint check`` starts, parsing for the run.

With more than one job (on Linux), ``EarlyParser.fork`` is the first thing ``mixlint
check`` does: the child imports libcst while this process reads the configuration,
the project and the cache, summarises at once the files a pre-commit hook names
(``send``, then ``take``), and parses what the prefilter selects (``parse``) in worker
processes forked from it, which need not import libcst again. The two processes
talk through two pipes, in messages framed by their length (``_send_message``).
The prefilter's own reading of every file runs in workers forked from this process.

May import ``mixlint.run.options``, ``mixlint.run.workers`` and
``mixlint.run.summarise``; this module is imported before the fork, so nothing that
loads libcst, the analysis or a process pool at import time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import select
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixlint import killable
from mixlint.cache import Cache, dumps, entry_of, loads
from mixlint.naming import PathNames
from mixlint.run.options import Options, default_cache_dir
from mixlint.run.summarise import (
    Result,
    file_size,
    import_parser,
    pickled,
    read_file,
    set_up,
    summarise_chunk,
    summarise_one,
)
from mixlint.run.workers import (
    Unanswered,
    forked_pool,
    init_worker_under_early_child,
    submit,
)

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from mixlint.config import Config
    from mixlint.discovery import ProjectFiles
    from mixlint.naming import ModuleName


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
        """The child's summaries of ``tasks`` (as ``summarise_chunk``'s), by groups of
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
                raise Unanswered
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
    import_parser()
    message = _receive_message(orders)
    if message is None:
        return  # the parent sent nothing
    tasks, config, options, cache_dir = pickle.loads(message)  # from the parent itself
    cache = Cache.open(cache_dir, config) if options.cache else None
    # The parent stores the named files' summaries it uses; the workers store theirs.
    read_only = None if cache is None else Cache(cache.directory, cache.salt, writable=False)
    set_up(config, read_only, options.timeout, options.prefilter)
    pool: ProcessPoolExecutor | None = None

    def workers() -> ProcessPoolExecutor:
        nonlocal pool
        if pool is None:
            pool = forked_pool(
                options.jobs,
                init_worker_under_early_child,
                (config, cache, options.timeout, options.prefilter),
            )
        return pool

    try:
        _send_message(answers, dumps(_summarise_named(tasks, cache, options.jobs, workers)))
        while message := _receive_message(orders):
            order = pickle.loads(message)
            for indexes, future in submit(workers(), summarise_chunk, order, options.jobs):
                _send_message(answers, dumps((indexes, future.result())))
            _send_message(answers, b"")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _summarise_named(
    tasks: list[tuple[str, str, ModuleName]],
    cache: Cache | None,
    jobs: int,
    workers: Callable[[], ProcessPoolExecutor],
) -> dict[str, tuple[str, bytes, bool]]:
    """(sha, pickled (summary, refs), cacheable) of each named file that ``cache``
    lacks; several of them in ``workers``, the largest first (a commit's big module
    would otherwise hold the others back)."""
    todo = []
    for task in tasks:
        relative, path, name = task
        if cache is not None:
            try:
                sha = hashlib.sha256(read_file(path)).hexdigest()
            except OSError:
                continue
            if cache.has(cache.key(relative, name.module, name.is_package, sha)):
                continue
        todo.append(task)
    made = {}
    if len(todo) > 1 and jobs > 1:
        todo.sort(key=lambda task: file_size(task[1]), reverse=True)
        for indexes, future in submit(workers(), summarise_chunk, todo, jobs, False):
            for index, (sha, sent, cacheable) in zip(indexes, future.result(), strict=True):
                if sha and sent:
                    made[todo[index][0]] = (sha, sent, cacheable)
        return made
    for relative, path, name in todo:
        sha, result, refs, body = summarise_one(relative, path, name)
        # A body made for the cache is cacheable (a time-out or a crash is not).
        sent = body or pickled((result, refs))
        if sha and sent:
            made[relative] = (sha, sent, body is not None)
    return made
