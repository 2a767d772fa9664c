"""Whom a tracking call is about: MX201 asks for consent only where there is a data subject.

A call is about no one when every id it sends (distinct_id, alias and merge ids, group
id) is a constant, a string literal or a module constant (``"community-counter"``,
``BOT_ID = "stats-bot"``), and none of its payload's values comes from a person: a bot
that sends member counts (``len(members)``) and repository statistics
(``repo.stargazers_count``) under a fixed distinct_id concerns no one.

A value comes from a person when the value analysis finds personal data in it, when it
is read unchanged from an object that names a person (``member.joined_at``,
``request.user.plan``) or from a request, when it is a parameter of the enclosing
function (what the caller passes is judged at the call site, where a wrapper's
parameters are bound), and when part of the payload cannot be seen (``**kwargs``,
``vars(x)``). Counts and tests (``len(users)``, ``x > 0``) and what is read from things
(``guild.member_count``, ``platform.system()``) come from no one.
"""

from __future__ import annotations

from mixlint.exprs import follow
from mixlint.model import Expr, ExprKind, ModuleSummary, Payload, ProjectModel, TrackingCall
from mixlint.values import ValueAnalyzer

MAX_DEPTH = 30
# Calls whose result is a count or a truth value, not the data they are given.
_AGGREGATES = frozenset({"len", "sum", "count", "any", "all", "bool", "isinstance", "hasattr"})
_NO_SUBJECT = (ExprKind.IMPORT, ExprKind.LAMBDA, ExprKind.COMPARE, ExprKind.NOT)


class Subjects:
    """Answers "is this call about no one?" for the calls of one project."""

    def __init__(self, project: ProjectModel, values: ValueAnalyzer) -> None:
        self.project = project
        self.values = values

    def about_no_one(self, call: TrackingCall) -> bool:
        """The call sends only constant ids and values that come from no person."""
        if not call.distinct_ids:
            return False
        # An id written in the wrapper (``BOT_ID`` there) is a name of the wrapper's module.
        wrapper = call.via[0].rpartition(":")[0] if call.via else call.path
        for index, expr in enumerate(call.distinct_ids):
            inherited = index < len(call.inherited_ids) and call.inherited_ids[index]
            module = self.project.modules.get(wrapper if inherited else call.path)
            if module is None or not self._constant(expr, module, 0):
                return False
        payloads: tuple[Payload | None, ...] = (call.properties, call.meta, call.context)
        return not any(
            payload is not None and (payload.opaque or self._from_person(payload.expr, 0))
            for payload in payloads
        )

    def _constant(self, expr: Expr, module: ModuleSummary, depth: int) -> bool:
        """A non-empty string literal that is no personal data (not an e-mail address),
        or a module-level name bound only to such."""
        target = follow(expr)
        if target is None or depth > MAX_DEPTH:
            return False
        if target.kind is ExprKind.CONST:
            return (
                isinstance(target.value, str)
                and bool(target.value.strip())
                and self.values.value(target) is None
            )
        if target.kind is ExprKind.NAME:
            bound = module.globals.get(str(target.value), ())
            return bool(bound) and all(self._constant(value, module, depth + 1) for value in bound)
        return False

    def _from_person(self, expr: Expr | None, depth: int) -> bool:
        """Whether ``expr`` may carry data about a person (unknown: it may)."""
        target = follow(expr)
        if target is None:
            return False
        if depth > MAX_DEPTH:
            return True
        kind = target.kind
        if kind is ExprKind.CONST:
            return self.values.value(target) is not None  # an e-mail address written out
        if kind in _NO_SUBJECT:
            return False
        if kind is ExprKind.PARAM:
            return not (target.annotation or "").startswith("<self>")
        if kind is ExprKind.NAME:
            # A module-level name (the collector follows local ones): `current_user`.
            return self.values.vocabulary.is_person_word(str(target.value))
        if self.values.value(target) is not None or self.values.read_from_person(target):
            return True
        if kind in (ExprKind.ATTR, ExprKind.SUBSCRIPT):
            return not self.values.read_from_thing(target) and self._from_person(
                target.base, depth + 1
            )
        if kind is ExprKind.CALL:
            callee = target.base
            chain = callee.chain() if callee is not None else ()
            if chain and chain[-1] in _AGGREGATES:
                return False
            parts: list[Expr | None] = [*target.args, *(value for _, value in target.keywords)]
            if callee is not None and callee.kind is ExprKind.ATTR:
                parts.append(callee.base)
            return any(self._from_person(part, depth + 1) for part in parts)
        if kind is ExprKind.DICT:
            return any(self._from_person(value, depth + 1) for _, value in target.items)
        rest: list[Expr | None] = [target.base, *target.args]
        return any(self._from_person(part, depth + 1) for part in rest)
