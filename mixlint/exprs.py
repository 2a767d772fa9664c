"""Expression trees: following local names, walking, substituting parameters, moving.

``Expr`` trees are immutable and share subtrees (a local used twice is one node),
so walks visit each node once and rewrites rebuild only the nodes above a change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from mixlint.model import Expr, ExprKind, Span


def follow(expr: Expr | None, depth: int = 0) -> Expr | None:
    """Through local names to the expression they hold."""
    while (
        expr is not None and expr.kind is ExprKind.NAME and expr.origin is not None and depth < 30
    ):
        expr = expr.origin
        depth += 1
    return expr


def either(values: list[Expr]) -> Expr:
    """One of ``values``, as code that takes different paths gives it (a name bound in an
    ``if`` and in its ``else``): a COND without a test, unlike ``a if t else b``."""
    distinct = list({id(value): value for value in values}.values())
    if len(distinct) == 1:
        return distinct[0]
    text = " / ".join(dict.fromkeys(value.text for value in distinct))
    return Expr(ExprKind.COND, text, distinct[0].span, args=tuple(distinct))


def alternatives_of(expr: Expr) -> tuple[Expr, ...]:
    """The values ``either`` joined, else ``expr`` alone."""
    if expr.kind is ExprKind.COND and expr.base is None:
        return tuple(found for arg in expr.args for found in alternatives_of(arg))
    return (expr,)


def rewrite(
    expr: Expr | None,
    replace_node: Callable[[Expr], Expr | None],
    depth: int = 0,
    memo: dict[int, Expr] | None = None,
) -> Expr | None:
    """``expr`` with each node that ``replace_node`` answers replaced (its answer is not
    rewritten further) and the nodes above rebuilt; unchanged nodes are kept as they are."""
    if expr is None or depth > 40:
        return expr
    memo = {} if memo is None else memo
    done = memo.get(id(expr))
    if done is not None:
        return done
    result = replace_node(expr)
    if result is None:
        result = _rebuilt(expr, replace_node, depth + 1, memo)
    memo[id(expr)] = result
    return result


def _rebuilt(
    expr: Expr, replace_node: Callable[[Expr], Expr | None], depth: int, memo: dict[int, Expr]
) -> Expr:
    def again(node: Expr) -> Expr:
        return rewrite(node, replace_node, depth, memo) or node

    base = rewrite(expr.base, replace_node, depth, memo)
    origin = rewrite(expr.origin, replace_node, depth, memo)
    args = tuple(again(a) for a in expr.args)
    keywords = tuple((k, again(v)) for k, v in expr.keywords)
    items = tuple((again(k) if k is not None else None, again(v)) for k, v in expr.items)
    unchanged = (
        base is expr.base
        and origin is expr.origin
        and all(new is old for new, old in zip(args, expr.args, strict=True))
        and all(new[1] is old[1] for new, old in zip(keywords, expr.keywords, strict=True))
        and all(
            new[0] is old[0] and new[1] is old[1]
            for new, old in zip(items, expr.items, strict=True)
        )
    )
    if unchanged:
        return expr
    return replace(expr, base=base, origin=origin, args=args, keywords=keywords, items=items)


def substitute(expr: Expr | None, mapping: dict[str, Expr], inserted: set[int]) -> Expr | None:
    """Replace a wrapper's parameters by a caller's arguments (their ids into ``inserted``)."""

    def parameter(node: Expr) -> Expr | None:
        param = node if node.kind is ExprKind.PARAM else node.origin
        if (
            node.kind in (ExprKind.PARAM, ExprKind.NAME)
            and param is not None
            and param.kind is ExprKind.PARAM
            and param.value in mapping
        ):
            replacement = mapping[str(param.value)]
            inserted.add(id(replacement))
            return replacement
        return None

    return rewrite(expr, parameter)


def relocated(expr: Expr, span: Span, kept: set[int]) -> Expr:
    """``expr`` moved to ``span``, but for the nodes in ``kept`` (by id) and below them:
    what a helper returned, judged where it is called. An attribute read gets the text
    of its (maybe substituted) object."""

    def moved(node: Expr) -> Expr | None:
        if id(node) in kept:
            return node
        inner = _rebuilt(node, moved, 1, memo)
        text = inner.text
        if inner.kind is ExprKind.ATTR and inner.base is not None and inner.base.text:
            text = f"{inner.base.text}.{inner.value!s}"
        return replace(inner, span=span, text=text)

    memo: dict[int, Expr] = {}
    return rewrite(expr, moved, 0, memo) or expr


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of an expression once, following local origins."""
    seen: set[int] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        children = (node.base, node.origin, *node.args, *(v for _, v in node.keywords))
        stack.extend(child for child in children if child is not None)
        for key, value in node.items:
            if key is not None:
                stack.append(key)
            stack.append(value)
