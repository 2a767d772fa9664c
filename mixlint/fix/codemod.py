"""The changes of ``mixlint.model.Change`` made with libcst, every other byte kept.

A ``Fixer`` parses a file once; each ``apply`` finds the node every change names by its
exact span (the spans the analysis recorded: ``mixlint.positions``), checks that it still
has the shape the change expects, and transforms it in one pass of ``_Transformer``, which
enters only the nodes on the way to the changed ones. Imports the changes need are added as
libcst's ``AddImportsVisitor`` adds them (``mixlint.fix.imports``: a name is merged into
an existing ``from module import ...``). Whitespace and comments around a removed entry
are kept as they were for the entries that stay: a dict or an argument list keeps its
layout, its trailing comma and the comments of its other lines. The changed module is
either written whole (``apply``, for ``--fix``) or compared with the original where it
differs (``regions``, for the edits reports show).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import libcst as cst

from mixlint.fix.changes import VALUE
from mixlint.fix.imports import add_imports
from mixlint.fix.regions import Region, changed_regions
from mixlint.model import Change, ChangeKind, Span
from mixlint.positions import Positions, positions


class FixError(Exception):
    """A change that cannot be made: its node is gone or no longer has the expected shape."""


class Fixer:
    """One file, parsed once, to which sets of changes are applied (each set on its own:
    the reports show each finding's fix by itself)."""

    def __init__(self, source: str) -> None:
        try:
            self.module = cst.parse_module(source)
        except (cst.ParserSyntaxError, RecursionError) as error:
            raise FixError("the file no longer parses") from error
        self.length = len(source)
        self.positions = positions(self.module, extents=True)
        if not self.module.has_trailing_newline and self.positions.code_length == self.length:
            # libcst reads a file that ends in a lone "\r" as one without a final line
            # break, and drops that line break, the file's own, when it writes the module.
            self.module = self.module.with_changes(has_trailing_newline=True)
            self.positions = positions(self.module, extents=True)
        assert self.positions.parents is not None
        self.parents = self.positions.parents

    def apply(self, changes: Sequence[Change]) -> str:
        """The file's code with ``changes`` (none overlapping another) made."""
        return self.changed(changes).code

    def regions(self, changes: Sequence[Change]) -> list[Region]:
        """The regions of the file's text that ``changes`` rewrite (``Region.statements``:
        the new statements, to check that they parse). Raises ``FixError``, and
        ``mixlint.fix.regions.Unsupported`` for a change to compare whole (``apply``)."""
        return changed_regions(self.module, self.changed(changes), self.positions, self.length)

    def changed(self, changes: Sequence[Change]) -> cst.Module:
        """The module with ``changes`` (none overlapping another) made."""
        plan = _Plan(self.module, self.positions, self.parents)
        for change in changes:
            plan.add(change)
        try:
            changed = _Transformer(plan).rebuild(self.module)
            assert isinstance(changed, cst.Module)
            return add_imports(changed, [item for change in changes for item in change.imports])
        except (cst.CSTValidationError, RecursionError) as error:
            raise FixError(f"the change cannot be made: {error}") from error


def apply_changes(source: str, changes: Sequence[Change]) -> str:
    """``source`` with ``changes`` (all to this file, none overlapping) made."""
    return Fixer(source).apply(changes)


# --------------------------------------------------------------------------- the plan


@dataclass
class _Plan:
    """What to do to which original node, found from the changes' spans."""

    module: cst.Module
    positions: Positions
    parents: dict[cst.CSTNode, cst.CSTNode]
    replace: dict[cst.CSTNode, cst.BaseExpression] = field(default_factory=dict)
    remove: dict[cst.CSTNode, set[cst.CSTNode]] = field(default_factory=dict)  # container
    statements: set[cst.CSTNode] = field(default_factory=set)  # small statements to remove
    arguments: dict[cst.CSTNode, list[cst.Arg]] = field(default_factory=dict)  # call -> new
    strings: dict[cst.CSTNode, tuple[str, str]] = field(default_factory=dict)
    comments: dict[cst.CSTNode, str] = field(default_factory=dict)
    guards: dict[cst.CSTNode, cst.BaseExpression] = field(default_factory=dict)

    def targets(self) -> set[cst.CSTNode]:
        """Every node the plan changes, and the nodes around them (the transformer need
        not enter any other)."""
        found: set[cst.CSTNode] = set()
        for group in (self.replace, self.remove, self.arguments, self.strings, self.comments):
            found.update(group)
        found.update(self.statements)
        found.update(self.guards)
        for removed in self.remove.values():
            found.update(removed)
        around: set[cst.CSTNode] = set()
        for node in found:
            while node not in around:
                around.add(node)
                parent = self.parents.get(node)
                if parent is None:
                    break
                node = parent
        return around

    def add(self, change: Change) -> None:
        handlers = {
            ChangeKind.REPLACE: self._replace,
            ChangeKind.REMOVE_ENTRY: self._remove_entry,
            ChangeKind.ADD_ARGUMENT: self._add_argument,
            ChangeKind.EDIT_STRING: self._edit_string,
            ChangeKind.EDIT_COMMENT: self._edit_comment,
            ChangeKind.GUARD: self._guard,
        }
        handlers[change.kind](change)

    def expression(self, span: Span) -> cst.BaseExpression:
        """The outermost expression written exactly at ``span``."""
        for node in self.positions.nodes_at(span):
            if isinstance(node, cst.BaseExpression):
                return node
        raise FixError(f"no expression at line {span.start_line}, column {span.start_col}")

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    # -- the kinds of change

    def _replace(self, change: Change) -> None:
        node = self.expression(change.span)
        code = change.code
        if change.inner is not None:
            inner = self.expression(change.inner)
            written = self.code(inner)
            code = code.replace(VALUE, written if _atomic(inner) else f"({written})")
        new = _parse(code)
        if not _atomic(new) and not isinstance(self.parents.get(node), _WHOLE_EXPRESSION):
            new = new.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        self.replace[node] = new

    def _remove_entry(self, change: Change) -> None:
        value = self.expression(change.span)
        entry = self.parents.get(value)
        if isinstance(entry, cst.DictElement) and entry.value is value:
            if change.inner is not None and self.positions.span(entry.key) != change.inner:
                raise FixError("the entry's key moved")
            self.remove.setdefault(self.parents[entry], set()).add(entry)
        elif isinstance(entry, cst.Arg) and entry.value is value:
            call = self.parents[entry]
            keyword = entry.keyword.value if entry.keyword is not None else None
            if isinstance(call, cst.Call) and _setdefault_key(call, entry, self.positions, change):
                self.statements.add(self._statement_of(call))
            elif keyword != change.key or entry.star:
                raise FixError("the argument is not the entry")
            else:
                self.remove.setdefault(call, set()).add(entry)
        elif isinstance(entry, cst.Assign) and entry.value is value:
            target = entry.targets[0].target if len(entry.targets) == 1 else None
            index = _subscript_index(target)
            if index is None or self.positions.span(index) != change.inner:
                raise FixError("the assignment is not the entry")
            self._own_line(entry)
            self.statements.add(entry)
        else:
            raise FixError("the value is not an entry that can be removed")

    def _statement_of(self, call: cst.CSTNode) -> cst.CSTNode:
        """The expression statement ``call`` is, alone on its line."""
        statement = self.parents.get(call)
        if not isinstance(statement, cst.Expr):
            raise FixError("the call is part of a larger expression")
        self._own_line(statement)
        return statement

    def _own_line(self, statement: cst.CSTNode) -> cst.SimpleStatementLine:
        line = self.parents.get(statement)
        if not isinstance(line, cst.SimpleStatementLine):
            raise FixError("the statement shares a line with a compound statement")
        return line

    def _add_argument(self, change: Change) -> None:
        call = self.expression(change.span)
        if not isinstance(call, cst.Call):
            raise FixError("not a call")
        if any(arg.keyword is not None and arg.keyword.value == change.key for arg in call.args):
            raise FixError(f"the call already passes {change.key}")
        new = cst.Arg(
            value=_parse(change.code),
            keyword=cst.Name(str(change.key)),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        self.arguments.setdefault(call, []).append(new)

    def _edit_string(self, change: Change) -> None:
        node = self.expression(change.span)
        old = str(change.key)
        for part in _string_parts(node):
            if old in _string_body(part):
                self.strings[part] = (old, change.code)
                return
        raise FixError("the string no longer holds the text to change")

    def _edit_comment(self, change: Change) -> None:
        span = change.span
        for node in _comments(self.module):
            found = self.positions.span(node)
            if (
                found is not None
                and found.start_line == span.start_line
                and found.start_col <= span.start_col
                and span.end_col <= found.end_col
            ):
                start = span.start_col - found.start_col
                end = span.end_col - found.start_col
                text = self.comments.get(node, node.value)
                self.comments[node] = _edited_comment(text, start, end, change.code)
                return
        raise FixError("the comment is gone")

    def _guard(self, change: Change) -> None:
        line = self._own_line(self._statement_of(self.expression(change.span)))
        if len(line.body) != 1:
            raise FixError("the call shares its line with other statements")
        self.guards[line] = _parse(change.code)


# Parents whose child expression stands alone, so that any expression can take its place.
_WHOLE_EXPRESSION = (
    cst.Arg,
    cst.DictElement,
    cst.Element,
    cst.Assign,
    cst.AnnAssign,
    cst.AugAssign,
    cst.Return,
    cst.Expr,
    cst.Index,
)


def _parse(code: str) -> cst.BaseExpression:
    try:
        return cst.parse_expression(code)
    except cst.ParserSyntaxError as error:
        raise FixError(f"the new code does not parse: {code!r}") from error


def _atomic(node: cst.BaseExpression) -> bool:
    """Whether the expression can be used anywhere without parentheses."""
    return bool(node.lpar) or isinstance(
        node,
        (
            cst.Name,
            cst.Attribute,
            cst.Call,
            cst.Subscript,
            cst.BaseString,
            cst.BaseNumber,
            cst.Dict,
            cst.List,
            cst.Set,
            cst.Tuple,
            cst.Ellipsis,
        ),
    )


def _subscript_index(target: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """``props["email"]`` -> the ``"email"`` node."""
    if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
        return None
    index = target.slice[0].slice
    return index.value if isinstance(index, cst.Index) else None


def _setdefault_key(call: cst.Call, arg: cst.Arg, positions: Positions, change: Change) -> bool:
    """``props.setdefault("email", value)``: the value's argument, its key at ``inner``."""
    return (
        isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "setdefault"
        and len(call.args) == 2
        and call.args[1] is arg
        and positions.span(call.args[0].value) == change.inner
    )


def _string_parts(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The pieces of a string literal whose text can be edited, in order."""
    if isinstance(node, cst.ConcatenatedString):
        yield from _string_parts(node.left)
        yield from _string_parts(node.right)
    elif isinstance(node, cst.SimpleString):
        yield node
    elif isinstance(node, cst.FormattedString):
        yield from (part for part in node.parts if isinstance(part, cst.FormattedStringText))


def _string_body(node: cst.CSTNode) -> str:
    if isinstance(node, cst.SimpleString):
        return node.value[len(node.prefix) + len(node.quote) : -len(node.quote)]
    assert isinstance(node, cst.FormattedStringText)
    return node.value


def _comments(module: cst.Module) -> list[cst.Comment]:
    found: list[cst.Comment] = []

    class Collect(cst.CSTVisitor):
        def visit_Comment(self, node: cst.Comment) -> None:
            found.append(node)

    module.visit(Collect())
    return found


def _edited_comment(text: str, start: int, end: int, new: str) -> str:
    """A comment with the directive at ``[start, end)`` replaced by ``new`` ("" drops it and
    the space before it); "" when nothing but the ``#`` would be left."""
    before, after = text[:start], text[end:]
    if new:
        result = before + new + after
    elif after.strip():
        result = (before.rstrip() + "  " if before.strip() else "") + after.lstrip()
    else:
        result = before.rstrip()
    return "" if result.strip() in ("", "#") else result


# --------------------------------------------------------------------------- the transformer


class _Transformer:
    """Makes a plan: rebuilds the nodes on the way to the changed ones, bottom-up, and
    keeps every other node as it is (the very node: ``mixlint.fix.regions`` relies on it).
    Unlike a libcst visit, it does not enter the other children of the nodes it rebuilds,
    so that a fix costs what it changes (a function after 20,000 comment lines has them
    as children)."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.targets = plan.targets()
        self.inside: dict[cst.CSTNode, set[cst.CSTNode]] = {}  # target -> its target children
        for node in self.targets:
            parent = plan.parents.get(node)
            if parent is not None:
                self.inside.setdefault(parent, set()).add(node)
        self.removed_lines: set[cst.CSTNode] = set()  # statement lines left empty

    def rebuild(self, node: cst.CSTNode) -> cst.CSTNode | cst.RemovalSentinel:
        """``node`` (one of the targets) with the plan made inside it."""
        left = set(self.inside.get(node, ()))  # target children not found yet
        changed: dict[str, Any] = {}
        for part in fields(node):
            if not left:
                break
            value = getattr(node, part.name)
            if isinstance(value, cst.CSTNode):
                if value in left:
                    left.discard(value)
                    new = self.rebuild(value)
                    if isinstance(new, cst.RemovalSentinel):
                        raise FixError(f"{type(node).__name__}.{part.name} cannot be removed")
                    changed[part.name] = new
            elif isinstance(value, tuple | list) and not left.isdisjoint(value):
                left.difference_update(value)
                rebuilt = (self.rebuild(item) if item in self.targets else item for item in value)
                changed[part.name] = tuple(
                    item for item in rebuilt if not isinstance(item, cst.RemovalSentinel)
                )
        return self.leave(node, node.with_changes(**changed) if changed else node)

    def leave(
        self, original: cst.CSTNode, updated: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel:
        plan = self.plan
        if original in plan.replace:
            return plan.replace[original]
        if original in plan.strings:
            return _edit_string(updated, *plan.strings[original])
        if plan.comments.get(original):
            return updated.with_changes(value=plan.comments[original])
        if isinstance(original, (cst.TrailingWhitespace, cst.EmptyLine)) and (
            plan.comments.get(original.comment) == ""  # type: ignore[arg-type]
        ):
            if isinstance(updated, cst.EmptyLine):
                return cst.RemovalSentinel.REMOVE
            return updated.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        if original in plan.remove and isinstance(updated, (cst.Dict, cst.Call)):
            updated = _without_entries(original, updated, plan.remove[original])
        if original in plan.arguments and isinstance(updated, cst.Call):
            updated = _with_arguments(updated, plan.arguments[original])
        if isinstance(original, cst.SimpleStatementLine):
            return self._statement_line(original, updated)
        if isinstance(updated, (cst.Module, cst.IndentedBlock)):
            return self._body(original, updated)
        return updated

    def _statement_line(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(original, cst.SimpleStatementLine)
        assert isinstance(updated, cst.SimpleStatementLine)
        kept = [
            new
            for old, new in zip(original.body, updated.body, strict=True)
            if old not in self.plan.statements
        ]
        if not kept:
            self.removed_lines.add(original)
            return updated
        if len(kept) != len(updated.body):
            last = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            updated = updated.with_changes(body=[*kept[:-1], last])
        test = self.plan.guards.get(original)
        if test is None:
            return updated
        return cst.If(
            test=test,
            body=cst.IndentedBlock(body=[updated.with_changes(leading_lines=())]),
            leading_lines=updated.leading_lines,
        )

    def _body(self, original: cst.CSTNode, updated: cst.Module | cst.IndentedBlock) -> cst.CSTNode:
        assert isinstance(original, (cst.Module, cst.IndentedBlock))
        if not any(line in self.removed_lines for line in original.body):
            return updated
        body: list[Any] = []  # statements: each has ``leading_lines``
        carried: list[cst.EmptyLine] = []  # comments above a removed line go to the next one
        statement: Any
        for old, statement in zip(original.body, updated.body, strict=True):
            new = statement
            if old in self.removed_lines:
                carried.extend(new.leading_lines)
                continue
            if carried:
                new = new.with_changes(leading_lines=[*carried, *new.leading_lines])
                carried = []
            body.append(new)
        if not body and isinstance(updated, cst.IndentedBlock):
            body = [cst.SimpleStatementLine([cst.Pass()])]
        return updated.with_changes(body=body)


def _edit_string(node: cst.CSTNode, old: str, new: str) -> cst.CSTNode:
    if isinstance(node, cst.SimpleString):
        start = len(node.prefix) + len(node.quote)
        body = node.value[start : -len(node.quote)]
        return node.with_changes(
            value=node.value[:start] + body.replace(old, new, 1) + node.value[-len(node.quote) :]
        )
    assert isinstance(node, cst.FormattedStringText)
    return node.with_changes(value=node.value.replace(old, new, 1))


# --------------------------------------------------------------------------- separated lists
# A dict's entries and a call's arguments are separated by commas. Between two entries the
# text is: entry, comma, the comma's ``whitespace_after``, next entry. After the last one
# comes its trailing comma (if any), then the closing whitespace (a dict's
# ``rbrace.whitespace_before``; a call's ``whitespace_after_arg`` of its last argument or,
# with a trailing comma, that comma's ``whitespace_after``).


def _blank(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.SimpleWhitespace) and whitespace.value == ""


def _merged(
    before: cst.BaseParenthesizableWhitespace, after: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace that replaces ``before`` + removed entries + ``after``: the end of
    ``before``'s line (its comment) with ``after``'s lines and indentation."""
    if isinstance(before, cst.ParenthesizedWhitespace):
        if isinstance(after, cst.ParenthesizedWhitespace):
            return after.with_changes(first_line=before.first_line)
        return before if before.first_line.comment is not None else after
    return after if isinstance(after, cst.ParenthesizedWhitespace) else before


def _has_comment(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return (
        isinstance(whitespace, cst.ParenthesizedWhitespace)
        and whitespace.first_line.comment is not None
    )


def _without_entries(
    original: cst.CSTNode, updated: cst.Dict | cst.Call, removed: set[cst.CSTNode]
) -> cst.Dict | cst.Call:
    entries: list[Any]  # each has a ``comma``
    originals: list[cst.CSTNode]
    if isinstance(updated, cst.Dict):
        assert isinstance(original, cst.Dict)
        entries, originals = list(updated.elements), list(original.elements)
        lead, closing = updated.lbrace.whitespace_after, updated.rbrace.whitespace_before
    else:
        assert isinstance(original, cst.Call)
        entries, originals = list(updated.args), list(original.args)
        lead, closing = updated.whitespace_before_args, updated.args[-1].whitespace_after_arg
    kept: list[Any] = []
    index = 0
    while index < len(entries):
        if originals[index] not in removed:
            kept.append(entries[index])
            index += 1
            continue
        while index + 1 < len(entries) and originals[index + 1] in removed:
            index += 1  # a run of removed entries ends at ``index``
        last = entries[index]
        comma = last.comma if isinstance(last.comma, cst.Comma) else None
        index += 1
        if index < len(entries):  # entries follow: join the gap around the run
            assert comma is not None
            if kept:
                previous = kept[-1]
                between = _merged(previous.comma.whitespace_after, comma.whitespace_after)
                kept[-1] = previous.with_changes(
                    comma=previous.comma.with_changes(whitespace_after=between)
                )
            else:
                lead = _merged(lead, comma.whitespace_after)
            continue
        # The run ends the list: the previous entry does.
        if comma is not None and not _blank(comma.whitespace_after):
            closing = comma.whitespace_after
        if not kept:
            lead = closing = cst.SimpleWhitespace("")
            break
        previous = kept[-1]
        between = previous.comma.whitespace_after
        if isinstance(between, cst.ParenthesizedWhitespace):
            closing = _merged(between, closing)
        if comma is not None or _has_comment(between):  # a trailing comma stays (or is kept
            # for the comment after it)
            kept[-1] = previous.with_changes(
                comma=previous.comma.with_changes(whitespace_after=cst.SimpleWhitespace(""))
            )
        else:
            kept[-1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if isinstance(updated, cst.Dict):
        return updated.with_changes(
            elements=kept,
            lbrace=updated.lbrace.with_changes(whitespace_after=lead),
            rbrace=updated.rbrace.with_changes(whitespace_before=closing),
        )
    if kept:
        kept[-1] = kept[-1].with_changes(whitespace_after_arg=closing)
    return updated.with_changes(args=kept, whitespace_before_args=lead)


def _with_arguments(call: cst.Call, new: list[cst.Arg]) -> cst.Call:
    """``call`` with keyword arguments appended in the layout of the ones it has."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=_joined(new, cst.SimpleWhitespace(" ")))
    last = args[-1]
    multiline = isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace)
    separator: cst.BaseParenthesizableWhitespace = (
        call.whitespace_before_args if multiline else cst.SimpleWhitespace(" ")
    )
    if len(args) > 1 and isinstance(args[0].comma, cst.Comma):
        separator = args[0].comma.whitespace_after
    added = _joined(new, separator)
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new ones end with it
        added[-1] = added[-1].with_changes(comma=last.comma)
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=separator))
    else:
        added[-1] = added[-1].with_changes(whitespace_after_arg=last.whitespace_after_arg)
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=separator),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
    return call.with_changes(args=[*args, *added])


def _joined(args: list[cst.Arg], separator: cst.BaseParenthesizableWhitespace) -> list[cst.Arg]:
    return [
        arg.with_changes(comma=cst.Comma(whitespace_after=separator))
        if index < len(args) - 1
        else arg
        for index, arg in enumerate(args)
    ]
