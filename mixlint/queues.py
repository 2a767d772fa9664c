"""Queues drained by a worker: what one function puts on a queue, another takes off it.

``self._queue.put_nowait((event, user, props))`` in ``track`` and ``event, user, props =
self._queue.get()`` in the ``_run`` a worker thread runs: the tracking call in ``_run``
sends what ``track`` was given ("sends never block the caller"). For the wrapper
analysis, such a tracking call is copied into each function that puts on the queue, the
item taken off replaced by the item put on (an element of a tuple by position, a dict's
value by key, or the whole item), so that ``track`` becomes a wrapper and its call sites
tracking calls. Several putters make several copies (the item is any of theirs); an item
whose shape cannot be told stays as it is (the payload is as unreviewable as before).

A queue is an attribute of ``self`` bound in the same class, or a module global used in
its module, to a constructor of ``rules/queues.yaml``; it is matched by where it is bound,
not followed further (an attribute of another object, a queue handed as an argument).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from mixlint.exprs import follow, walk
from mixlint.model import (
    CallSite,
    Expr,
    ExprKind,
    FunctionSummary,
    ModuleSummary,
)
from mixlint.resolve import ProjectIndex, SymKind, alternatives


@dataclass(frozen=True, slots=True)
class QueueMethods:
    constructors: frozenset[str]  # qualified names of the queue classes
    put: frozenset[str]  # methods whose first argument goes on the queue
    get: frozenset[str]  # methods that return an item taken off it


@cache
def load_queue_methods() -> QueueMethods:
    from mixlint.resources import data_dir, load_data

    raw = load_data(data_dir() / "queues.yaml")
    return QueueMethods(
        frozenset(raw["constructors"]), frozenset(raw["put"]), frozenset(raw["get"])
    )


@dataclass(frozen=True, slots=True)
class Put:
    """An item put on a queue, in the function that puts it."""

    function: FunctionSummary
    site: CallSite
    item: Expr


class Queues:
    def __init__(self, index: ProjectIndex, methods: QueueMethods | None = None) -> None:
        self.index = index
        self.methods = methods or load_queue_methods()
        self._puts: dict[str, dict[str, list[Put]]] = {}  # by module path, then queue

    def queue(self, receiver: Expr | None, module: ModuleSummary, function: str) -> str | None:
        """Which queue ``receiver`` (in ``function``, a qualname) is: "Class.attr" for an
        attribute of ``self``, the name of a module global; None when it is no queue."""
        if receiver is None:
            return None
        if receiver.kind is ExprKind.ATTR:
            owner = follow(receiver.base)
            annotation = owner.annotation if owner is not None else None
            # A method's ``self`` (``collect`` annotates it with its class).
            if owner is None or owner.kind is not ExprKind.PARAM or annotation is None:
                return None
            if not annotation.startswith("<self>"):
                return None
            name = f"{annotation[len('<self>') :]}.{receiver.value!s}"
        elif receiver.kind is ExprKind.NAME and receiver.origin is None:
            name = str(receiver.value)
            if name not in module.globals:
                return None
        else:
            return None
        sym = self.index.symbol(receiver, module)
        if not any(
            found.kind is SymKind.INSTANCE and found.name in self.methods.constructors
            for found in alternatives(sym)
        ):
            return None
        return name

    def puts(self, module: ModuleSummary) -> dict[str, list[Put]]:
        """The items put on each queue of ``module``, by queue."""
        found = self._puts.get(module.path)
        if found is None:
            found = self._puts[module.path] = {}
            for site in module.calls:
                callee = site.callee
                function = module.functions.get(site.function)
                if (
                    function is None
                    or callee.kind is not ExprKind.ATTR
                    or callee.value not in self.methods.put
                ):
                    continue
                name = self.queue(callee.base, module, site.function)
                item = site.call.argument(0, "item")
                if name is not None and item is not None:
                    found.setdefault(name, []).append(Put(function, site, item))
        return found

    def taken(self, node: Expr, module: ModuleSummary, function: str) -> str | None:
        """The queue that ``node`` takes an item off (``self._queue.get()``), if any."""
        callee = node.base
        if node.kind is not ExprKind.CALL or callee is None or callee.kind is not ExprKind.ATTR:
            return None
        if callee.value not in self.methods.get:
            return None
        return self.queue(callee.base, module, function)

    def taken_from(self, parts: list[Expr], module: ModuleSummary, function: str) -> list[str]:
        """The queues that items in ``parts`` (written in ``function``) are taken off."""
        found = {
            name
            for part in parts
            for node in walk(part)
            if (name := self.taken(node, module, function)) is not None
        }
        return sorted(found)

    def replacer(
        self, name: str, item: Expr, module: ModuleSummary, function: str
    ) -> Callable[[Expr], Expr | None]:
        """For ``mixlint.exprs.rewrite``: what ``function`` takes off the queue ``name``
        becomes ``item``, the item put on it (what of it, when that can be told)."""

        def is_taken(node: Expr | None) -> bool:
            found = follow(node)
            return found is not None and self.taken(found, module, function) == name

        def replaced(node: Expr) -> Expr | None:
            if is_taken(node):
                return item
            if node.kind is ExprKind.NAME and node.origin is not None:
                # ``event`` of ``event, props = q.get()``: the element itself, so that a
                # parameter put on the queue is one where it is sent.
                element = replaced(node.origin)
                return element if element is not node.origin else None
            if node.kind is ExprKind.ITER and is_taken(node.base):
                # ``event, props = q.get()``: the element at its position, if known.
                position = node.value if isinstance(node.value, int) else None
                return _element(item, position) or node
            if node.kind is ExprKind.SUBSCRIPT and node.args and is_taken(node.base):
                index = node.args[0]
                return _element(item, index.value if index.kind is ExprKind.CONST else None) or node
            callee = node.base
            if (
                node.kind is ExprKind.CALL
                and callee is not None
                and callee.kind is ExprKind.ATTR
                and callee.value == "get"
                and node.args
                and is_taken(callee.base)
            ):
                key = node.args[0]
                return _element(item, key.value if key.kind is ExprKind.CONST else None) or node
            return None

        return replaced


def _element(item: Expr, key: object) -> Expr | None:
    """The element of the item put under ``key``: a tuple's or list's by position, a dict
    display's by constant key; None when that cannot be told."""
    container = follow(item)
    if container is None or key is None or isinstance(key, bool):
        return None
    if container.kind is ExprKind.SEQ and isinstance(key, int):
        if any(arg.kind is ExprKind.STARRED for arg in container.args):
            return None
        if -len(container.args) <= key < len(container.args):
            return container.args[key]
        return None
    if container.kind is ExprKind.DICT and isinstance(key, str):
        for entry_key, value in container.items:
            if entry_key is None:
                return None  # ``{**defaults, ...}``: the key may come from the spread
            if entry_key.kind is ExprKind.CONST and entry_key.value == key:
                return value
    return None
