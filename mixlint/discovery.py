"""Paths on the command line -> the Python files to analyse, and the project root."""

from __future__ import annotations

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
    start = paths[0].resolve() if paths else Path.cwd().resolve()
    if not start.is_dir():
        start = start.parent
    for candidate in (start, *start.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return start


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


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
            if entry.is_symlink() and not path.exists():
                found.problems.append((path, "broken symbolic link"))
                continue
            found.files.append(path)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Iterable[str | Path], excludes: Sequence[str] = ()) -> Discovered:
    """Walk directories for ``*.py``; files named explicitly are always analysed."""
    arguments = [Path(p) for p in paths] or [Path(".")]
    for argument in arguments:
        if not argument.exists() and not argument.is_symlink():
            raise DiscoveryError(f"path '{argument}' does not exist")
    root = find_root(arguments)
    found = Discovered(root=root)
    seen: set[tuple[int, int]] = set()
    for argument in arguments:
        absolute = Path(os.path.abspath(argument))
        found.requested.append(absolute)
        if absolute.is_dir():
            # .gitignore files above the scanned folder, up to the root, apply too.
            specs = [
                (parent, spec)
                for parent in reversed([absolute, *absolute.parents])
                if _is_within(parent, root) and parent != absolute
                for spec in [_gitignore(parent)]
                if spec is not None
            ]
            _walk(absolute, root, excludes, specs, seen, found)
        elif absolute.is_symlink() and not absolute.exists():
            found.problems.append((absolute, "broken symbolic link"))
        else:
            found.files.append(absolute)
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
