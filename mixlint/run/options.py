"""How a run runs (``Options``) and what the last one did (``Stats``).

None of it changes the findings. May import only ``mixlint.cache`` (the cache
folder's name): every module of ``mixlint.run`` reads these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mixlint.cache import CACHE_DIR_NAME


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


def keep_stats(stats: Stats) -> None:
    """Make ``stats`` the last run's (read as ``mixlint.run.options.LAST_STATS``)."""
    global LAST_STATS
    LAST_STATS = stats


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_cache_dir(root: Path) -> Path:
    return root / CACHE_DIR_NAME
