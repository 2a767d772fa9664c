"""Which files a run analyses, in which order, and the project root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mixlint.discovery import DiscoveryError, discover, find_root


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")


def relative(root: Path, files: list[Path]) -> list[str]:
    return [f.relative_to(root).as_posix() for f in files]


def test_walk_skips_tool_folders_and_virtualenvs(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    touch(
        tmp_path,
        "app/views.py",
        "app/models.py",
        ".git/hooks/x.py",
        "node_modules/pkg/y.py",
        "app/__pycache__/views.cpython-311.py",
        ".tox/py311/z.py",
        ".nox/s/z.py",
        "build/lib/app.py",
        "dist/app.py",
        "lib/site-packages/dep.py",
        "env/lib/dep.py",
        "README.txt",
    )
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    found = discover([tmp_path])
    assert found.root == tmp_path.resolve()
    assert relative(tmp_path.resolve(), found.files) == ["app/models.py", "app/views.py"]


def test_gitignore_files_are_honoured_nested_too(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n*_pb2.py\n", encoding="utf-8")
    touch(
        tmp_path, "app/a.py", "app/a_pb2.py", "generated/g.py", "app/sub/keep.py", "app/sub/tmp.py"
    )
    (tmp_path / "app" / "sub" / ".gitignore").write_text("tmp.py\n", encoding="utf-8")
    found = discover([tmp_path])
    assert relative(tmp_path.resolve(), found.files) == ["app/a.py", "app/sub/keep.py"]


def test_exclude_globs_and_named_files_are_always_analysed(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("", encoding="utf-8")
    touch(tmp_path, "app/a.py", "app/migrations/0001_initial.py", "scripts/tool.py")
    found = discover([tmp_path], excludes=["migrations", "scripts/*"])
    assert relative(tmp_path.resolve(), found.files) == ["app/a.py"]
    named = discover([tmp_path / "app/migrations/0001_initial.py"], excludes=["migrations"])
    assert relative(tmp_path.resolve(), named.files) == ["app/migrations/0001_initial.py"]


def test_order_is_deterministic_by_path_components(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    touch(tmp_path, "b.py", "a/z.py", "a-b/c.py", "a/b/c.py", "A.py")
    found = discover([tmp_path])
    assert relative(tmp_path.resolve(), found.files) == [
        "A.py",
        "a/b/c.py",
        "a/z.py",
        "a-b/c.py",
        "b.py",
    ]


def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    touch(tmp_path, "pkg/a.py")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop")
    os.symlink(tmp_path, tmp_path / "pkg" / "up")
    found = discover([tmp_path])
    assert relative(tmp_path.resolve(), found.files) == ["pkg/a.py"]


def test_project_root_is_the_nearest_marker_upward(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    touch(tmp_path, "services/api/src/app/views.py")
    (tmp_path / "services" / "api" / "pyproject.toml").write_text("", encoding="utf-8")
    assert (
        find_root([tmp_path / "services/api/src/app/views.py"])
        == (tmp_path / "services" / "api").resolve()
    )
    assert find_root([tmp_path / "services"]) == tmp_path.resolve()


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match=r"path '.*nope\.py' does not exist"):
        discover([tmp_path / "nope.py"])
