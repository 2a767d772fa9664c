"""The persistent cache in ``.mixlint_cache/``: a re-run only re-reads what changed.

Three kinds of entry, all plain pickles of ``mixlint.model`` / ``mixlint.prefilter``
data (nothing else can be unpickled from them, so a planted file cannot run
code):

- a module's summary (``ModuleSummary`` or ``FileProblem``, with the references
  the prefilter reads from it), one file per entry, under a key made of the
  file's content hash, its relative path and module name, the consent
  configuration, mixlint's and libcst's versions and the code that produces
  summaries (so that editing mixlint invalidates them);
- per project, what the prefilter read from each file (``Facts``) with the
  file's size, mtime and inode, so that an unchanged file is not even read
  again (a file changed within the same two seconds as it was recorded is
  read again, as git does for racy entries), and which files the last run parsed;
- per project and paths checked, the findings of the last ``mixlint check`` with
  a digest of everything they depend on (``mixlint.run.memo``).

Every entry starts with a magic line, its key and a digest of its body: a
truncated, corrupt or foreign entry is ignored (and rebuilt). Writes go to a
temporary file that is renamed over the entry, so a reader, or another mixlint
running at the same time, sees a whole entry or none. A cache folder that
cannot be created or written is not an error: mixlint runs without it.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import functools
import hashlib
import io
import os
import pickle
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixlint import __version__
from mixlint.model import (
    Binding,
    CallSite,
    ClassField,
    ClassSummary,
    Expr,
    FileProblem,
    FunctionSummary,
    ModuleSummary,
    Parameter,
    Span,
)

if TYPE_CHECKING:
    from mixlint.config import Config
    from mixlint.prefilter import Facts

CACHE_DIR_NAME = ".mixlint_cache"
SCHEMA = "2"  # 2: ModuleSummary.classes
_MAGIC = b"mixlint-cache 1\n"
_GITIGNORE = "# Created by mixlint: a cache, never to be committed.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by mixlint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
_CODE_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".toml", ".txt")
_RACY_NS = 2_000_000_000

StatKey = tuple[int, int, int]  # (mtime_ns, size, inode)
Result = ModuleSummary | FileProblem


def _by_constructor(cls: type) -> None:
    """Pickle instances of a model dataclass as a constructor call with its fields in
    order: loading then runs ``__init__`` instead of the generic ``__setstate__`` of
    slotted dataclasses, twice as fast for the many small ``Expr`` nodes."""
    names = tuple(f.name for f in dataclasses.fields(cls))

    def reduce(obj: Any) -> tuple[type, tuple[Any, ...]]:
        return cls, tuple(getattr(obj, name) for name in names)

    copyreg.pickle(cls, reduce)


for _class in (
    Binding,
    Expr,
    Span,
    CallSite,
    FunctionSummary,
    Parameter,
    ClassField,
    ClassSummary,
    ModuleSummary,
    FileProblem,
):
    _by_constructor(_class)


class _Unpickler(pickle.Unpickler):
    """Only mixlint's plain-data classes (and nothing that runs code) may be loaded."""

    _ALLOWED = frozenset(
        {
            "mixlint.model",
            "mixlint.modules",
            # The prefilter's: what a file's text says, what its code uses, what re-exports.
            "mixlint.prefilter.scan",
            "mixlint.prefilter.references",
            "mixlint.prefilter.reach",
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if module in self._ALLOWED and not name.startswith("_"):
            value = super().find_class(module, name)
            if isinstance(value, type):
                return value
        raise pickle.UnpicklingError(f"not a mixlint cache class: {module}.{name}")


def loads(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


@functools.cache
def code_digest() -> str:
    """mixlint's own code and data (every module, since what a summary holds or a
    finding says may depend on any): a change makes cached entries stale."""
    from mixlint.resources import data_dir

    digest = hashlib.sha256()
    for base in (Path(__file__).parent, data_dir()):
        for folder, dirs, names in sorted(os.walk(base)):
            dirs.sort()
            for name in sorted(names):
                if name.endswith(_CODE_SUFFIXES):
                    path = os.path.join(folder, name)
                    try:
                        with open(path, "rb") as handle:
                            digest.update(os.path.relpath(path, base).encode("utf-8", "replace"))
                            digest.update(handle.read())
                    except OSError:
                        digest.update(b"?")
    return digest.hexdigest()


@functools.cache
def _libcst_version() -> str:
    """The installed libcst, without importing it: its generated ``_version.py``
    (cheaper than scanning every distribution's metadata), else the metadata."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("libcst")
        if spec is not None and spec.origin:
            version_file = Path(spec.origin).parent / "_version.py"
            return hashlib.sha256(version_file.read_bytes()).hexdigest()[:16]
    except (ImportError, OSError, ValueError):
        pass
    try:
        from importlib.metadata import version

        return version("libcst")
    except Exception:
        return "?"


def consent_hash(config: Config) -> str:
    return hashlib.sha256(repr(dataclasses.astuple(config.consent)).encode()).hexdigest()[:16]


class Cache:
    """One cache folder. Picklable (paths and strings), so worker processes can write to it."""

    def __init__(self, directory: Path, salt: str, writable: bool = True) -> None:
        self.directory = directory
        self.salt = salt  # everything besides the file that a summary depends on
        self.writable = writable

    @classmethod
    def open(cls, directory: Path, config: Config) -> Cache | None:
        """The cache at ``directory`` (created with its ``.gitignore``), or None if unusable."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
            ignore = directory / ".gitignore"
            if not ignore.exists():
                _write(ignore, _GITIGNORE.encode())
            tag = directory / "CACHEDIR.TAG"
            if not tag.exists():
                _write(tag, _CACHEDIR_TAG.encode())
            (directory / f"v{SCHEMA}").mkdir(exist_ok=True)
        except OSError:
            return None
        salt = "|".join(
            (
                SCHEMA,
                __version__,
                _libcst_version(),
                code_digest(),
                consent_hash(config),
            )
        )
        return cls(directory, salt)

    # -- summaries

    def key(self, relative: str, module: str, is_package: bool, sha: str) -> str:
        material = "\0".join((self.salt, relative, module, str(is_package), sha))
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / f"v{SCHEMA}" / key[:2] / key

    def has(self, key: str) -> bool:
        return self._entry(key).is_file()

    def load(self, key: str, relative: str) -> tuple[Result, Any] | None:
        """The summary of ``relative`` stored under ``key`` and what was stored with it."""
        return entry_of(_read(self._entry(key), key), relative)

    def store(self, key: str, body: bytes) -> None:
        """``body``: the pickled (result, extra) pair (``dumps``)."""
        if not self.writable:
            return
        path = self._entry(key)
        try:
            path.parent.mkdir(exist_ok=True)
            _write(path, _wrap(body, key))
        except OSError:
            self.writable = False

    # -- what the prefilter read, per project

    def _manifest(self, root: Path, signature: str) -> Path:
        """The file of what the prefilter read in the project at ``root``."""
        name = hashlib.sha256(f"{root}\0{signature}".encode("utf-8", "surrogatepass")).hexdigest()
        return self.directory / f"v{SCHEMA}" / f"files-{name[:24]}"

    def load_facts(
        self, root: Path, signature: str
    ) -> tuple[dict[str, tuple[StatKey | None, Facts]], set[str]]:
        """Per file: (stat, facts); and the files the last run parsed."""
        from mixlint.prefilter import Facts

        value = self.load_value(self._manifest(root, signature).name, signature)
        if not (isinstance(value, tuple) and len(value) == 2):
            return {}, set()
        found, selection = value
        if not isinstance(found, dict) or not isinstance(selection, set):
            return {}, set()
        entries: dict[str, tuple[StatKey | None, Facts]] = {}
        for relative, entry in found.items():
            if (
                isinstance(relative, str)
                and isinstance(entry, tuple)
                and len(entry) == 2
                and isinstance(entry[1], Facts)
                and (entry[0] is None or isinstance(entry[0], tuple))
            ):
                entries[relative] = entry
        return entries, {item for item in selection if isinstance(item, str)}

    def store_facts(
        self,
        root: Path,
        signature: str,
        entries: dict[str, tuple[StatKey | None, Facts]],
        selection: set[str],
    ) -> None:
        self.store_value(self._manifest(root, signature).name, signature, (entries, selection))

    # -- single values (the manifest, remembered findings)

    def load_value(self, name: str, key: str) -> Any:
        """The value stored under ``name`` for ``key``; None if absent, stale or corrupt."""
        return _read(self.directory / f"v{SCHEMA}" / name, key)

    def store_value(self, name: str, key: str, value: Any) -> None:
        if not self.writable:
            return
        try:
            _write(self.directory / f"v{SCHEMA}" / name, _wrap(dumps(value), key))
        except OSError:
            self.writable = False


def entry_of(value: Any, relative: str) -> tuple[Result, Any] | None:
    """A (summary or problem of ``relative``, extra) pair, or None for anything else."""
    if isinstance(value, tuple) and len(value) == 2:
        result, extra = value
        if isinstance(result, (ModuleSummary, FileProblem)) and result.path == relative:
            return result, extra
    return None


def stat_key(info: os.stat_result) -> StatKey | None:
    """What tells an unchanged file, or None when it changed too recently to trust."""
    if info.st_mtime_ns >= time.time_ns() - _RACY_NS:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def _wrap(body: bytes, key: str) -> bytes:
    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    return b"".join((_MAGIC, key.encode(), b"\n", digest.encode(), b"\n", body))


def _read(path: Path, key: str) -> Any:
    """The value stored at ``path`` under ``key``; None if absent, stale or corrupt."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = _unwrap(data, key)
    if body is None:
        return None
    try:
        return loads(body)
    except Exception:
        return None


def _unwrap(data: bytes, key: str) -> bytes | None:
    header = _MAGIC + key.encode() + b"\n"
    if not data.startswith(header):
        return None
    rest = data[len(header) :]
    digest, newline, body = rest.partition(b"\n")
    if not newline or hashlib.blake2b(body, digest_size=16).hexdigest().encode() != digest:
        return None
    return body


def _write(path: Path, data: bytes) -> None:
    """Atomically (a temporary file renamed over ``path``); no fsync, it is only a cache."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
