"""mixlint's modules import each other one way only: the pipeline reads top-down.

Every ``import`` of every module of the package counts: at the top, inside a
function (the lazy imports that keep start-up fast), under ``TYPE_CHECKING`` (a
type-only import still says that one module knows the other) and by name in a
string (``importlib.import_module``, the modules pickle may load from the cache). The graph they
make must have no cycle. Importing ``a.b.c`` also runs the ``__init__`` of ``a.b``;
that implicit arrow is not counted, so that a package's ``__init__`` may gather what
its own modules define (as ``mixlint.run`` does).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import mixlint

PACKAGE = Path(mixlint.__file__).parent


def module_names() -> dict[str, Path]:
    """Every module of the package by its dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The modules of the package that module ``name`` imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from a import b`: the module a.b if there is one, else a name of a.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # A module named whole in a string is imported by name (``importlib``, the
            # cache's unpickler).
            targets = [node.value]
        else:
            continue
        yield from (target for target in targets if target in modules and target != name)


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: set(imported(name, path, modules)) for name, path in modules.items()}


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (its modules in order, the first repeated), or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        # Depth first, keeping the path from ``start``; a module met again on the
        # path closes a cycle.
        path = [start]
        on_path = {start}
        pending = [iter(sorted(graph[start]))]
        while pending:
            following = next(pending[-1], None)
            if following is None:
                pending.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                continue
            if following in on_path:
                return [*path[path.index(following) :], following]
            if following in done:
                continue
            path.append(following)
            on_path.add(following)
            pending.append(iter(sorted(graph[following])))
    return None


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    assert cycle(graph) is None, " -> ".join(cycle(graph) or [])


def test_the_graph_is_read_in_full() -> None:
    """The graph holds the arrows the test is about: lazy, type-only and package ones."""
    graph = import_graph()
    assert "mixlint.engine" in graph["mixlint.run"]  # a function-local import
    assert "mixlint.run.early" in graph["mixlint.run.rounds"]  # under TYPE_CHECKING
    assert "mixlint.project" in graph["mixlint.run.rounds"]
    assert "mixlint.killable" in graph["mixlint.run.summarise"]  # `from mixlint import killable`
    assert "mixlint.checks.base" in graph["mixlint.checks"]
    assert "mixlint.collect" in graph["mixlint.run.summarise"]  # by name: import_parser


def test_a_cycle_is_found() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    assert cycle({"a": {"a"}}) == ["a", "a"]


# The modules of ``mixlint.run`` in the order its docstring introduces them: each may
# import only those before it.
RUN_LAYERS = ["options", "summarise", "workers", "early", "facts", "rounds", "memo"]


def test_each_module_of_the_run_imports_only_those_below_it() -> None:
    graph = import_graph()
    for index, name in enumerate(RUN_LAYERS):
        below = {f"mixlint.run.{lower}" for lower in RUN_LAYERS[:index]}
        inside = {m for m in graph[f"mixlint.run.{name}"] if m.startswith("mixlint.run")}
        assert inside <= below, (name, sorted(inside - below))
    assert {m for m in graph if m.startswith("mixlint.run.")} == {
        f"mixlint.run.{name}" for name in RUN_LAYERS
    }


def test_the_run_machinery_is_above_the_analysis() -> None:
    """``mixlint.engine``, ``mixlint.project`` and ``mixlint.parse`` never import the run
    package, directly or through another module: it calls them."""
    graph = import_graph()
    for name in ("mixlint.engine", "mixlint.project", "mixlint.parse", "mixlint.discovery"):
        reached = set()
        pending = [name]
        while pending:
            for following in graph[pending.pop()] - reached:
                reached.add(following)
                pending.append(following)
        assert not {m for m in reached if m == "mixlint.run" or m.startswith("mixlint.run.")}, name
