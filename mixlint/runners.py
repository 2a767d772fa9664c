"""Frameworks that run a callable handed to them, from ``rules/runners.yaml``.

``threading.Thread(target=send, args=(user,))``, ``background_tasks.add_task(send,
user)``, ``executor.submit(send, user)``, ``post_save.connect(send)``, Celery's
``send.delay(user)``: each is a call site of ``send`` as far as the analyses go. This
module says where the callable is in such a call and rebuilds the call as the callable
receives it (``send(user)``), so that its arguments bind to the parameters as at a
direct call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from mixlint.model import Expr, ExprKind

Forwards = Literal["rest", "packed", "none"]


@dataclass(frozen=True, slots=True)
class Place:
    """Where an argument is: by position (without ``self``) or by keyword."""

    position: int | None
    keyword: str | None

    def of(self, call: Expr) -> Expr | None:
        return call.argument(self.position, self.keyword)


@dataclass(frozen=True, slots=True)
class Runner:
    label: str  # how a message names it: "threading.Thread", "add_task", "delay"
    callable: Place | None  # None: the callable is the object the method is called on
    forwards: Forwards
    args: Place | None = None
    kwargs: Place | None = None

    def handed(self, call: Expr) -> Expr | None:
        """The callable handed over in ``call``, if any."""
        return self.callable.of(call) if self.callable is not None else None

    def received(self, call: Expr, callee: Expr, bound: bool = False) -> Expr:
        """``call`` as the callable receives it: a call of ``callee`` with the arguments
        the runner forwards (``bound``: a Celery task with ``bind=True``, whose first
        parameter is the task itself)."""
        args: tuple[Expr, ...] = ()
        keywords: tuple[tuple[str | None, Expr], ...] = ()
        if self.forwards == "rest":
            start = 0
            place = self.callable
            if place is not None and place.position is not None:
                given = call.keyword(place.keyword) if place.keyword else None
                start = place.position + 1 if given is None else len(call.args)
            args = call.args[start:]
            keywords = tuple(
                (name, value)
                for name, value in call.keywords
                if place is None or name != place.keyword
            )
        elif self.forwards == "packed":
            packed = _followed(self.args.of(call) if self.args is not None else None)
            if packed is not None and packed.kind is ExprKind.SEQ:
                args = packed.args
            named = _followed(self.kwargs.of(call) if self.kwargs is not None else None)
            if named is not None and named.kind is ExprKind.DICT:
                keywords = tuple(
                    (str(key.value), value)
                    for key, value in named.items
                    if key is not None and key.kind is ExprKind.CONST
                )
        if bound:
            args = (Expr(ExprKind.OTHER, "self", call.span), *args)
        return Expr(ExprKind.CALL, call.text, call.span, base=callee, args=args, keywords=keywords)


@dataclass(frozen=True, slots=True)
class Runners:
    functions: dict[str, Runner]  # by qualified name
    methods: dict[str, Runner]  # by method name
    task_methods: dict[str, Runner]  # Celery: the task is the object
    decorators: dict[str, str]  # decorator name -> what runs the function it decorates

    def registered(self, decorators: tuple[Expr, ...]) -> tuple[str, Expr] | None:
        """What runs a function with these decorators (``@shared_task(bind=True)``: "Celery"),
        and the decorator."""
        for decorator in decorators:
            target = decorator.base if decorator.kind is ExprKind.CALL else decorator
            chain = target.chain() if target is not None else ()
            if chain and chain[-1] in self.decorators:
                return self.decorators[chain[-1]], decorator
        return None

    @property
    def function_names(self) -> frozenset[str]:
        """The last names of the runner functions (``Thread``, ``register``)."""
        return frozenset(name.rsplit(".", 1)[-1] for name in self.functions)


def _followed(expr: Expr | None) -> Expr | None:
    depth = 0
    while expr is not None and expr.kind is ExprKind.NAME and expr.origin is not None:
        expr = expr.origin
        depth += 1
        if depth > 30:
            return None
    return expr


def _place(text: str | None) -> Place | None:
    if not text:
        return None
    position, _, keyword = str(text).partition(":")
    return Place(int(position) if position else None, keyword or None)


def _runner(label: str, spec: dict[str, Any]) -> Runner:
    return Runner(
        label=label,
        callable=_place(spec.get("callable")),
        forwards=spec.get("forwards", "rest"),
        args=_place(spec.get("args")),
        kwargs=_place(spec.get("kwargs")),
    )


@cache
def load_runners() -> Runners:
    from mixlint.resources import data_dir, load_data

    raw = load_data(data_dir() / "runners.yaml")
    return Runners(
        functions={name: _runner(name, spec) for name, spec in raw["functions"].items()},
        methods={name: _runner(name, spec) for name, spec in raw["methods"].items()},
        task_methods={name: _runner(name, spec) for name, spec in raw["task_methods"].items()},
        decorators=dict(raw["decorators"]),
    )
