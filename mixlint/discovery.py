"""Paths on the command line -> the Python files to analyse, and the project root."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pathspec

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        "build",
        "dist",
        "site-packages",
        ".mixlint_cache",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


class DiscoveryError(Exception):
    """A path argument that cannot be used (the CLI turns it into exit code 2)."""


@dataclass(slots=True)
class Discovered:
    root: Path
    files: list[Path] = field(default_factory=list)  # absolute, deterministic order
    requested: list[Path] = field(default_factory=list)  # files and directories named by the user
    problems: list[tuple[Path, str]] = field(default_factory=list)  # unreadable entries


def find_root(paths: Sequence[Path]) -> Path:
    """The nearest folder upward of the first path holding a project marker."""
    # os.path.realpath, unlike Path.resolve on Python < 3.13, does not raise
    # on a symbolic link loop.
    start = Path(os.path.realpath(paths[0] if paths else Path.cwd()))
    if not os.path.isdir(start):
        start = start.parent
    for candidate in (start, *start.parents):
        if any(os.path.lexists(candidate / marker) for marker in ROOT_MARKERS):
            return candidate
    return start


def _is_virtualenv(directory: Path) -> bool:
    # os.path.isfile, unlike Path.is_file, is False (not an error) for a
    # folder that cannot be searched.
    return os.path.isfile(directory / "pyvenv.cfg")


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be analysed as a file, or None when it is a regular file.

    Only regular files are ever opened: reading a FIFO named ``x.py`` would
    block the run forever, a device could be endless. Symbolic links are
    followed; a broken one or a loop is a problem, not a crash.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
        if error.errno == errno.ENOENT and os.path.islink(path):
            return "broken symbolic link"
        return f"cannot read file: {error.strerror or error}"
    if stat.S_ISREG(mode):
        return None
    return f"not a regular file (it is {_file_kind(mode)})"


def _undecodable(relative: str) -> bool:
    """Whether a path holds bytes that are not UTF-8 (kept as surrogates by ``os``).

    Such a name cannot be written to a UTF-8 report, nor imported as a module.
    """
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _printable(path: Path, root: Path) -> Path:
    """``path`` with each byte that is not UTF-8 written as ``\\xNN``, for reports."""
    relative = _relative(path, root)
    text = os.fsencode(relative).decode("utf-8", "backslashreplace")
    return root / text if relative != path.as_posix() else Path(text)


def _add(found: Discovered, path: Path, root: Path) -> None:
    """Record ``path`` to analyse, or the reason it cannot be."""
    if _undecodable(_relative(path, root)):
        found.problems.append((_printable(path, root), "file name is not valid UTF-8"))
        return
    problem = file_problem(path)
    if problem is not None:
        found.problems.append((path, problem))
    else:
        found.files.append(path)


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "a special file"


def _matches(relative: str, patterns: Sequence[str]) -> bool:
    name = relative.rsplit("/", 1)[-1]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch(relative, pattern) or fnmatch(name, pattern):
            return True
        if fnmatch(relative, pattern + "/*") or relative.startswith(pattern + "/"):
            return True
    return False


def _gitignore(directory: Path) -> pathspec.PathSpec[Any] | None:
    ignore_file = directory / ".gitignore"
    try:
        text = ignore_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(text.splitlines())


def _ignored(
    path: Path, is_dir: bool, specs: Sequence[tuple[Path, pathspec.PathSpec[Any]]]
) -> bool:
    for base, spec in specs:
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            continue
        if spec.match_file(relative + ("/" if is_dir else "")):
            return True
    return False


def _walk(
    directory: Path,
    root: Path,
    excludes: Sequence[str],
    specs: list[tuple[Path, pathspec.PathSpec[Any]]],
    seen: set[tuple[int, int]],
    found: Discovered,
) -> None:
    try:
        info = directory.stat()
    except OSError as error:
        found.problems.append((directory, f"cannot read directory: {error.strerror}"))
        return
    # Symlinked directories can form loops; a (device, inode) pair is visited once.
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return
    seen.add(key)
    spec = _gitignore(directory)
    local_specs = [*specs, (directory, spec)] if spec is not None else specs
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as error:
        found.problems.append((directory, f"cannot read directory: {error.strerror}"))
        return
    for entry in entries:
        path = Path(entry.path)
        relative = _relative(path, root)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if entry.name in SKIPPED_DIRS or _is_virtualenv(path):
                continue
            if _matches(relative, excludes) or _ignored(path, True, local_specs):
                continue
            _walk(path, root, excludes, local_specs, seen, found)
        elif entry.name.endswith(".py"):
            if _matches(relative, excludes) or _ignored(path, False, local_specs):
                continue
            _add(found, path, root)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Iterable[str | Path], excludes: Sequence[str] = ()) -> Discovered:
    """Walk directories for ``*.py``; files named explicitly are always analysed."""
    arguments = [Path(p) for p in paths] or [Path(".")]
    for argument in arguments:
        try:
            os.lstat(argument)
        except FileNotFoundError:
            raise DiscoveryError(f"path '{argument}' does not exist") from None
        except OSError as error:
            raise DiscoveryError(
                f"path '{argument}' cannot be read: {error.strerror or error}"
            ) from None
    root = find_root(arguments)
    found = Discovered(root=root)
    seen: set[tuple[int, int]] = set()
    for argument in arguments:
        absolute = Path(os.path.abspath(argument))
        # Reports name what was asked for the way they name the files in it.
        printable = _undecodable(_relative(absolute, root))
        found.requested.append(_printable(absolute, root) if printable else absolute)
        if os.path.isdir(absolute):
            # .gitignore files above the scanned folder, up to the root, apply too.
            specs = [
                (parent, spec)
                for parent in reversed([absolute, *absolute.parents])
                if _is_within(parent, root) and parent != absolute
                for spec in [_gitignore(parent)]
                if spec is not None
            ]
            _walk(absolute, root, excludes, specs, seen, found)
        else:
            # A file named on the command line is analysed whatever its name,
            # but only when it is a regular file.
            _add(found, absolute, root)
    unique = dict.fromkeys(found.files)
    found.files = sorted(unique, key=lambda path: _relative(path, root).split("/"))
    return found


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False
