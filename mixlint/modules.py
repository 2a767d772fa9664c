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
  ``setup.cfg`` or ``manage.py``; each ``src`` folder (with an ``__init__.py`` or
  not); and, for the files below it, the
  folder above a top-level package (one whose parent has no ``__init__.py``). An
  ``__init__.py`` in the project root (or above the real packages) does not stop
  ``from backend.x import y`` from finding ``backend/x.py``.
- Last, the folders of a script that imports its siblings: the importing file's own
  folder and those above it up to its nearest root, when they are not packages. The
  SDK's own names are never taken for such a sibling (the installed SDK comes first).
- A top-level module never imports itself by its own name (``from mixpanel import
  Mixpanel`` inside a project file ``mixpanel.py`` is the SDK); a package's
  ``__init__.py`` and a submodule (``import app.models`` in ``app/models.py``) do.

An import of a module of the project (its first name is a project module or package,
or it is relative) that names nothing of the project cannot be resolved, and is
reported (``missing``, ``unresolved_imports``). Nothing here reads a file:
``ModuleFinder`` is built from the paths of the project's Python files and a test for
the folders holding a packaging file (``RootMarkers``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

MARKER_FILES = ("pyproject.toml", "setup.cfg")  # and the Python ones, SCRIPT_MARKERS
SCRIPT_MARKERS = ("setup.py", "manage.py")


@dataclass(frozen=True, slots=True, order=True)
class UnresolvedImport:
    """An import of a module of the project that names no file of it: what it imports
    is not followed (and tracking calls through it may be missed)."""

    path: str
    line: int
    module: str  # as written ("apps.usage_tracking.tasks", "..config")


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
    """Which folders hold ``pyproject.toml`` or ``setup.cfg``, asked of the file system
    once per folder (``setup.py`` and ``manage.py`` are among the project's files)."""

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

    ``marked(folder)`` says whether a folder holds ``pyproject.toml`` or ``setup.cfg``
    (``RootMarkers``); ``external``: the first names of installed packages known to be
    imported (the SDK's; ``of_project`` adds the standard library's), which a namespace
    folder, a script's sibling or a module above a package of the same name never hides.
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
        self.roots = tuple(
            ["", *(f for f in candidates if self._marked(f) or marked(f) or self._source_folder(f))]
        )
        self.components = {name for path in self.files for name in path[:-3].split("/")}
        self._ordered: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
        self._found: dict[tuple[str, str], Module | None] = {}
        self._hits: dict[tuple[str, str], tuple[Module, ...]] = {}
        self._cut: dict[tuple[str, str], tuple[Module | None, tuple[str, ...]]] = {}
        self._missing: dict[tuple[str, str, tuple[str, ...] | None], str | None] = {}

    # -- roots

    @classmethod
    def of_project(
        cls, root: Path, relatives: Iterable[str], external: Iterable[str]
    ) -> ModuleFinder:
        """The finder of the project at ``root``, from every file of it (analysed or not:
        the prefilter and the model resolve alike); ``external``: the SDK's first names."""
        return cls(relatives, RootMarkers(root), {*external, *sys.stdlib_module_names})

    def _marked(self, folder: str) -> bool:
        return any(_joined(folder, (name,)) in self.files for name in SCRIPT_MARKERS)

    @staticmethod
    def _source_folder(folder: str) -> bool:
        # An __init__.py in src/ (above the real packages) does not make it less a root.
        return folder.rpartition("/")[2] == "src"

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

    def roots_for(self, folder: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """The roots an absolute import in a file of ``folder`` is resolved against, in
        order: the roots it stands in (deepest first), the others (nearest first), and
        the folders of a script (its own and those above, to its nearest root, that are
        not packages)."""
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
            found = self._ordered[folder] = (tuple(own), tuple(others), tuple(scripts))
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
        folder = parent(importer)
        if dotted.startswith("."):
            key = (folder, dotted)
            if key not in self._found:
                self._found[key] = self._relative(folder, dotted)
            return self._found[key]
        if dotted.partition(".")[0] not in self.components:
            return None  # no file or folder of the project has that name
        key = (folder, dotted)
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = self._absolute(folder, tuple(dotted.split(".")))
        if "." in dotted or importer.endswith("__init__.py"):
            return hits[0] if hits else None
        # ``from mixpanel import Mixpanel`` in a file ``mixpanel.py`` is not the file itself.
        return next((hit for hit in hits if hit.path != importer), None)

    def _relative(self, folder: str, dotted: str) -> Module | None:
        name = dotted.lstrip(".")
        level = len(dotted) - len(name)
        for _ in range(level - 1):
            if not folder:
                return None  # above the project
            folder = parent(folder)
        return self.locate(folder, tuple(name.split(".")) if name else ())

    def _absolute(self, folder: str, parts: tuple[str, ...]) -> tuple[Module, ...]:
        """Every module ``parts`` may name from ``folder``, the one Python takes first: a
        regular module or package in the first root that has one, then namespace folders."""
        own, others, scripts = self.roots_for(folder)
        external = parts[0] in self.external
        if external:
            # The standard library and the installed SDK come before the project on
            # Python's path, but for the folder Python starts in: a project module of the
            # same name shadows them only in the roots the importing file stands in
            # (``mixpanel.py`` beside the scripts that import it), not from the folder
            # above a package (which an installation puts after them).
            package_root = self.package_root(folder)
            roots = tuple(root for root in own if root != package_root or root in self.roots)
        else:
            roots = (*own, *others, *scripts)
        regular: list[Module] = []
        namespaces: list[Module] = []
        for root in roots:
            found = self.locate(root, parts)
            if found is None:
                continue
            if not found.namespace:
                regular.append(found)
            elif not external:
                namespaces.append(found)
        return (*regular, *namespaces)

    def cut(self, importer: str, dotted: str) -> tuple[Module | None, tuple[str, ...]]:
        """The longest module prefix of ``dotted`` and the attributes after it."""
        if dotted.partition(".")[0] not in self.components and not dotted.startswith("."):
            return None, ()  # no file or folder of the project has that name
        key = (_importing_place(importer, dotted), dotted)
        found = self._cut.get(key)
        if found is None:
            found = self._cut[key] = self._longest(importer, dotted)
        return found

    def _longest(self, importer: str, dotted: str) -> tuple[Module | None, tuple[str, ...]]:
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
        own, _, _ = self.roots_for(folder)
        root = own[0]
        relative = path[len(root) + 1 :] if root else path
        if relative.endswith(".py"):
            relative = relative[:-3]
        if relative == "__init__" or relative.endswith("/__init__"):
            relative = relative[: -len("__init__")].rstrip("/")
        return relative.replace("/", ".")

    # -- unresolvable imports

    def missing(self, importer: str, module: str, names: tuple[str, ...] | None) -> str | None:
        """What ``import module`` (``names`` None) or ``from module import names`` in
        ``importer`` names of the project that is not there, if anything (the module, or
        a name of a namespace package, which has no attributes but its submodules).
        Imports of other packages never are (a first name that is a namespace folder of
        the project, such as ``docker/``, may be an installed package of the same name)."""
        if not module.startswith(".") and module.partition(".")[0] not in self.components:
            return None  # no file or folder of the project has that name
        key = (_importing_place(importer, module), module, names)
        if key not in self._missing:
            self._missing[key] = self._missing_from(importer, module, names)
        return self._missing[key]

    def _missing_from(
        self, importer: str, module: str, names: tuple[str, ...] | None
    ) -> str | None:
        found, rest = self.cut(importer, module)
        relative = module.startswith(".")
        if found is None:
            return module if relative else None
        # A first name that is only a namespace folder may be an installed package of
        # the same name (a project's airflow/ folder, a `cognite` namespace shared with
        # the cognite-sdk distribution): it is the project's when the import resolves
        # below it.
        depth = len(module.lstrip(".").split(".")) - len(rest)
        ours = relative or not found.namespace or depth >= 2
        if rest:
            return module if ours else None
        if names is None or not found.namespace or not ours:
            return None
        for name in names:
            if name != "*" and self.child(found, name) is None:
                return f"{module}.{name}" if module.strip(".") else module + name
        return None


def _importing_place(importer: str, dotted: str) -> str:
    """What an import of ``dotted`` in the file ``importer`` depends on: its folder, but for
    a first name that may be the file itself (``mixpanel`` in mixpanel.py)."""
    folder, _, name = importer.rpartition("/")
    itself = not dotted.startswith(".") and name == dotted.partition(".")[0] + ".py"
    return importer if itself else folder


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


def unresolved_imports(
    finder: ModuleFinder,
    path: str,
    text: str,
    records: Iterable[tuple[int, str, tuple[str, ...] | None]],
) -> list[UnresolvedImport]:
    """The import statements of the file ``path`` that name a module of the project that
    is not there. ``records``: its import statements as the prefilter read them from
    ``text`` ((level, module, names); ``mixlint.prefilter.imports``); each is reported
    at the lines that start such a statement outside triple-quoted strings (code that a
    test writes to a file is no import of its own)."""
    found: list[UnresolvedImport] = []
    strings: list[tuple[int, int]] | None = None
    for level, module, names in records:
        dotted = "." * level + module
        missing = finder.missing(path, dotted, names)
        if missing is None:
            continue
        if names is None:
            start = (
                rf"import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*{re.escape(module)}\b"
            )
        else:
            start = rf"from[ \t]+{re.escape(dotted)}[ \t]+import\b"
        # Searched for by its keyword (a literal prefix that the regex engine skips to)
        # rather than at every line start; a statement starts its line.
        for match in re.finditer(start, text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            if text[line_start : match.start()].strip(" \t"):
                continue
            if strings is None:
                strings = _triple_quoted(text)
            if not any(begin < line_start < end for begin, end in strings):
                line = text.count("\n", 0, line_start) + 1
                found.append(UnresolvedImport(path, line, missing))
    return found


_TRIPLE_QUOTE = re.compile(r"\"\"\"|'''")


def _triple_quoted(text: str) -> list[tuple[int, int]]:
    """Where the triple-quoted strings of a module's text are (a quote in a comment may
    mislead it: it only keeps lines from being taken for statements)."""
    found = []
    position = 0
    while (opening := _TRIPLE_QUOTE.search(text, position)) is not None:
        closing = text.find(opening.group(), opening.end())
        end = len(text) if closing == -1 else closing + 3
        found.append((opening.start(), end))
        position = end
    return found
