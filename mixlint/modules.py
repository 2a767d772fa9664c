"""How modules are found: which file of the project an import names, as Python finds it.

Type checkers (mypy, Pyright) model Python's import system the same way:

- A folder without ``__init__.py`` is a namespace package (PEP 420): ``import app.x``
  finds ``app/x.py`` whether ``app`` has an ``__init__.py`` or not. A regular module or
  package, in any root, wins over a namespace package (a folder ``mixpanel/`` of the
  project does not hide the installed SDK; ``mixpanel.py`` does).
- A relative import is resolved from the importing file's folder: ``from ..config
  import client`` in ``app/middleware/audit.py`` is ``app/config.py``, packages or not.
- An absolute import is resolved against the import roots, nearest to the importing
  file first: the roots it stands in (deepest first), then the others. The roots are
  the project root; each folder holding ``pyproject.toml``, ``setup.py``,
  ``setup.cfg`` or ``manage.py``; each ``src`` folder; and, for the files below it, the
  folder above a top-level package (one whose parent has no ``__init__.py``). An
  ``__init__.py`` in the project root (or above the real packages) does not stop
  ``from backend.x import y`` from finding ``backend/x.py``.
- Last, the folders of a script that imports its siblings: the importing file's own
  folder and those above it up to its nearest root, when they are not packages. The
  SDK's own names are never taken for such a sibling (the installed SDK comes first).
- A module never imports itself (``from mixpanel import Mixpanel`` inside a project
  file ``mixpanel.py`` is the SDK).

An import of a module of the project (its first name is a project module or package,
or it is relative) that names nothing of the project cannot be resolved, and is
reported (``unresolved``). Nothing here reads a file: ``ModuleFinder`` is built from the
paths of the project's Python files and a test for the folders holding a packaging
file (``RootMarkers``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

MARKER_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "manage.py")


@dataclass(frozen=True, slots=True)
class Module:
    """A module the project holds: a file, or (namespace package) a folder."""

    path: str  # "app/config.py", "app/__init__.py"; a namespace package: its folder, "app"
    namespace: bool = False

    @property
    def folder(self) -> str:
        """The folder its submodules are in (a package's), else the one it stands in."""
        if self.namespace:
            return self.path
        return parent(self.path)

    @property
    def package(self) -> bool:
        return self.namespace or self.path.endswith("/__init__.py") or self.path == "__init__.py"


class RootMarkers:
    """Which folders hold a packaging file (``pyproject.toml``, ``setup.py``,
    ``setup.cfg``, ``manage.py``), asked of the file system once per folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._found: dict[str, bool] = {}

    def __call__(self, folder: str) -> bool:
        found = self._found.get(folder)
        if found is None:
            base = os.path.join(self.root, folder) if folder else str(self.root)
            found = self._found[folder] = any(
                os.path.isfile(os.path.join(base, name)) for name in MARKER_FILES
            )
        return found


def parent(path: str) -> str:
    """The folder a relative POSIX path stands in ("" for the project root)."""
    return path.rpartition("/")[0]


def _joined(folder: str, parts: Iterable[str]) -> str:
    return "/".join(part for part in (folder, *parts) if part)


class ModuleFinder:
    """The project's Python files (relative POSIX paths) as modules, and its import roots.

    ``marked(folder)`` says whether a folder holds a packaging file; ``external``: the
    first names of installed packages known to be imported (the SDK's), which a
    namespace folder or a script's sibling of the same name never hides.
    """

    def __init__(
        self,
        files: Iterable[str],
        marked: Callable[[str], bool],
        external: Iterable[str] = (),
    ) -> None:
        self.files = frozenset(path for path in files if path.endswith(".py"))
        self.external = frozenset(external)
        self.folders: set[str] = set()
        for path in self.files:
            folder = parent(path)
            while folder and folder not in self.folders:
                self.folders.add(folder)
                folder = parent(folder)
        candidates = sorted(self.folders)
        self.roots = tuple(["", *(f for f in candidates if marked(f) or self._source_folder(f))])
        self._ordered: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._found: dict[tuple[str, str], Module | None] = {}

    # -- roots

    def _source_folder(self, folder: str) -> bool:
        return folder.rpartition("/")[2] == "src" and not self.regular(folder)

    def regular(self, folder: str) -> bool:
        """Is the folder a regular package (it has an ``__init__.py``)?"""
        return _joined(folder, ("__init__.py",)) in self.files

    def package_root(self, folder: str) -> str | None:
        """The folder above the outermost regular package ``folder`` is in (None when it
        is not in one, or that is above the project)."""
        if not self.regular(folder):
            return None
        while folder and self.regular(parent(folder)):
            folder = parent(folder)
        return parent(folder) if folder else None

    def roots_for(self, importer: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The roots an absolute import in ``importer`` is resolved against, in order: the
        roots it stands in (deepest first), then the others (nearest first); and after
        them the folders of a script (its own and those above, to its nearest root, that
        are not packages)."""
        folder = parent(importer)
        found = self._ordered.get(folder)
        if found is None:
            ancestors = [folder]
            while ancestors[-1]:
                ancestors.append(parent(ancestors[-1]))
            roots = set(self.roots)
            own = [f for f in ancestors if f in roots]
            package_root = self.package_root(folder)
            if package_root is not None and package_root not in own:
                own.append(package_root)
                own.sort(key=lambda f: -f.count("/") - (1 if f else 0))
            others = sorted(
                (root for root in self.roots if root not in own),
                key=lambda root: (-_common_depth(root, folder), root),
            )
            nearest = own[0]
            scripts = []
            for candidate in ancestors:
                if candidate == nearest or not candidate.startswith(nearest):
                    break
                if not self.regular(candidate):
                    scripts.append(candidate)
            found = self._ordered[folder] = ((*own, *others), tuple(scripts))
        return found

    # -- finding

    def locate(self, folder: str, parts: tuple[str, ...]) -> Module | None:
        """The module ``parts`` names inside ``folder``, as Python's path finder sees it:
        a package, else a module file, else a namespace package."""
        stem = _joined(folder, parts)
        if not parts:
            init = _joined(stem, ("__init__.py",))
            return Module(init) if init in self.files else Module(stem, namespace=True)
        init = f"{stem}/__init__.py"
        if init in self.files:
            return Module(init)
        if f"{stem}.py" in self.files:
            return Module(f"{stem}.py")
        if stem in self.folders:
            return Module(stem, namespace=True)
        return None

    def find(self, importer: str, dotted: str) -> Module | None:
        """The module ``dotted`` (absolute, or relative with leading dots) names when
        imported in the file ``importer``."""
        key = (parent(importer) if dotted.startswith(".") else importer, dotted)
        if key in self._found:
            return self._found[key]
        found = self._find(importer, dotted)
        self._found[key] = found
        return found

    def _find(self, importer: str, dotted: str) -> Module | None:
        name = dotted.lstrip(".")
        level = len(dotted) - len(name)
        parts = tuple(name.split(".")) if name else ()
        if level:
            base = parent(importer)
            for _ in range(level - 1):
                if not base:
                    return None  # above the project
                base = parent(base)
            return self.locate(base, parts)
        if not parts:
            return None
        namespace: Module | None = None
        roots, scripts = self.roots_for(importer)
        if parts[0] in self.external:
            scripts = ()  # the installed SDK comes before a script's sibling
        for root in (*roots, *scripts):
            found = self.locate(root, parts)
            if found is None or found.path == importer:
                continue
            if not found.namespace:
                return found
            if namespace is None and parts[0] not in self.external:
                namespace = found
        return namespace

    def cut(self, importer: str, dotted: str) -> tuple[Module | None, tuple[str, ...]]:
        """The longest module prefix of ``dotted`` and the attributes after it."""
        name = dotted.lstrip(".")
        dots = dotted[: len(dotted) - len(name)]
        parts = name.split(".") if name else []
        for size in range(len(parts), -1 if dots else 0, -1):
            found = self.find(importer, dots + ".".join(parts[:size]))
            if found is not None:
                return found, tuple(parts[size:])
        return None, ()

    def child(self, module: Module, name: str) -> Module | None:
        """A submodule of a package (``import app`` then ``app.config``)."""
        if not module.package:
            return None
        return self.locate(module.folder, (name,))

    def name(self, path: str) -> str:
        """The dotted name of a file (or namespace folder) as imported from its nearest
        root."""
        folder = parent(path)
        roots, _ = self.roots_for(path)
        root = next((r for r in roots if not r or folder == r or folder.startswith(r + "/")), "")
        relative = path[len(root) + 1 :] if root else path
        if relative.endswith(".py"):
            relative = relative[:-3]
        if relative == "__init__" or relative.endswith("/__init__"):
            relative = relative[: -len("__init__")].rstrip("/")
        return relative.replace("/", ".")

    # -- unresolvable imports

    def unresolved(self, importer: str, module: str, names: tuple[str, ...] | None) -> bool:
        """Does ``import module`` (``names`` None) or ``from module import names`` in
        ``importer`` name a module of the project that is not there? Imports of other
        packages are not (a first name that is a namespace folder of the project, such as
        ``docker/``, may be an installed package of the same name)."""
        found, rest = self.cut(importer, module)
        relative = module.startswith(".")
        depth = len(module.lstrip(".").split(".")) - len(rest)
        if found is None:
            return relative
        if rest:
            return relative or not found.namespace or depth >= 2
        if names is None or not found.namespace:
            return False
        if not relative and depth < 2:
            return False
        return any(name != "*" and self.child(found, name) is None for name in names)


def _common_depth(root: str, folder: str) -> int:
    """How many leading folders ``root`` and ``folder`` share."""
    if not root:
        return 0
    count = 0
    for mine, theirs in zip(root.split("/"), folder.split("/"), strict=False):
        if mine != theirs:
            break
        count += 1
    return count
