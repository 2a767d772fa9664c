"""Each file's names: its path relative to the project root, and its module name.

``PathNames`` answers both for every file of a run, asking the file system
(symbolic links, ``__init__.py``) once per folder. Discovery finds the files; these
are the names the cache, the prefilter's module table and the model know them by.

May import only the standard library: every part of the run names files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ModuleName:
    """A file's module name as its packages make it (``app.views`` when ``app`` has an
    ``__init__.py``, else ``views``): how messages and summaries name it. Imports are
    resolved by the files' paths (``mixlint.modules``), not by these names."""

    module: str
    is_package: bool


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
        self._folders: dict[str, tuple[str, ...]] = {}
        self._relative: dict[str, str] = {}

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
        """Dotted name as the file's packages (folders with ``__init__.py``) make it."""
        folder, name = _split(str(path))
        packages = self._folder(folder)
        is_package = name == "__init__.py"
        stem = name[:-3] if name.endswith(".py") else path.stem
        parts = packages if is_package else (*packages, stem)
        return ModuleName(".".join(parts), is_package)

    def _folder(self, folder: str) -> tuple[str, ...]:
        """The packages a folder's modules are in (outermost first)."""
        found = self._folders.get(folder)
        if found is None:
            root = self.root
            parts: list[str] = []
            current = Path(folder)
            while self.has_init(current) and current != root.parent:
                parts.insert(0, current.name)
                if current == root:
                    break
                current = current.parent
            found = self._folders[folder] = tuple(parts)
        return found


def _split(path: str) -> tuple[str, str]:
    """(folder, name) of a path's text, as ``Path.parent`` and ``Path.name`` give them."""
    folder, separator, name = path.rpartition(os.sep)
    if not separator:
        return ".", name
    return folder or os.sep, name
