"""The text a fix rewrites: where its changed tree differs from the original, as text.

The transformer (``mixlint.fix.codemod``) and ``add_imports`` rebuild only the nodes on
the way to what they change: every other node of the changed tree *is* a node of the
original, and writes the same code where it stands. So the text that changes is found
by walking both trees from the module down along the nodes that differ: through blocks
of statements and the clauses of compound statements to the statements that changed,
and to the comment and blank lines that changed around them. Each such region is the
original text of those nodes and the code of their new version, generated alone with
the indentation of their block. The cost follows the statements a fix rewrites, not
the file (a report plans each fix on its own).

A region also carries the new statements as code that Python parses exactly when it
parses them where they stand: wrapped in one ``if 1:`` for each block around them, with
the same indentation (``compile`` in ``ast.PyCF_ONLY_AST`` mode checks only syntax, so a
statement parses by itself as it does in the file). Comment and blank lines need no
check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from itertools import pairwise

import libcst as cst
from libcst._nodes.internal import CodegenState

from mixlint.positions import Positions


@dataclass(frozen=True, slots=True)
class Region:
    """The original code in ``[start, end)`` (offsets in the file's text) becomes ``text``."""

    start: int
    end: int
    text: str
    statements: str = ""  # the new statements as code that parses iff they do there


class Unsupported(Exception):
    """A difference the walk does not follow (the whole module is compared instead)."""


class _Rewrite(Exception):
    """A difference in a statement's own code: the statement is rewritten whole."""


# Statements whose parts the walk follows (into their blocks, clauses and comment lines);
# any other difference in them rewrites them whole. ``Match`` is left out: its cases are
# written with an indentation of its own.
_STATEMENTS = (
    cst.SimpleStatementLine,
    cst.If,
    cst.For,
    cst.While,
    cst.Try,
    cst.TryStar,
    cst.With,
    cst.FunctionDef,
    cst.ClassDef,
)
_CLAUSES = (cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler, cst.If)


def changed_regions(
    original: cst.Module, changed: cst.Module, where: Positions, length: int
) -> list[Region]:
    """The regions of ``original``'s text (``length`` code points) that ``changed``
    rewrites, in order and apart. ``where`` has the extents of ``original``'s nodes.
    Raises ``Unsupported``."""
    return _Walk(original, where, length).module(changed)


class _Walk:
    def __init__(self, original: cst.Module, where: Positions, length: int) -> None:
        self.original = original
        self.where = where
        self.length = length

    def module(self, new: cst.Module) -> list[Region]:
        old = self.original
        if old is new:
            return []
        kept = ("encoding", "default_indent", "default_newline", "has_trailing_newline")
        if any(getattr(old, name) != getattr(new, name) for name in kept) or not new.body:
            raise Unsupported("the module's own settings changed")
        try:
            found = [
                *self._lines(old.header, new.header, (), None),
                *self._statements(old.body, new.body, ()),
                *self._lines(old.footer, new.footer, (), None),
            ]
        except _Rewrite as error:
            raise Unsupported(str(error)) from error
        return self._without_last_line_break(found)

    def _without_last_line_break(self, found: list[Region]) -> list[Region]:
        """The regions in the file's text. Code generation gives a file that does not end
        with a line break one, and a module written whole drops it (its last token, the
        line break of its last line): a region that reaches the end drops its own."""
        generated = self.where.code_length
        if generated == self.length or not found or found[-1].end != generated:
            return found
        last = found[-1]
        line_break = 2 if last.text.endswith("\r\n") else 1
        if last.start > self.length or not last.text.endswith(("\n", "\r")):
            raise Unsupported("a change at the end of a file without a final line break")
        text = last.text[:-line_break]
        return [*found[:-1], Region(last.start, self.length, text, last.statements)]

    # -- statements

    def _statements(
        self,
        old: Sequence[cst.BaseStatement],
        new: Sequence[cst.BaseStatement],
        indents: tuple[str, ...],
    ) -> list[Region]:
        """Regions that turn the statements ``old`` of a block into ``new``."""
        low, high = _same_ends(old, new)
        old_rest, new_rest = list(old[low : len(old) - high]), list(new[low : len(new) - high])
        if not old_rest and not new_rest:
            return []
        # Statements that changed only inside them, paired from both ends.
        first: list[Region] = []
        while old_rest and new_rest:
            inside = self._inside(old_rest[0], new_rest[0], indents)
            if inside is None:
                break
            first.extend(inside)
            old_rest, new_rest = old_rest[1:], new_rest[1:]
            low += 1
        last: list[Region] = []
        while old_rest and new_rest:
            inside = self._inside(old_rest[-1], new_rest[-1], indents)
            if inside is None:
                break
            last[:0] = inside
            old_rest, new_rest = old_rest[:-1], new_rest[:-1]
        if not old_rest and not new_rest:
            return [*first, *last]
        # The rest is rewritten: its original text becomes the code of the new statements.
        if old_rest:
            start, end = self._extent(old_rest[0])[0], self._extent(old_rest[-1])[1]
        else:
            start = end = self._between(old, low)
        if old_rest and new_rest and _same(_leading(old_rest[0]), _leading(new_rest[0])):
            # The comment and blank lines above stay as they are.
            if _leading(old_rest[0]):
                start = self._extent(_leading(old_rest[0])[-1])[1]
            new_rest[0] = new_rest[0].with_changes(leading_lines=())
        text = self._code(new_rest, indents)
        return [*first, Region(start, end, text, _in_blocks(text, indents)), *last]

    def _inside(
        self, old: cst.BaseStatement, new: cst.BaseStatement, indents: tuple[str, ...]
    ) -> list[Region] | None:
        """The regions of a statement that changed only in its blocks, clauses or comment
        lines; None when its own code changed."""
        if old is new:
            return []
        if type(old) is not type(new) or not isinstance(old, _STATEMENTS):
            return None
        try:
            return self._parts(old, new, indents)
        except _Rewrite:
            return None

    def _between(self, old: Sequence[cst.BaseStatement], index: int) -> int:
        """Where statements are inserted before ``old[index]``."""
        if index:
            return self._extent(old[index - 1])[1]
        if old:
            return self._extent(old[0])[0]
        raise _Rewrite("statements inserted into an empty block")

    # -- the parts of a statement

    def _parts(self, old: cst.CSTNode, new: cst.CSTNode, indents: tuple[str, ...]) -> list[Region]:
        """The regions of a statement or clause whose own code is the same."""
        found: list[Region] = []
        for field in fields(old):
            before, after = getattr(old, field.name), getattr(new, field.name)
            if before is after:
                continue
            if isinstance(before, tuple | list) and isinstance(after, tuple | list):
                if _same(before, after):
                    continue
                if field.name == "leading_lines":
                    found += self._lines(before, after, indents, self._extent(old)[0])
                elif field.name == "lines_after_decorators":
                    found += self._lines(before, after, indents, None)
                elif len(before) == len(after) and all(
                    type(a) is type(b) and isinstance(a, _CLAUSES)
                    for a, b in zip(before, after, strict=True)
                ):
                    for a, b in zip(before, after, strict=True):
                        found += [] if a is b else self._parts(a, b, indents)
                else:
                    raise _Rewrite(f"{type(old).__name__}.{field.name} changed")
            elif isinstance(before, cst.IndentedBlock) and isinstance(after, cst.IndentedBlock):
                found += self._block(before, after, indents)
            elif isinstance(before, cst.TrailingWhitespace) and isinstance(
                after, cst.TrailingWhitespace
            ):
                found.append(Region(*self._extent(before), self._code([after], indents)))
            elif type(before) is type(after) and isinstance(before, _CLAUSES):
                found += self._parts(before, after, indents)
            elif (
                isinstance(before, cst.CSTNode)
                or isinstance(after, cst.CSTNode)
                or (before != after)
            ):
                raise _Rewrite(f"{type(old).__name__}.{field.name} changed")
        found.sort(key=lambda region: (region.start, region.end))
        for one, other in pairwise(found):
            if other.start <= one.start or other.start < one.end:
                raise _Rewrite("regions of a statement meet")
        return found

    def _block(
        self, old: cst.IndentedBlock, new: cst.IndentedBlock, indents: tuple[str, ...]
    ) -> list[Region]:
        if old.indent != new.indent or not new.body:
            raise _Rewrite("a block changed its indentation or lost its statements")
        inner = (*indents, self.original.default_indent if old.indent is None else old.indent)
        found: list[Region] = []
        if old.header is not new.header:
            found.append(Region(*self._extent(old.header), self._code([new.header], indents)))
        found += self._statements(old.body, new.body, inner)
        found += self._lines(old.footer, new.footer, inner, None)
        return found

    # -- comment and blank lines

    def _lines(
        self,
        old: Sequence[cst.EmptyLine],
        new: Sequence[cst.EmptyLine],
        indents: tuple[str, ...],
        owner: int | None,
    ) -> list[Region]:
        """Regions that turn the comment and blank lines ``old`` into ``new`` (``owner``:
        where the lines start when there are none, if known)."""
        if _same(old, new):
            return []
        low, high = _same_ends(old, new)
        removed, added = old[low : len(old) - high], new[low : len(new) - high]
        if removed:
            start, end = self._extent(removed[0])[0], self._extent(removed[-1])[1]
        elif low:
            start = end = self._extent(old[low - 1])[1]
        elif high:
            start = end = self._extent(old[len(old) - high])[0]
        elif owner is not None:
            start = end = owner
        else:
            raise _Rewrite("lines added where there were none")
        return [Region(start, end, self._code(added, indents))]

    # -- code

    def _extent(self, node: cst.CSTNode) -> tuple[int, int]:
        try:
            return self.where.extent(node)
        except KeyError as error:
            raise Unsupported("a node that is not the original's") from error

    def _code(self, nodes: Sequence[cst.CSTNode], indents: tuple[str, ...]) -> str:
        """The code of ``nodes`` written one after another in a block indented ``indents``."""
        module = self.original
        state = CodegenState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            indent_tokens=list(indents),
        )
        for node in nodes:
            node._codegen(state)
        return "".join(state.tokens)


def _leading(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    """A statement's comment and blank lines above it."""
    assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    return statement.leading_lines


def _same(old: Sequence[cst.CSTNode], new: Sequence[cst.CSTNode]) -> bool:
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))


def _same_ends(old: Sequence[cst.CSTNode], new: Sequence[cst.CSTNode]) -> tuple[int, int]:
    """How many nodes the two sequences share at their start, and then at their end."""
    most = min(len(old), len(new))
    low = 0
    while low < most and old[low] is new[low]:
        low += 1
    high = 0
    while high < most - low and old[len(old) - 1 - high] is new[len(new) - 1 - high]:
        high += 1
    return low, high


def _in_blocks(code: str, indents: tuple[str, ...]) -> str:
    """``code``, statements indented ``indents``, inside blocks that indent them so."""
    if not code:
        return ""
    return "".join("".join(indents[:depth]) + "if 1:\n" for depth in range(len(indents))) + code
