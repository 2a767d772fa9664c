"""Is an expression a consent check? The predicate logic of MX201's guard forms.

Works on ``Expr`` so that the collector can judge ``if`` tests, ``and``
operands and stored consent variables alike. ``present`` and ``missing`` read the
tests of guard form 7 (``if self.mp:``, ``if not self.mp: return``): which objects
exist where the test passes; whether those exist only with consent is judged over the
whole project (``mixlint.presence``).
"""

from __future__ import annotations

import re

from mixlint.config import ConsentConfig
from mixlint.model import Expr, ExprKind

_TRUE_CONSTS = (True, 1)
# Values whose logic decides alone whether they require consent (``can_track = anonymous
# or user.analytics_enabled`` does not, whatever the variable is called).
_READABLE = frozenset({ExprKind.BOOLOP, ExprKind.NOT, ExprKind.CONST})


class ConsentMatcher:
    def __init__(self, config: ConsentConfig) -> None:
        self._pattern = re.compile(config.pattern)
        self._opt_out = re.compile(config.opt_out_pattern)
        self._names = frozenset(config.predicates)
        self._decorators = frozenset(config.decorators)

    def _last_name(self, expr: Expr) -> str | None:
        chain = expr.chain()
        if chain:
            return chain[-1]
        return None

    def _named(self, expr: Expr, pattern: re.Pattern[str]) -> bool:
        if expr.kind not in (ExprKind.NAME, ExprKind.ATTR, ExprKind.CALL, ExprKind.SUBSCRIPT):
            return False
        if expr.kind is ExprKind.CALL and expr.base is not None:
            callee = expr.base.chain()
            # getattr(user, "analytics_consent", False) reads the flag by name.
            if (
                callee == ("getattr",)
                and len(expr.args) >= 2
                and expr.args[1].kind is ExprKind.CONST
            ):
                return bool(pattern.search(str(expr.args[1].value)))
        name = self._last_name(expr)
        if name is None:
            return False
        if pattern is self._pattern and (
            name in self._names or ".".join(expr.chain()) in self._names
        ):
            return True
        return bool(pattern.search(name))

    def requires(self, expr: Expr | None, depth: int = 0) -> bool:
        """True when ``expr`` can only be truthy if consent was given."""
        if expr is None or depth > 20:
            return False
        kind = expr.kind
        if kind is ExprKind.NAME and expr.origin is not None:
            # A stored consent variable counts as the predicate it was assigned from; its
            # own name only where that value's logic cannot be read.
            return self.requires(expr.origin, depth + 1) or (
                expr.origin.kind not in _READABLE and self._named(expr, self._pattern)
            )
        if kind is ExprKind.BOOLOP:
            results = [self.requires(arg, depth + 1) for arg in expr.args]
            return any(results) if expr.value == "and" else all(results)
        if kind is ExprKind.NOT:
            return self.absent(expr.base, depth + 1)
        if kind is ExprKind.COMPARE and len(expr.args) == 1 and expr.base is not None:
            right = expr.args[0]
            if expr.value in ("==", "is") and right.kind is ExprKind.CONST:
                if right.value in _TRUE_CONSTS:
                    return self.requires(expr.base, depth + 1)
                if right.value is False:
                    return self.absent(expr.base, depth + 1)
            if expr.value in ("!=", "is not") and right.kind is ExprKind.CONST:
                if right.value is False or right.value is None:
                    return self.requires(expr.base, depth + 1)
                if right.value in _TRUE_CONSTS:
                    return self.absent(expr.base, depth + 1)
            return False
        if self._named(expr, self._opt_out):
            return False
        return self._named(expr, self._pattern)

    def absent(self, expr: Expr | None, depth: int = 0) -> bool:
        """True when ``expr`` is truthy whenever consent is missing."""
        if expr is None or depth > 20:
            return False
        kind = expr.kind
        if kind is ExprKind.NAME and expr.origin is not None:
            return self.absent(expr.origin, depth + 1) or (
                expr.origin.kind not in _READABLE and self._named(expr, self._opt_out)
            )
        if kind is ExprKind.BOOLOP:
            results = [self.absent(arg, depth + 1) for arg in expr.args]
            return any(results) if expr.value == "or" else all(results)
        if kind is ExprKind.NOT:
            return self.requires(expr.base, depth + 1)
        if kind is ExprKind.COMPARE and len(expr.args) == 1 and expr.base is not None:
            right = expr.args[0]
            if right.kind is ExprKind.CONST:
                if expr.value in ("==", "is") and (right.value is False or right.value is None):
                    return self.requires(expr.base, depth + 1)
                if expr.value in ("!=", "is not") and right.value in _TRUE_CONSTS:
                    return self.requires(expr.base, depth + 1)
                if expr.value in ("==", "is") and right.value in _TRUE_CONSTS:
                    return self.absent(expr.base, depth + 1)
            return False
        # An opt-out or do-not-track flag is truthy exactly when consent is missing.
        return self._named(expr, self._opt_out) and not self._named(expr, self._pattern)

    def opts_in(self, name: str) -> bool:
        """A function named for giving consent (``enable_analytics``, ``opt_in``)."""
        return bool(self._pattern.search(name)) and not self._opt_out.search(name)

    def is_decorator(self, expr: Expr) -> bool:
        target = expr.base if expr.kind is ExprKind.CALL and expr.base is not None else expr
        name = self._last_name(target)
        if name is None:
            return False
        return name in self._decorators or bool(self._pattern.search(name))


def present(expr: Expr | None, depth: int = 0) -> tuple[Expr, ...]:
    """The objects that exist (are truthy) wherever ``expr`` is truthy: ``self.mp``,
    ``mp is not None``, each operand of an ``and``, ``not`` of what ``missing`` finds."""
    if expr is None or depth > 20:
        return ()
    kind = expr.kind
    if kind in (ExprKind.NAME, ExprKind.ATTR):
        return (expr,)
    if kind is ExprKind.CALL and not expr.args and not expr.keywords:
        return (expr,)  # ``if client := self.get_client():``, what the getter returned
    if kind is ExprKind.BOOLOP and expr.value == "and":
        return tuple(found for arg in expr.args for found in present(arg, depth + 1))
    if kind is ExprKind.NOT:
        return missing(expr.base, depth + 1)
    if _compared_to_none(expr, ("is not", "!=")) and expr.base is not None:
        return (expr.base,)
    return ()


def missing(expr: Expr | None, depth: int = 0) -> tuple[Expr, ...]:
    """The objects that exist wherever ``expr`` is falsy: ``not self.mp``, ``mp is None``,
    each operand of an ``or``."""
    if expr is None or depth > 20:
        return ()
    kind = expr.kind
    if kind is ExprKind.NOT:
        return present(expr.base, depth + 1)
    if kind is ExprKind.BOOLOP and expr.value == "or":
        return tuple(found for arg in expr.args for found in missing(arg, depth + 1))
    if _compared_to_none(expr, ("is", "==")) and expr.base is not None:
        return (expr.base,)
    return ()


def _compared_to_none(expr: Expr, operators: tuple[str, ...]) -> bool:
    return (
        expr.kind is ExprKind.COMPARE
        and expr.value in operators
        and len(expr.args) == 1
        and expr.args[0].kind is ExprKind.CONST
        and expr.args[0].value is None
    )


def binding_targets(objects: tuple[Expr, ...]) -> tuple[str, ...]:
    """The binding targets (``Binding.target``) of objects a test requires: ``self.mp`` ->
    "Class.mp", a module global (or a local holding one) -> its name, a local assigned
    from a project getter (``client := self.get_client()``) -> "Class.get_client()"."""
    found: list[str] = []
    for expr in objects:
        target = expr
        while target.kind is ExprKind.NAME and target.origin is not None:
            if target.origin.kind not in (ExprKind.NAME, ExprKind.ATTR, ExprKind.CALL):
                break
            target = target.origin
        if target.kind is ExprKind.CALL:
            getter = target.base
            if target.args or target.keywords or getter is None:
                continue
            if getter.kind is ExprKind.NAME and getter.origin is None:
                found.append(f"{getter.value!s}()")
            elif getter.kind is ExprKind.ATTR and getter.base is not None:
                class_name = self_class(getter.base)
                if class_name is not None:
                    found.append(f"{class_name}.{getter.value!s}()")
        elif target.kind is ExprKind.NAME and target.origin is None:
            found.append(str(target.value))
        elif target.kind is ExprKind.ATTR and target.base is not None:
            class_name = self_class(target.base)
            if class_name is not None:
                found.append(class_name + "." + str(target.value))
    return tuple(found)


def self_class(owner: Expr) -> str | None:
    """The class of ``self`` when ``owner`` is a method's first parameter."""
    if owner.kind is ExprKind.NAME and owner.origin is not None:
        annotation = owner.origin.annotation or ""
        if owner.origin.kind is ExprKind.PARAM and annotation.startswith("<self>"):
            return annotation[len("<self>") :]
    return None
