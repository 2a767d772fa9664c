"""What the prefilter reads from every file (``Facts``), remembered between runs.

``ProjectFacts.compute`` reads each file's facts and content hash, from the cache's
manifest when the file is unchanged (same size, mtime and inode as recorded) and
otherwise by reading it again, in worker processes when there is much to read. The
manifest also records which files the last run parsed: the next run's rounds start
from them, and the memo's key is made of the hashes.

May import ``mixlint.run.options``, ``mixlint.run.workers`` and
``mixlint.run.summarise``; ``mixlint.prefilter`` where files are read.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mixlint.cache import Cache, StatKey, stat_key
from mixlint.run import workers
from mixlint.run.summarise import file_size, read_file, scan_chunk

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from mixlint.config import Config
    from mixlint.prefilter import Facts, References, Scanner
    from mixlint.run.options import Options

# Writing one file's entry of the prefilter's manifest costs about 1/30 of reading the
# file and its facts again (10 us against 0.3 ms, standard library files).
MANIFEST_ENTRIES_PER_SCAN = 32


class ProjectFacts:
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
        primed: ProjectFacts | None = None,
    ) -> ProjectFacts:
        """``primed``: the facts this run read already (the memo's), if any."""
        if primed is not None and primed.root == root and primed.order == order:
            return primed
        words = sorted({wrapper.function.rsplit(".", 1)[-1] for wrapper in config.wrappers})
        signature = _signature(words)
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

    def references(self) -> dict[str, tuple[str, References | None]]:
        """What the last run's prefilter read of the files' code (``References``), by
        path, with the hash of the content it read."""
        if self.cache is None or self.root is None:
            return {}
        value = self.cache.load_value(self._references_name(), self.signature)
        return value if isinstance(value, dict) else {}

    def remember_references(self, found: dict[str, tuple[str, References | None]]) -> None:
        if self.cache is not None and self.root is not None:
            kept = {path: entry for path, entry in found.items() if path in self.facts}
            self.cache.store_value(self._references_name(), self.signature, kept)

    def _references_name(self) -> str:
        material = f"{self.root}\0{self.signature}".encode("utf-8", "surrogatepass")
        return "references-" + hashlib.sha256(material).hexdigest()[:24]

    def remember(self, selection: set[str]) -> None:
        """Record which files this run parsed (the next run starts from them)."""
        if self.cache is not None and self.root is not None and selection != self.selection:
            self.cache.store_facts(self.root, self.signature, self.recorded, selection)
            self.selection = selection


def _signature(words: Sequence[str]) -> str:
    """What the facts depend on besides the file: the prefilter's code, the SDK's
    methods, the wrappers' names."""
    from mixlint.resources import data_dir

    digest = hashlib.sha256(json.dumps(words).encode())
    package = Path(__file__).parent.parent
    for path in (package / "prefilter" / "scan.py", data_dir() / "sdk" / "mixpanel.yaml"):
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
    if pool is not None and options.jobs > 1 and len(items) > workers.PARALLEL_MIN_FILES:
        size = sum(file_size(path) for _, path in items)
        if size >= workers.PARALLEL_MIN_SCAN_BYTES:
            executor = pool()
            if executor is not None:
                done = workers.in_order(executor, scan_chunk, items, (scanner,), options.jobs)
                if done is not None:
                    return done
    from mixlint.prefilter import scan_files

    return scan_files(scanner, items, read_file)
