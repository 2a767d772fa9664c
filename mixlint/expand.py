"""Data that project helpers return, followed into a payload where they are called.

``props = user_traits(user)`` where ``user_traits`` returns a dict literal, and
``self._user_dict(ctx, "$email", "$user_id")`` where the helper builds the dict from
its arguments: the returned dict, with the helper's parameters replaced by the
call's arguments, stands in the payload instead of the call. Likewise an attribute
read that runs a ``@property`` getter (``call_context.user_unique_id``) stands for
what the getter returns (``call_context.user_email or call_context.user_id``).

What a helper wrote is moved to the span of the call that ran it, so that the rules
judge its keys and values at the call, as if they were written there (the catalog's
"Data that a project helper returns is followed").
"""

from __future__ import annotations

from dataclasses import replace

from mixlint.exprs import alternatives_of, follow, relocated, rewrite, substitute, walk
from mixlint.model import Expr, ExprKind, FunctionSummary, ModuleSummary
from mixlint.resolve import ProjectIndex, SymKind, alternatives, bind_arguments, is_getter

MAX_HELPER_DEPTH = 3
_DICT_CALLS = (("dict",), ("OrderedDict",), ("collections", "OrderedDict"))


class Expander:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        # What can be followed at all: the names of the project's getters and of its
        # functions that return a dict literal (most calls and reads are neither).
        self.getters: set[str] = set()
        self.helpers: set[str] = set()
        for module in index.summaries.values():
            for function in module.functions.values():
                name = function.qualname.rsplit(".", 1)[-1]
                if is_getter(function):
                    self.getters.add(name)
                elif function.returns and all(_is_dict(r) for r in function.returns):
                    self.helpers.add(name)

    def expand(
        self,
        expr: Expr | None,
        module: ModuleSummary,
        only: set[int] | None = None,
        made: list[Expr] | None = None,
        depth: int = 0,
    ) -> Expr | None:
        """``expr`` (written in ``module``) with helper calls and getter reads replaced
        by what they return; ``only``: just these nodes (by id), those a caller wrote;
        ``made`` collects the replacements."""
        if expr is None or depth > MAX_HELPER_DEPTH or not (self.getters or self.helpers):
            return expr

        def followed(node: Expr) -> Expr | None:
            if only is not None and id(node) not in only:
                return None
            found: Expr | None = None
            callee = node.base
            if (
                node.kind is ExprKind.CALL
                and callee is not None
                and callee.kind in (ExprKind.NAME, ExprKind.ATTR)
                and callee.value in self.helpers
            ):
                found = self.helper_dict(node, module, depth)
            elif node.kind is ExprKind.ATTR and node.value in self.getters:
                found = self.getter_value(node, module, depth)
            if found is not None and made is not None:
                made.append(found)
            return found

        return rewrite(expr, followed)

    def helper_dict(self, call: Expr, module: ModuleSummary, depth: int) -> Expr | None:
        """The dict a project helper returns, as the call receives it."""
        for callee in alternatives(self.index.symbol(call.base, module)):
            if callee.kind is not SymKind.FUNCTION:
                continue
            found = self.index.function(callee)
            if found is None:
                continue
            function, target = found
            if not function.returns or not all(_is_dict(r) for r in function.returns):
                return None
            receiver = call.base.base if call.base is not None else None
            return self.returned(function, target, call, receiver, depth)
        return None

    def getter_value(self, read: Expr, module: ModuleSummary, depth: int) -> Expr | None:
        """What the ``@property`` getter an attribute read runs returns."""
        for owner in alternatives(self.index.symbol(read.base, module)):
            if owner.kind is not SymKind.OBJECT:
                continue
            found = self.index.getter(owner, str(read.value))
            if found is not None and found[0].returns:
                function, target = found
                return self.returned(function, target, read, read.base, depth)
        return None

    def returned(
        self,
        function: FunctionSummary,
        target: ModuleSummary,
        call: Expr,
        receiver: Expr | None,
        depth: int,
    ) -> Expr:
        """``function``'s return values at ``call`` (a call, or a getter's attribute read):
        its parameters and ``self`` replaced by the call's, moved to the call's span."""
        mapping = bind_arguments(function, call) if call.kind is ExprKind.CALL else {}
        if receiver is not None and function.is_method:
            mapping["self"] = receiver
        kept = {id(node) for value in mapping.values() for node in walk(value)}
        values = []
        for value in function.returns:
            inner = self.expand(value, target, depth=depth + 1) or value
            values.append(relocated(substitute(inner, mapping, set()) or inner, call.span, kept))
        if len(values) == 1:
            return replace(values[0], text=call.text)
        if all(_is_dict(value) for value in values):
            items = tuple((None, value) for value in values)
            return Expr(ExprKind.DICT, call.text, call.span, items=items)
        return Expr(ExprKind.COND, call.text, call.span, args=tuple(values))


def _is_dict(expr: Expr) -> bool:
    """A dict display or ``dict(...)``, or one of several (built in an ``if`` and after)."""
    target = follow(expr)
    if target is None:
        return False
    if target.kind is ExprKind.COND and target.base is None:
        return all(_is_dict(alternative) for alternative in alternatives_of(target))
    return target.kind is ExprKind.DICT or (
        target.kind is ExprKind.CALL
        and target.base is not None
        and target.base.chain() in _DICT_CALLS
    )
