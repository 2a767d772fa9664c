"""One parsed file -> a ``ModuleSummary``: bindings, functions and every call.

The collector walks each function's statements in order, keeping the local
bindings that reach each point (so ``props["k"] = v`` after ``props = {...}``
extends that dict, and a stored consent flag is judged by the assignment that
reaches its use; after an ``if``, a name its branches bind differently holds
either value) and the consent guards that dominate it. It needs nothing
from other files: cross-module questions are answered later, by ``resolve``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from mixlint.consent import ConsentMatcher, binding_targets, missing, present, self_class
from mixlint.exprs import either
from mixlint.literals import mask
from mixlint.model import (
    NO_SPAN,
    Binding,
    CallSite,
    ClassField,
    ClassSummary,
    Expr,
    ExprKind,
    FunctionSummary,
    ModuleSummary,
    Parameter,
    Span,
    keyword_span,
)
from mixlint.positions import positions

MAX_DEPTH = 60
MAX_TEXT = 240
MODULE = "<module>"
# Calls that can never send anything to Mixpanel; skipping them keeps summaries small.
_INERT_CALLEES = frozenset(
    {
        "print",
        "len",
        "isinstance",
        "issubclass",
        "hasattr",
        "range",
        "enumerate",
        "zip",
        "sorted",
        "min",
        "max",
        "sum",
        "any",
        "all",
        "int",
        "float",
        "bool",
        "repr",
        "type",
        "id",
        "super",
        "iter",
        "next",
        "abs",
        "round",
        "open",
        "reversed",
        "callable",
    }
)
# Python's line breaks; str.splitlines() also splits at form feeds and other
# characters that are not line breaks in source code.
_LINE_BREAK = re.compile(r"\r\n?|\n")
# Decorators that only wrap or describe a function: a later ``def`` of the same name
# still replaces it. Any other decorator may have registered it (``@app.route``).
_PLAIN_DECORATORS = frozenset(
    {
        "abstractmethod",
        "cache",
        "cached_property",
        "classmethod",
        "final",
        "lru_cache",
        "overload",
        "override",
        "property",
        "staticmethod",
        "wraps",
    }
)
_LEAVING_CALLS = frozenset({"abort", "exit", "_exit", "fail"})
_MUTATING_METHODS = frozenset({"update", "setdefault", "__setitem__"})
_HOST_MARKERS = ("mixpanel.com", "data-deletions", "/engage", "/track", "/import", "/groups")


@dataclass(slots=True)
class _Scope:
    """Local bindings of one function body (or the module body) at the current point."""

    qualname: str
    bindings: dict[str, Expr] = field(default_factory=dict)
    globals_declared: set[str] = field(default_factory=set)
    parent: _Scope | None = None
    class_name: str | None = None  # set while walking a class body


@dataclass(frozen=True, slots=True)
class _Definition:
    block: int  # id() of the statement list the ``def`` stands in
    span: Span  # the whole ``def``
    registers: bool  # a decorator that may keep the function (``@app.route``)


@dataclass(slots=True)
class _Guard:
    guarded: bool = False
    reason: str = ""
    present: tuple[str, ...] = ()  # binding targets that exist here (``if self.mp:``)

    def where(self, targets: tuple[str, ...]) -> _Guard:
        """This guard where ``targets`` exist too (guard form 7, judged later)."""
        if self.guarded or not targets:
            return self
        return _Guard(False, "", tuple(dict.fromkeys((*self.present, *targets))))


class Collector:
    def __init__(
        self,
        module: cst.Module,
        source: str,
        path: str,
        module_name: str,
        is_package: bool,
        consent: ConsentMatcher,
    ) -> None:
        self.module = module
        self.positions = positions(module)
        self.path = path
        self.module_name = module_name
        self.is_package = is_package
        self.consent = consent
        self.line_starts = [0, *(match.end() for match in _LINE_BREAK.finditer(source))]
        self.source = source
        self.globals: dict[str, list[Expr]] = {}
        self.class_attrs: dict[str, list[Expr]] = {}
        self.class_bases: dict[str, tuple[Expr, ...]] = {}
        self.classes: dict[str, ClassSummary] = {}
        self.functions: dict[str, FunctionSummary] = {}
        self.calls: list[CallSite] = []
        self.strings: list[Expr] = []
        self.bindings: list[Binding] = []
        self._returns: list[Expr] = []
        self._block = 0  # id() of the statement list being walked
        self._definitions: dict[str, _Definition] = {}  # qualname -> its latest ``def``
        self._read_definitions: set[str] = set()  # defs whose name was read since

    # -- positions and text ------------------------------------------------

    def span(self, node: cst.CSTNode) -> Span:
        span = self.positions.span(node)
        return NO_SPAN if span is None else span

    def text(self, span: Span) -> str:
        if span.start_line <= 0:
            return ""
        start = self.line_starts[span.start_line - 1] + span.start_col - 1
        end = self.line_starts[span.end_line - 1] + span.end_col - 1
        snippet = self.source[start:end]
        if len(snippet) > MAX_TEXT:
            # Masked before it is cut: half a personal-data literal is no longer
            # recognised by the reporters' masking, and would be printed as is.
            # (320 more characters hold any literal that starts before the cut.)
            snippet = mask(snippet[: MAX_TEXT + 320])[: MAX_TEXT - 1] + "…"
        return snippet

    def make(self, kind: ExprKind, node: cst.CSTNode, **fields: object) -> Expr:
        span = self.span(node)
        return Expr(kind, self.text(span), span, **fields)  # type: ignore[arg-type]

    # -- names -----------------------------------------------------------

    def lookup(self, name: str, scope: _Scope) -> Expr | None:
        current: _Scope | None = scope
        while current is not None:
            if name in current.globals_declared:
                break
            # Inside a function, a module global may be rebound after the def: leave
            # it to ``resolve``, which sees every module-level binding.
            if current.parent is None and current is not scope:
                break
            # A class body's names are not visible inside its methods.
            if current.class_name is None or current is scope:
                bound = current.bindings.get(name)
                if bound is not None:
                    if bound.kind is ExprKind.OTHER and isinstance(bound.value, str):
                        self._read_definitions.add(bound.value.partition(":")[2])
                    return bound
            current = current.parent
        return None

    def bind(self, name: str, value: Expr, scope: _Scope) -> None:
        if scope.parent is None or name in scope.globals_declared:
            self.globals.setdefault(name, []).append(value)
        if name in scope.globals_declared:
            return
        scope.bindings[name] = value

    @staticmethod
    def module_for(node: cst.ImportFrom) -> str:
        """The module a ``from`` import names, its leading dots kept (``..config``):
        ``mixlint.modules`` resolves it from the importing file's folder."""
        return "." * len(node.relative) + (_dotted(node.module) if node.module is not None else "")

    # -- expressions -------------------------------------------------------

    def expr(
        self, node: cst.BaseExpression | None, scope: _Scope, guard: _Guard, depth: int = 0
    ) -> Expr:
        if node is None:
            return Expr(ExprKind.OTHER, "", Span(0, 0, 0, 0))
        if depth > MAX_DEPTH:
            return self.make(ExprKind.OTHER, node)
        sub = depth + 1
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return self.make(
                    ExprKind.CONST, node, value={"True": True, "False": False}.get(node.value)
                )
            return self.make(
                ExprKind.NAME, node, value=node.value, origin=self.lookup(node.value, scope)
            )
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            literal = node.evaluated_value
            result = self.make(ExprKind.CONST, node, value=literal)
            if isinstance(literal, str) and any(marker in literal for marker in _HOST_MARKERS):
                self.strings.append(result)
            return result
        if isinstance(node, cst.Integer):
            return self.make(ExprKind.CONST, node, value=_int(node.value))
        if isinstance(node, cst.Float):
            return self.make(ExprKind.CONST, node, value=_float(node.value))
        if isinstance(node, cst.Attribute):
            return self.make(
                ExprKind.ATTR,
                node,
                value=node.attr.value,
                base=self.expr(node.value, scope, guard, sub),
            )
        if isinstance(node, cst.Subscript):
            index: Expr | None = None
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                index = self.expr(node.slice[0].slice.value, scope, guard, sub)
            return self.make(
                ExprKind.SUBSCRIPT,
                node,
                base=self.expr(node.value, scope, guard, sub),
                args=(index,) if index is not None else (),
            )
        if isinstance(node, cst.Call):
            return self.call(node, scope, guard, sub)
        if isinstance(node, cst.Dict):
            items: list[tuple[Expr | None, Expr]] = []
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    items.append(
                        (
                            self.expr(element.key, scope, guard, sub),
                            self.expr(element.value, scope, guard, sub),
                        )
                    )
                elif isinstance(element, cst.StarredDictElement):
                    items.append((None, self.expr(element.value, scope, guard, sub)))
            return self.make(ExprKind.DICT, node, items=tuple(items))
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            elements = []
            for member in node.elements:
                item = self.expr(member.value, scope, guard, sub)
                if isinstance(member, cst.StarredElement):
                    item = self.make(ExprKind.STARRED, member, base=item)
                elements.append(item)
            return self.make(ExprKind.SEQ, node, args=tuple(elements))
        if isinstance(node, cst.FormattedString):
            parts = tuple(
                self.expr(part.expression, scope, guard, sub)
                for part in node.parts
                if isinstance(part, cst.FormattedStringExpression)
            )
            result = self.make(ExprKind.FSTRING, node, args=parts)
            if any(marker in result.text for marker in _HOST_MARKERS):
                self.strings.append(result)
            return result
        if isinstance(node, cst.BinaryOperation):
            operator = (
                "%"
                if isinstance(node.operator, cst.Modulo)
                else "+"
                if isinstance(node.operator, cst.Add)
                else "op"
            )
            return self.make(
                ExprKind.CONCAT,
                node,
                value=operator,
                args=(
                    self.expr(node.left, scope, guard, sub),
                    self.expr(node.right, scope, guard, sub),
                ),
            )
        if isinstance(node, cst.BooleanOperation):
            return self.boolop(node, scope, guard, sub)
        if isinstance(node, cst.UnaryOperation):
            operand = self.expr(node.expression, scope, guard, sub)
            if isinstance(node.operator, cst.Not):
                return self.make(ExprKind.NOT, node, base=operand)
            return self.make(ExprKind.OTHER, node, args=(operand,))
        if isinstance(node, cst.Comparison):
            left = self.expr(node.left, scope, guard, sub)
            comparators = tuple(
                self.expr(t.comparator, scope, guard, sub) for t in node.comparisons
            )
            operator = _comparison_operator(node.comparisons[0].operator)
            return self.make(ExprKind.COMPARE, node, base=left, value=operator, args=comparators)
        if isinstance(node, cst.IfExp):
            test = self.expr(node.test, scope, guard, sub)
            body_guard = guard
            else_guard = guard
            if self.consent.requires(test):
                body_guard = _Guard(True, f"conditional expression on {test.text}")
            elif self.consent.absent(test):
                else_guard = _Guard(True, f"conditional expression on {test.text}")
            else:
                body_guard = guard.where(binding_targets(present(test)))
                else_guard = guard.where(binding_targets(missing(test)))
            body = self.expr(node.body, scope, body_guard, sub)
            orelse = self.expr(node.orelse, scope, else_guard, sub)
            return self.make(ExprKind.COND, node, base=test, args=(body, orelse))
        if isinstance(node, cst.NamedExpr):
            assigned = self.expr(node.value, scope, guard, sub)
            if isinstance(node.target, cst.Name):
                self.define(node.target.value, node.target, assigned, scope, guard)
            return assigned
        if isinstance(node, cst.Await):
            return self.expr(node.expression, scope, guard, sub)
        if isinstance(node, cst.Lambda):
            return self.lambda_(node, scope, guard, sub)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            return self.comprehension(node, scope, guard, sub)
        if isinstance(node, cst.StarredElement):
            return self.make(ExprKind.STARRED, node, base=self.expr(node.value, scope, guard, sub))
        # Walk unknown shapes for the calls inside them.
        children = tuple(
            self.expr(child, scope, guard, sub)
            for child in node.children
            if isinstance(child, cst.BaseExpression)
        )
        return self.make(ExprKind.OTHER, node, args=children)

    def lambda_(self, node: cst.Lambda, scope: _Scope, guard: _Guard, depth: int) -> Expr:
        """A lambda's body is walked for its calls, which belong to the enclosing function
        (``on_commit(lambda: track.delay(user.pk))``); its parameters are opaque values."""
        inner = _Scope(
            scope.qualname, dict(scope.bindings), set(scope.globals_declared), scope.parent
        )
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                self.expr(param.default, scope, guard, depth)
        every: tuple[object, ...] = (
            *params.posonly_params,
            *params.params,
            *params.kwonly_params,
            params.star_arg,
            params.star_kwarg,
        )
        for each in every:
            if isinstance(each, cst.Param):
                inner.bindings[each.name.value] = self.make(ExprKind.OTHER, each.name)
        body = self.expr(node.body, inner, guard, depth)
        return self.make(ExprKind.LAMBDA, node, args=(body,))

    def boolop(self, node: cst.BooleanOperation, scope: _Scope, guard: _Guard, depth: int) -> Expr:
        operator = "and" if isinstance(node.operator, cst.And) else "or"
        left = self.expr(node.left, scope, guard, depth)
        right_guard = guard
        # `consent and mp.track(...)` runs the call only with consent.
        leaves_without_consent = operator == "or" and self.consent.absent(left)
        if (operator == "and" and self.consent.requires(left)) or leaves_without_consent:
            right_guard = _Guard(True, f"short-circuit on {left.text}")
        else:
            # `self.mp and self.mp.track(...)`
            right_guard = guard.where(
                binding_targets((present if operator == "and" else missing)(left))
            )
        right = self.expr(node.right, scope, right_guard, depth)
        operands: list[Expr] = []
        for operand in (left, right):
            if operand.kind is ExprKind.BOOLOP and operand.value == operator:
                operands.extend(operand.args)
            else:
                operands.append(operand)
        return self.make(ExprKind.BOOLOP, node, value=operator, args=tuple(operands))

    def comprehension(
        self, node: cst.BaseComp | cst.DictComp, scope: _Scope, guard: _Guard, depth: int
    ) -> Expr:
        inner = _Scope(
            scope.qualname, dict(scope.bindings), set(scope.globals_declared), scope.parent
        )
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            iterable = self.expr(clause.iter, inner, guard, depth)
            self.bind_target(
                clause.target, self.make(ExprKind.ITER, clause.target, base=iterable), inner, guard
            )
            clause = clause.inner_for_in
        if isinstance(node, cst.DictComp):
            key = self.expr(node.key, inner, guard, depth)
            value = self.expr(node.value, inner, guard, depth)
            return self.make(ExprKind.OTHER, node, args=(key, value))
        produced: cst.BaseExpression = getattr(node, "elt")  # noqa: B009 - BaseComp lacks it
        element = self.expr(produced, inner, guard, depth)
        return self.make(
            ExprKind.SEQ, node, args=(self.make(ExprKind.ITER, produced, base=element),)
        )

    def call(self, node: cst.Call, scope: _Scope, guard: _Guard, depth: int) -> Expr:
        callee = self.expr(node.func, scope, guard, depth)
        args: list[Expr] = []
        keywords: list[tuple[str | None, Expr]] = []
        for arg in node.args:
            value = self.expr(arg.value, scope, guard, depth)
            if arg.keyword is not None:
                keywords.append((arg.keyword.value, value))
            elif arg.star == "**":
                keywords.append((None, value))
            elif arg.star == "*":
                args.append(self.make(ExprKind.STARRED, arg, base=value))
            else:
                args.append(value)
        result = self.make(
            ExprKind.CALL, node, base=callee, args=tuple(args), keywords=tuple(keywords)
        )
        if not (callee.kind is ExprKind.NAME and callee.value in _INERT_CALLEES):
            self.calls.append(
                CallSite(result, scope.qualname, guard.guarded, guard.reason, guard.present)
            )
        return result

    # -- statements --------------------------------------------------------

    def bind_target(
        self,
        target: cst.BaseExpression,
        value: Expr,
        scope: _Scope,
        guard: _Guard,
        *,
        binds: bool = True,
    ) -> None:
        """``target = value`` (``binds``: False for an annotation without a value)."""
        if isinstance(target, cst.Name):
            self.define(target.value, target, value, scope, guard, binds)
        elif isinstance(target, (cst.Tuple, cst.List)):
            values: tuple[Expr, ...] | None = None
            if value.kind is ExprKind.SEQ and len(value.args) == len(target.elements):
                values = value.args
            for index, element in enumerate(target.elements):
                element_value = (
                    values[index]
                    if values is not None
                    else self.make(ExprKind.ITER, element.value, base=value)
                )
                self.bind_target(element.value, element_value, scope, guard, binds=binds)
        elif isinstance(target, cst.Attribute):
            self.bind_attribute(target, value, scope, guard, binds)
        elif isinstance(target, cst.Subscript):
            self.extend_dict(target, value, scope, guard)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(
                target.value,
                self.make(ExprKind.ITER, target, base=value),
                scope,
                guard,
                binds=binds,
            )

    def define(
        self,
        name: str,
        node: cst.CSTNode,
        value: Expr,
        scope: _Scope,
        guard: _Guard,
        binds: bool = True,
    ) -> None:
        """``name`` bound to ``value`` by an assignment, import, ``def`` or ``class``;
        recorded for guard form 7 when it is a module global or a class attribute."""
        self.bind(name, value, scope)
        if scope.class_name is not None:
            self.record_binding(f"{scope.class_name}.{name}", node, value, scope, guard, binds)
        elif scope.parent is None or name in scope.globals_declared:
            self.record_binding(name, node, value, scope, guard, binds)

    def record_binding(
        self,
        name: str,
        target: cst.CSTNode,
        value: Expr,
        scope: _Scope,
        guard: _Guard,
        binds: bool,
    ) -> None:
        """Guard form 7 reads every binding of an attribute or global: is it None, or made
        with consent (on a guarded path, or in a function named for opting in)?"""
        if not binds:
            return
        function = scope.qualname.rsplit(".", 1)[-1]
        opted_in = scope.class_name is None and self.consent.opts_in(function)
        none = value.kind is ExprKind.CONST and value.value is None
        self.bindings.append(
            Binding(
                name,
                self.span(target),
                scope.qualname,
                guard.guarded or opted_in,
                none,
                binding_targets((value,)),
                guard.reason if guard.guarded else f"in {function}()" if opted_in else "",
            )
        )

    def bind_attribute(
        self, target: cst.Attribute, value: Expr, scope: _Scope, guard: _Guard, binds: bool
    ) -> None:
        owner = self.expr(target.value, scope, guard)
        class_name = self_class(owner)
        if class_name is not None:
            self.record_binding(
                f"{class_name}.{target.attr.value}", target, value, scope, guard, binds
            )
            self.class_attrs.setdefault(f"{class_name}.{target.attr.value}", []).append(value)

    def extend_dict(self, target: cst.Subscript, value: Expr, scope: _Scope, guard: _Guard) -> None:
        """``props["k"] = v`` on a local dict adds that property where it is written."""
        if not isinstance(target.value, cst.Name) or len(target.slice) != 1:
            return
        index = target.slice[0].slice
        if not isinstance(index, cst.Index):
            return
        key = self.expr(index.value, scope, guard)
        self.add_items(target.value.value, ((key, value),), scope)

    def add_items(
        self, name: str, items: Sequence[tuple[Expr | None, Expr]], scope: _Scope
    ) -> None:
        current = scope.bindings.get(name)
        if current is None:
            return
        # A dict built any other way (`dict(props)`, `.copy()`, a parameter) keeps what
        # it held, as a spread, and gains the new keys where they are written.
        held = current.items if current.kind is ExprKind.DICT else ((None, current),)
        scope.bindings[name] = Expr(
            ExprKind.DICT, current.text, current.span, items=held + tuple(items)
        )

    def mutation(self, call: Expr, scope: _Scope) -> None:
        """``props.update(...)`` / ``props.setdefault(k, v)`` / ``props |= {...}``."""
        callee = call.base
        if (
            callee is None
            or callee.kind is not ExprKind.ATTR
            or callee.value not in _MUTATING_METHODS
        ):
            return
        owner = callee.base
        if owner is None or owner.kind is not ExprKind.NAME:
            return
        name = str(owner.value)
        if callee.value == "update":
            items: list[tuple[Expr | None, Expr]] = [(None, arg) for arg in call.args]
            for keyword, value in call.keywords:
                if keyword is None:
                    items.append((None, value))
                else:
                    items.append(
                        (
                            Expr(
                                ExprKind.CONST,
                                keyword,
                                keyword_span(keyword, value.span),
                                value=keyword,
                            ),
                            value,
                        )
                    )
            self.add_items(name, items, scope)
        elif len(call.args) >= 2:
            self.add_items(name, ((call.args[0], call.args[1]),), scope)

    def statements(
        self,
        body: Sequence[cst.BaseStatement | cst.BaseSmallStatement],
        scope: _Scope,
        guard: _Guard,
    ) -> None:
        """Walk a block in order; a consent early-exit guards everything after it."""
        current = guard
        outer, self._block = self._block, id(body)
        for statement in body:
            self.statement(statement, scope, current)
            self._block = id(body)
            if not current.guarded and isinstance(statement, cst.If):
                current = self.early_exit(statement, scope, current)
        self._block = outer

    def early_exit(self, node: cst.If, scope: _Scope, guard: _Guard) -> _Guard:
        """What guards the statements after ``node``: ``guard``, or more when ``node``
        leaves without consent (``if not consent: return``) or without an object
        (``if not self.mp: return``)."""
        test = self.test_expr(node.test, scope)
        reason = f"early exit on {test.text} (line {test.span.start_line})"
        leaves_else = isinstance(node.orelse, cst.Else) and _leaves(node.orelse.body)
        if _leaves(node.body):
            if self.consent.absent(test):
                return _Guard(True, reason)
            return guard.where(binding_targets(missing(test)))
        if leaves_else:
            if self.consent.requires(test):
                return _Guard(True, reason)
            return guard.where(binding_targets(present(test)))
        return guard

    def test_expr(self, node: cst.BaseExpression, scope: _Scope) -> Expr:
        # Re-reading a test must not record its calls twice.
        saved = len(self.calls)
        result = self.expr(node, scope, _Guard())
        del self.calls[saved:]
        return result

    def statement(
        self, node: cst.BaseStatement | cst.BaseSmallStatement, scope: _Scope, guard: _Guard
    ) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self.small_statement(small, scope, guard)
        elif isinstance(node, cst.BaseSmallStatement):
            # The body of a one-line compound statement (`if consent: mp.track(...)`).
            self.small_statement(node, scope, guard)
        elif isinstance(node, cst.FunctionDef):
            self.function(node, scope, guard)
        elif isinstance(node, cst.ClassDef):
            self.class_def(node, scope)
        elif isinstance(node, (cst.If, cst.While)):
            self.conditional(node, scope, guard)
        elif isinstance(node, cst.For):
            iterable = self.expr(node.iter, scope, guard)
            self.bind_target(
                node.target, self.make(ExprKind.ITER, node.target, base=iterable), scope, guard
            )
            self.statements(node.body.body, scope, guard)
            if node.orelse is not None:
                self.statements(node.orelse.body.body, scope, guard)
        elif isinstance(node, cst.With):
            for item in node.items:
                value = self.expr(item.item, scope, guard)
                if item.asname is not None:
                    self.bind_target(item.asname.name, value, scope, guard)
            self.statements(node.body.body, scope, guard)
        elif isinstance(node, cst.Try | cst.TryStar):
            self.statements(node.body.body, scope, guard)
            for handler in node.handlers:
                self.statements(handler.body.body, scope, guard)
            if node.orelse is not None:
                self.statements(node.orelse.body.body, scope, guard)
            if node.finalbody is not None:
                self.statements(node.finalbody.body.body, scope, guard)
        elif isinstance(node, cst.Match):
            self.expr(node.subject, scope, guard)
            for case in node.cases:
                self.statements(case.body.body, scope, guard)
        elif isinstance(node, cst.BaseCompoundStatement):
            body = getattr(node, "body", None)
            if isinstance(body, cst.BaseSuite):
                self.statements(getattr(body, "body", ()), scope, guard)

    def conditional(self, node: cst.If | cst.While, scope: _Scope, guard: _Guard) -> bool:
        """Walk an ``if`` (each branch from the bindings before it) or a ``while``; after an
        ``if``, a name bound differently in the branches that go on holds either value.
        True when every branch of an ``if`` leaves."""
        test = self.expr(node.test, scope, guard)
        body_guard, else_guard = guard, guard
        if not guard.guarded:
            where = f"line {test.span.start_line}"
            keyword = "while" if isinstance(node, cst.While) else "if"
            if self.consent.requires(test):
                body_guard = _Guard(True, f"{keyword} {test.text} ({where})")
            elif self.consent.absent(test):
                else_guard = _Guard(True, f"else of {keyword} {test.text} ({where})")
            else:
                body_guard = guard.where(binding_targets(present(test)))
                else_guard = guard.where(binding_targets(missing(test)))
        before = dict(scope.bindings)
        self.statements(node.body.body, scope, body_guard)
        if isinstance(node, cst.While):
            return False  # a loop body may run or not: its last bindings stand
        after_body = None if _leaves(node.body) else scope.bindings
        scope.bindings = dict(before)
        orelse = node.orelse
        else_leaves = False
        if isinstance(orelse, cst.If):
            else_leaves = self.conditional(orelse, scope, else_guard)
        elif isinstance(orelse, cst.Else):
            self.statements(orelse.body.body, scope, else_guard)
            else_leaves = _leaves(orelse.body)
        after_else = None if else_leaves else scope.bindings
        scope.bindings = _merged(after_body, after_else, before)
        return after_body is None and after_else is None

    def small_statement(self, node: cst.BaseSmallStatement, scope: _Scope, guard: _Guard) -> None:
        if isinstance(node, cst.Assign):
            value = self.expr(node.value, scope, guard)
            for target in node.targets:
                self.bind_target(target.target, value, scope, guard)
        elif isinstance(node, cst.AnnAssign):
            annotation = _annotation(node.annotation.annotation)
            if node.value is not None:
                value = self.expr(node.value, scope, guard)
                if annotation:
                    value = _with_annotation(value, annotation)
            else:
                value = self.make(
                    ExprKind.PARAM, node.target, value=_dotted(node.target), annotation=annotation
                )
            self.bind_target(node.target, value, scope, guard, binds=node.value is not None)
            if scope.class_name is not None and isinstance(node.target, cst.Name):
                self.class_attrs.setdefault(f"{scope.class_name}.{node.target.value}", []).append(
                    value
                )
        elif isinstance(node, cst.AugAssign):
            value = self.expr(node.value, scope, guard)
            if isinstance(node.operator, cst.BitOrAssign) and isinstance(node.target, cst.Name):
                self.add_items(node.target.value, ((None, value),), scope)
        elif isinstance(node, cst.Expr):
            value = self.expr(node.value, scope, guard)
            if value.kind is ExprKind.CALL:
                self.mutation(value, scope)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                returned = self.expr(node.value, scope, guard)
                self._returns.append(returned)
                # What a getter returns, for guard form 7 (``if client := self.get_client():``).
                self.record_binding(f"{scope.qualname}()", node, returned, scope, guard, True)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                full = _dotted(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    imported = self.make(ExprKind.IMPORT, alias, value=full)
                    self.define(alias.asname.name.value, alias, imported, scope, guard)
                else:
                    top = full.split(".")[0]
                    imported = self.make(ExprKind.IMPORT, alias, value=top)
                    self.define(top, alias, imported, scope, guard)
        elif isinstance(node, cst.ImportFrom):
            base = self.module_for(node)
            if isinstance(node.names, cst.ImportStar):
                self.globals.setdefault("*", []).append(
                    self.make(ExprKind.IMPORT, node, value=base)
                )
                return
            for alias in node.names:
                name = _dotted(alias.name)
                local = (
                    alias.asname.name.value
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                    else name
                )
                qualified = f"{base}.{name}" if base.strip(".") else base + name
                imported = self.make(ExprKind.IMPORT, alias, value=qualified)
                self.define(local, alias, imported, scope, guard)
        elif isinstance(node, cst.Global):
            scope.globals_declared.update(name.name.value for name in node.names)
        elif isinstance(node, (cst.Raise, cst.Assert, cst.Del)):
            for child in node.children:
                if isinstance(child, cst.BaseExpression):
                    self.expr(child, scope, guard)

    def function(self, node: cst.FunctionDef, scope: _Scope, outer: _Guard | None = None) -> None:
        """``outer``: the guard where a closure is defined; what a getter returned there
        (``if (client := self.get_client()) is None: return``) exists in the closure too,
        which holds the same local (an attribute may be unset before the closure runs)."""
        class_name = scope.class_name
        prefix = "" if scope.qualname == MODULE else scope.qualname + "."
        qualname = f"{prefix}{node.name.value}"
        function_scope = _Scope(qualname, parent=scope)
        decorators = tuple(self.expr(d.decorator, scope, _Guard()) for d in node.decorators)
        decorator_names = {d.chain()[-1] for d in decorators if d.chain()}
        self.shadow(qualname, node)
        is_method = class_name is not None and "staticmethod" not in decorator_names
        params: list[Parameter] = []
        all_params = [
            *((p, "positional") for p in (*node.params.posonly_params, *node.params.params)),
            *((p, "keyword_only") for p in node.params.kwonly_params),
        ]
        star = node.params.star_arg
        if isinstance(star, cst.Param):
            all_params.append((star, "var_positional"))
        if node.params.star_kwarg is not None:
            all_params.append((node.params.star_kwarg, "var_keyword"))
        for index, (param, kind) in enumerate(all_params):
            annotation = _annotation(param.annotation.annotation) if param.annotation else None
            if is_method and index == 0 and kind == "positional" and class_name is not None:
                annotation = f"<self>{class_name}"
            name = param.name.value
            made = self.make(ExprKind.PARAM, param.name, value=name, annotation=annotation)
            default = self.test_expr(param.default, scope) if param.default is not None else None
            params.append(
                Parameter(
                    name,
                    kind,  # type: ignore[arg-type]
                    annotation,
                    default is not None,
                    made.span,
                    default,
                )
            )
            function_scope.bindings[name] = made
        consent_decorated = any(self.consent.is_decorator(d) for d in decorators)
        guard = _Guard(True, "consent decorator") if consent_decorated else _Guard()
        if outer is not None and scope.qualname != MODULE and scope.class_name is None:
            guard = guard.where(tuple(t for t in outer.present if t.endswith("()")))
        saved_returns = self._returns
        self._returns = []
        self.statements(node.body.body, function_scope, guard)
        returns = tuple(self._returns)
        self._returns = saved_returns
        self.functions[qualname] = FunctionSummary(
            qualname=qualname,
            span=self.span(node.name),
            params=tuple(params) if not is_method else tuple(params[1:]),
            is_method=is_method,
            class_name=class_name,
            decorators=decorators,
            returns=returns,
            consent_decorated=consent_decorated,
            return_annotation=_annotation(node.returns.annotation) if node.returns else None,
        )
        defined = self.make(ExprKind.OTHER, node.name, value=f"def:{qualname}")
        self.define(node.name.value, node.name, defined, scope, _Guard())
        registers = not decorator_names <= _PLAIN_DECORATORS
        self._definitions[qualname] = _Definition(self._block, self.span(node), registers)
        self._read_definitions.discard(qualname)

    def shadow(self, qualname: str, node: cst.FunctionDef) -> None:
        """A ``def`` that replaces an earlier one of the same name in the same block makes
        the earlier one dead code: what it would call is dropped (catalog: no calls, no
        findings). Not when the earlier one was read in between (``register(f)``, a
        ``@f.setter``) or handed to a decorator that may keep it (``@app.route``)."""
        earlier = self._definitions.get(qualname)
        if (
            earlier is None
            or earlier.block != self._block
            or earlier.registers
            or qualname in self._read_definitions
        ):
            return
        prefix = qualname + "."
        span = earlier.span

        def inside(other: Span) -> bool:
            return span.start_line <= other.start_line and other.end_line <= span.end_line

        def dead(function: str) -> bool:
            return function == qualname or function.startswith(prefix)

        self.calls = [site for site in self.calls if not dead(site.function)]
        self.bindings = [binding for binding in self.bindings if not dead(binding.function)]
        for name in [name for name in self.functions if name.startswith(prefix)]:
            del self.functions[name]
        for name in [name for name in self.class_bases if name.startswith(prefix)]:
            del self.class_bases[name]
        for values in self.class_attrs.values():
            values[:] = [value for value in values if not inside(value.span)]
        self.strings = [string for string in self.strings if not inside(string.span)]

    def class_def(self, node: cst.ClassDef, scope: _Scope) -> None:
        prefix = "" if scope.qualname == MODULE else scope.qualname + "."
        qualname = f"{prefix}{node.name.value}"
        bases = tuple(self.expr(base.value, scope, _Guard()) for base in node.bases)
        self.class_bases[qualname] = bases
        decorators = tuple(self.expr(d.decorator, scope, _Guard()) for d in node.decorators)
        class_scope = _Scope(qualname, parent=scope, class_name=qualname)
        self.statements(node.body.body, class_scope, _Guard())
        self.classes[qualname] = ClassSummary(
            qualname, self.span(node.name), decorators, self.class_fields(node, class_scope)
        )
        for name, value in class_scope.bindings.items():
            if value.kind is not ExprKind.OTHER or not str(value.value or "").startswith("def:"):
                self.class_attrs.setdefault(f"{qualname}.{name}", [])
                if value not in self.class_attrs[f"{qualname}.{name}"]:
                    self.class_attrs[f"{qualname}.{name}"].append(value)
        defined = self.make(ExprKind.OTHER, node.name, value=f"class:{qualname}")
        self.define(node.name.value, node.name, defined, scope, _Guard())

    def class_fields(self, node: cst.ClassDef, class_scope: _Scope) -> tuple[ClassField, ...]:
        """The names a class body binds by (annotated) assignment, with what it binds."""
        fields: list[ClassField] = []
        for statement in node.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    target, annotation = small.target, _annotation(small.annotation.annotation)
                    assigned = small.value is not None
                elif (
                    isinstance(small, cst.Assign)
                    and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name)
                ):
                    target, annotation, assigned = small.targets[0].target, None, True
                else:
                    continue
                value = class_scope.bindings.get(target.value) if assigned else None
                fields.append(ClassField(target.value, self.span(target), annotation, value))
        return tuple(fields)

    def run(self) -> None:
        scope = _Scope(MODULE)
        self.statements(self.module.body, scope, _Guard())


def _merged(
    body: dict[str, Expr] | None, orelse: dict[str, Expr] | None, before: dict[str, Expr]
) -> dict[str, Expr]:
    """The bindings after an ``if`` from those its two branches end with (None: the branch
    leaves): a name bound differently in each holds either value (``kwargs = {...}`` in
    an ``if`` and another in its ``elif``: both reach the ``track(**kwargs)`` after)."""
    if body is None or orelse is None:
        return body if body is not None else orelse if orelse is not None else before
    merged = dict(orelse)
    for name, value in body.items():
        other = orelse.get(name)
        merged[name] = value if other is None else either([value, other])
    return merged


def _leaves(body: cst.BaseSuite) -> bool:
    """Does this block always leave (return, raise, continue, break, abort())?"""
    statements: Sequence[cst.BaseStatement | cst.BaseSmallStatement]
    statements = body.body if isinstance(body, cst.IndentedBlock) else getattr(body, "body", ())
    if not statements:
        return False
    last = statements[-1]
    smalls = last.body if isinstance(last, cst.SimpleStatementLine) else [last]
    for small in smalls:
        if isinstance(small, (cst.Return, cst.Raise, cst.Continue, cst.Break)):
            return True
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            name = _dotted(small.value.func).rsplit(".", 1)[-1]
            if name in _LEAVING_CALLS:
                return True
    return False


def _with_annotation(value: Expr, annotation: str) -> Expr:
    return Expr(
        value.kind,
        value.text,
        value.span,
        value.value,
        value.base,
        value.args,
        value.keywords,
        value.items,
        value.origin,
        annotation,
    )


def _dotted(node: cst.CSTNode | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _annotation(node: cst.BaseExpression) -> str | None:
    """Dotted names in an annotation, `|`-joined: `Optional[Mixpanel]` -> "Optional|Mixpanel"."""
    names: list[str] = []

    def visit(current: cst.CSTNode) -> None:
        if isinstance(current, (cst.Name, cst.Attribute)):
            names.append(_dotted(current))
        elif isinstance(current, cst.SimpleString):
            value = current.evaluated_value
            if isinstance(value, str):
                names.extend(part.strip() for part in value.replace("|", ",").split(",") if part)
        else:
            for child in current.children:
                visit(child)

    visit(node)
    return "|".join(name for name in names if name) or None


def _comparison_operator(operator: cst.BaseCompOp) -> str:
    return {
        cst.Equal: "==",
        cst.NotEqual: "!=",
        cst.Is: "is",
        cst.IsNot: "is not",
        cst.In: "in",
        cst.NotIn: "not in",
    }.get(type(operator), "cmp")


def _int(text: str) -> int | None:
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return None


def summarize(
    module: cst.Module,
    source: str,
    path: str,
    module_name: str,
    is_package: bool,
    consent: ConsentMatcher,
) -> ModuleSummary:
    collector = Collector(module, source, path, module_name, is_package, consent)
    collector.run()
    return ModuleSummary(
        path=path,
        module=module_name,
        is_package=is_package,
        globals={name: tuple(values) for name, values in collector.globals.items()},
        class_attrs={name: tuple(values) for name, values in collector.class_attrs.items()},
        class_bases=collector.class_bases,
        functions=collector.functions,
        calls=tuple(collector.calls),
        strings=tuple(collector.strings),
        lines=tuple(source_lines(source)),
        classes=collector.classes,
        bindings=tuple(collector.bindings),
    )


def source_lines(source: str) -> list[str]:
    """Lines as Python numbers them (form feeds and U+2028 do not end a line)."""
    lines = _LINE_BREAK.split(source)
    if lines and lines[-1] == "":
        lines.pop()
    return lines
