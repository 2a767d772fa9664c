"""The folder walk on a tree with every kind of entry, and its equivalence with the
straightforward ``pathlib`` walk it replaced (kept here as the reference)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pathspec
import pytest

from mixlint.discovery import (
    SKIPPED_DIRS,
    Discovered,
    discover,
    file_problem,
    find_root,
)

REPO = Path(__file__).resolve().parent.parent


# -- the reference: the pathlib walk, one Path per entry -----------------------------------


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _undecodable(relative: str) -> bool:
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _printable(path: Path, root: Path) -> Path:
    relative = _relative(path, root)
    text = os.fsencode(relative).decode("utf-8", "backslashreplace")
    return root / text if relative != path.as_posix() else Path(text)


def _add(found: Discovered, path: Path, root: Path) -> None:
    if _undecodable(_relative(path, root)):
        found.problems.append((_printable(path, root), "file name is not valid UTF-8"))
        return
    problem = file_problem(path)
    if problem is not None:
        found.problems.append((path, problem))
    else:
        found.files.append(path)


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
    try:
        text = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace")
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
            if entry.name in SKIPPED_DIRS or os.path.isfile(path / "pyvenv.cfg"):
                continue
            if _matches(relative, excludes) or _ignored(path, True, local_specs):
                continue
            _walk(path, root, excludes, local_specs, seen, found)
        elif entry.name.endswith(".py"):
            if _matches(relative, excludes) or _ignored(path, False, local_specs):
                continue
            _add(found, path, root)


def reference(paths: Sequence[str | Path], excludes: Sequence[str] = ()) -> Discovered:
    arguments = [Path(p) for p in paths] or [Path(".")]
    root = find_root(arguments)
    found = Discovered(root=root)
    seen: set[tuple[int, int]] = set()
    for argument in arguments:
        absolute = Path(os.path.abspath(argument))
        printable = _undecodable(_relative(absolute, root))
        found.requested.append(_printable(absolute, root) if printable else absolute)
        if os.path.isdir(absolute):
            specs = [
                (parent, spec)
                for parent in reversed(absolute.parents)
                if parent == root or root in parent.parents
                for spec in [_gitignore(parent)]
                if spec is not None
            ]
            _walk(absolute, root, excludes, specs, seen, found)
        else:
            _add(found, absolute, root)
    unique = dict.fromkeys(found.files)
    found.files = sorted(unique, key=lambda path: _relative(path, root).split("/"))
    return found


# -- the tree ------------------------------------------------------------------------------


def write(root: Path, name: str, text: str = "x = 1\n") -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def non_utf8(root: Path, name: bytes) -> bool:
    """Create the file ``root/name``; False where the file system only takes UTF-8 names."""
    try:
        (root / os.fsdecode(name)).write_text("x = 1\n", encoding="utf-8")
    except (OSError, UnicodeError):
        return False
    return True


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Path]:
    """A project whose walk meets every rule of discovery once."""
    root = tmp_path / "project"
    write(root, "pyproject.toml", "")
    # As in git, a file in an ignored folder cannot be re-included ("out/").
    write(root, ".gitignore", "generated/\n*_pb2.py\n!keep_pb2.py\n/top_only.py\nout/\n!out/*.py\n")
    for name in [
        "B.py",
        "a-b/c.py",
        "a_pb2.py",
        "keep_pb2.py",
        "top_only.py",
        "pkg/top_only.py",
        "pkg/x_pb2.py",
        "generated/g.py",
        "out/keep.py",
        "x.py/inner.py",  # a folder named like a module is walked
        "migrations/0001_initial.py",
        "scripts/tool.py",
        "venv/lib/dep.py",
        "node_modules/n.py",
        "notes.txt",
    ]:
        write(root, name)
    write(root, "venv/pyvenv.cfg", "home = /usr\n")
    write(root, "app/.gitignore", "*.py\n!main.py\ncache/\n")
    for name in ["app/main.py", "app/helper.py", "app/cache/c.py", "app/deep/main.py"]:
        write(root, name)
    (root / "link.py").symlink_to("app/main.py")
    (root / "broken.py").symlink_to("missing.py")
    (root / "loop.py").symlink_to("loop.py")
    (root / "a-b" / "up").symlink_to("..")  # a folder loop
    (root / "zapp").symlink_to("app")  # a folder reached twice: walked once
    # The entries whose walk behaves differently without privileges: compared with
    # the reference only, whoever runs the tests.
    write(root, "locked/l.py")
    write(root, "unsearchable/u.py")
    write(root, "unsearchable/sub/s.py")
    (root / "locked").chmod(0)
    (root / "unsearchable").chmod(0o644)
    try:
        yield root
    finally:
        (root / "locked").chmod(0o755)
        (root / "unsearchable").chmod(0o755)


def relative(root: Path, paths: list[Path]) -> list[str]:
    return [_relative(path, root) for path in paths]


def test_walk_of_a_tree_with_every_kind_of_entry(tree: Path) -> None:
    fifo = hasattr(os, "mkfifo")
    if fifo:
        os.mkfifo(tree / "fifo.py")
    latin = non_utf8(tree, b"caf\xe9.py")
    found = discover([tree], excludes=["migrations", "scripts/*"])
    assert found.root == tree
    assert found.requested == [tree]
    readable = relative(tree, found.files)
    assert [name for name in readable if not name.startswith(("locked/", "unsearchable/"))] == [
        "B.py",
        "a-b/c.py",
        "app/deep/main.py",
        "app/main.py",
        "keep_pb2.py",
        "link.py",
        "pkg/top_only.py",
        "x.py/inner.py",
    ]
    problems = [
        (_relative(path, tree), reason)
        for path, reason in found.problems
        if not _relative(path, tree).startswith(("locked", "unsearchable"))
    ]
    assert problems == [
        ("broken.py", "broken symbolic link"),
        *([("caf\\xe9.py", "file name is not valid UTF-8")] if latin else []),
        *([("fifo.py", "not a regular file (it is a named pipe)")] if fifo else []),
        ("loop.py", "symbolic link loop"),
    ]


def test_named_paths_and_a_folder_below_the_root(tree: Path) -> None:
    found = discover([tree / "app", tree / "generated/g.py", tree / "broken.py"])
    assert found.root == tree
    assert found.requested == [tree / "app", tree / "generated/g.py", tree / "broken.py"]
    assert relative(tree, found.files) == ["app/deep/main.py", "app/main.py", "generated/g.py"]
    assert found.problems == [(tree / "broken.py", "broken symbolic link")]
    # The .gitignore files above a named folder apply inside it.
    assert relative(tree, discover([tree / "pkg"]).files) == ["pkg/top_only.py"]


def test_paths_outside_the_root_are_ordered_by_their_absolute_path(tree: Path) -> None:
    outside = tree.parent / "outside"
    write(outside, "o.py")
    found = discover([tree / "pkg", outside, tree / "B.py"])
    assert found.files == [outside / "o.py", tree / "B.py", tree / "pkg/top_only.py"]


def argument_sets(tree: Path) -> list[tuple[list[str | Path], list[str]]]:
    outside = tree.parent / "outside"
    write(outside, "o.py")
    write(outside, "sub/s.py")
    (tree / "outlink").symlink_to(outside)
    (tree.parent / "link-to-project").symlink_to(tree)
    non_utf8(tree, b"caf\xe9.py")
    (tree / os.fsdecode(b"d\xe9j\xe0")).mkdir()
    non_utf8(tree / os.fsdecode(b"d\xe9j\xe0"), b"vu.py")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tree / "fifo.py")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tree / "sock.py"))
    except OSError:  # a path too long for AF_UNIX
        pass
    finally:
        server.close()
    excludes = [
        [],
        ["migrations", "scripts/*"],
        ["app/", "*.txt", "x.py", "a*"],
        ["*.py"],
        ["."],
        ["project"],
        ["/tmp/*"],
        ["**/main.py", "[a-c]*", "?.py", "pkg//"],
    ]
    arguments: list[list[str | Path]] = [
        [tree],
        [tree / "app"],
        [tree / "app/deep", tree / "pkg", tree],
        [tree / "x.py", tree / "fifo.py", tree / "link.py", tree / "loop.py", tree / "notes.txt"],
        [tree / os.fsdecode(b"d\xe9j\xe0"), tree / os.fsdecode(b"caf\xe9.py")],
        [tree / "app", tree.parent],  # a folder above the root
        [tree.parent],
        [tree / "app", outside, outside / "o.py"],
        [tree.parent / "link-to-project"],
        [tree.parent / "link-to-project" / "app"],
        [tree / "a-b" / "up" / "app"],
        [tree / "locked", tree / "unsearchable"],
        [f"{tree}//app/../pkg/"],
    ]
    return [(paths, exclude) for paths in arguments for exclude in excludes]


def test_same_as_the_pathlib_walk_on_a_tricky_tree(tree: Path) -> None:
    for paths, excludes in argument_sets(tree):
        assert discover(paths, excludes) == reference(paths, excludes), (paths, excludes)


def test_same_as_the_pathlib_walk_relative_to_the_working_folder(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree / "app")
    for paths in [[], ["."], [".."], ["deep", "../pkg", "main.py"]]:
        assert discover(paths) == reference(paths), paths


@pytest.mark.parametrize(
    "folder",
    [
        REPO,
        REPO / "examples" / "shop",
        *sorted(path for path in (REPO / "tests" / "fixtures").iterdir() if path.is_dir()),
    ],
    ids=lambda path: "repo" if path == REPO else path.relative_to(REPO).as_posix(),
)
def test_same_as_the_pathlib_walk_on_this_repository(folder: Path) -> None:
    assert discover([folder]) == reference([folder])
