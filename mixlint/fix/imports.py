"""The imports a fix needs, added to a module as libcst's ``AddImportsVisitor`` adds them.

``AddImportsVisitor`` decides everything from the module's first statements: the
imports that follow a docstring (or a ``__strict__`` flag), one per line. A name is
merged into the first ``from module import ...`` among them (star and relative imports
are never extended), and what is still missing becomes new statements after them, with
a blank line before the code that follows. It finds all that with a visit of the whole
tree (30 ms on an 8-line file, seconds on a long one: a report plans each fix on its
own); ``add_imports`` reads only those first statements and builds the same code
(``tests/test_fix_imports.py`` compares the two). Only what fixes ask for is supported:
``import module`` and ``from module import name``, without aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node

from mixlint.model import Import

Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement


def add_imports(module: cst.Module, imports: Iterable[Import]) -> cst.Module:
    """``module`` with ``imports`` added where they are missing."""
    modules: set[str] = set()  # import module
    names: dict[str, set[str]] = {}  # from module import names
    for item in imports:
        module_name, name = _resolved(item)
        if name is None:
            modules.add(module_name)
        else:
            names.setdefault(module_name, set()).add(name)
    needed = {key: names[key] for key in sorted(names)}
    body = list(module.body)
    first = 1 if _skip_first(body) else 0
    end = first
    while end < len(body) and _import_of(body[end]) is not None:
        end += 1
    top = [_import_of(statement) for statement in body[first:end]]
    for node in top:
        _drop_present(node, modules, needed)  # type: ignore[arg-type]
    merged = _merged(body, first, end, needed)
    if not modules and not needed:
        return module if merged is None else module.with_changes(body=merged)
    if merged is not None:
        body = merged
    config = module.config_for_parsing
    added: list[Statement] = [
        *(cst.parse_statement(f"import {name}", config=config) for name in sorted(modules)),
        *(
            cst.parse_statement(f"from {key} import {', '.join(sorted(values))}", config=config)
            for key, values in needed.items()
            if key != "__future__"
        ),
    ]
    future = [
        cst.parse_statement(f"from {key} import {', '.join(sorted(values))}", config=config)
        for key, values in needed.items()
        if key == "__future__"
    ]
    return module.with_changes(
        body=(
            *body[:first],
            *future,
            *body[first:end],
            *added,
            *_with_blank_line_first(body[end:]),
        )
    )


def _resolved(item: Import) -> tuple[str, str | None]:
    """The module and name ``AddImportsVisitor`` imports for ``item`` (``libcst``'s
    ``ImportItem``: ``import .a`` is ``from . import a``)."""
    bare = item.module.lstrip(".")
    dots = len(item.module) - len(bare)
    if item.name is None and dots:
        return "." * dots, bare
    return item.module, item.name


def _skip_first(body: Sequence[Statement]) -> bool:
    """Whether the first statement is a docstring or a ``__strict__`` flag, which stay first."""
    if not body or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return False
    only = body[0].body[0]
    if isinstance(only, cst.Expr):
        return isinstance(only.value, cst.SimpleString)
    return (
        isinstance(only, cst.Assign)
        and len(only.targets) == 1
        and isinstance(only.targets[0].target, cst.Name)
        and only.targets[0].target.value == "__strict__"
    )


def _import_of(statement: Statement) -> cst.Import | cst.ImportFrom | None:
    """The import a line holds, when it holds one import and nothing else."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        only = statement.body[0]
        if isinstance(only, (cst.Import, cst.ImportFrom)):
            return only
    return None


def _from_module(node: cst.ImportFrom) -> str | None:
    """The module of an absolute ``from ... import``; None for a relative one."""
    if node.relative or node.module is None:
        return None
    return get_full_name_for_node(node.module)


def _drop_present(
    node: cst.Import | cst.ImportFrom, modules: set[str], needed: dict[str, set[str]]
) -> None:
    """Forget what ``node``, one of the first imports, already imports."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            if alias.asname is None:
                modules.discard(alias.evaluated_name)
        return
    module = _from_module(node)
    if module is None or module not in needed:
        return
    if isinstance(node.names, cst.ImportStar):
        del needed[module]
        return
    needed[module] -= {alias.evaluated_name for alias in node.names if alias.asname is None}
    if not needed[module]:
        del needed[module]


def _merged(
    body: list[Statement], first: int, end: int, needed: dict[str, set[str]]
) -> list[Statement] | None:
    """The body with the names still needed from a module merged into the first ``from``
    import of it among the first imports (taken out of ``needed``); None when none is."""
    merged: list[Statement] | None = None
    for index in range(first, end):
        node = _import_of(body[index])
        if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
            continue
        module = _from_module(node)
        if module is None or module not in needed:
            continue
        added = [cst.ImportAlias(name=cst.Name(name)) for name in sorted(needed.pop(module))]
        line = body[index]
        assert isinstance(line, cst.SimpleStatementLine)
        new = line.with_changes(body=[node.with_changes(names=[*added, *node.names])])
        merged = list(body) if merged is None else merged
        merged[index] = new
    return merged


def _with_blank_line_first(statements: Sequence[Statement]) -> list[Statement]:
    """The code after the imports, starting after a blank line."""
    if not statements:
        return []
    first = statements[0]
    if not first.leading_lines:
        lines: tuple[cst.EmptyLine, ...] = (cst.EmptyLine(),)
    elif first.leading_lines[0].comment is None:
        return list(statements)
    else:
        lines = (cst.EmptyLine(), *first.leading_lines)
    return [first.with_changes(leading_lines=lines), *statements[1:]]
