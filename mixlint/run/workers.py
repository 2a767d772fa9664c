"""Worker processes: a pool started when first needed, and work given to it by chunks.

A run hands its workers two kinds of work: the prefilter's reading of files
(``mixlint.run.facts``) and the summaries of the files it selected
(``mixlint.run.rounds``). Results come back in item order whatever the order the
work finishes in, so output never depends on ``--jobs``. The pool is forked on
Linux (it shares what this process imported); each worker exits when its mixlint
dies. concurrent.futures and multiprocessing are imported where a pool starts:
most runs need none.

May import ``mixlint.run.options`` and ``mixlint.run.summarise`` (what a worker
does), nothing above them.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from mixlint import killable
from mixlint.run.summarise import set_up

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from mixlint.cache import Cache
    from mixlint.config import Config
    from mixlint.run.options import Options

PARALLEL_MIN_FILES = 8  # fewer files to parse than this: in-process (unless a pool runs)
PARALLEL_MIN_SCAN_BYTES = 4 * 1024 * 1024  # less text to prefilter than this: in-process
CHUNKS_PER_WORKER = 4


class Workers:
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
                self._pool = forked_pool(
                    options.jobs,
                    init_worker,
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


class Unanswered(Exception):
    """The worker pool broke, or the early child ended (or did not answer in time),
    before answering all it was given."""


def forked_pool(
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


def init_worker(config: Config, cache: Cache | None, timeout: float | None, refs: bool) -> None:
    """A new worker: ``set_up`` as its run is, and exit when its mixlint does."""
    set_up(config, cache, timeout, refs)
    _exit_with_parent()


def init_worker_under_early_child(*setup: Any) -> None:
    """A new worker of the early child (``mixlint.run.early``)."""
    # The early child is killed, not shut down: its workers must die with it at once
    # (a watching thread takes up to a second, and they hold the run's stdout).
    killable.die_with(os.getppid())
    init_worker(*setup)


def _exit_with_parent() -> None:
    """A worker whose mixlint was killed (SIGKILL, CI time-out) must not linger:
    nothing would ever send it work again, and it would hold its memory for good."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="mixlint-parent-watch", daemon=True).start()


def in_order(
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
        futures = submit(pool, function, items, jobs, *extra)
        results: list[Any] = [None] * len(items)
        for indexes, future in futures:
            for index, value in zip(indexes, future.result(), strict=True):
                results[index] = value
    except BrokenProcessPool:
        return None
    return results


def submit(
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
