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
    module: str
    is_package: bool
    source_root: str  # relative to the project root; "" for the root itself


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
        folder, name = _split(str(path))
        packages, source_root = self._folder(folder)
        is_package = name == "__init__.py"
        stem = name[:-3] if name.endswith(".py") else path.stem
        parts = packages if is_package else (*packages, stem)
        return ModuleName(".".join(parts), is_package, source_root)

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
