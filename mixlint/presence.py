"""Guard form 7: a client that exists only with consent.

``if self.mp: self.mp.track(...)`` checks consent when every binding of ``self.mp`` that
is not None is made with consent: on a consent-guarded path (``if consent:``, after
``if not opted_in: return``), in a function named for opting in (``enable_analytics``),
or in a function that only consent-guarded call sites reach (form 6). That is the common
CLI-telemetry shape: the client is created after the user opts in and set to None on
opt-out, and every send first asks whether it exists.

An attribute of ``self`` may be bound in its class, its project base classes and its
subclasses (an object of any of them may run the test); a module global in its module.
An attribute or global that nothing binds is unknown (a property, another module's):
it guards nothing.

A client handed out by a project getter (``if client := self.get_client():``, ``client
= get_mp(); if client is None: return``) is judged by the getter's returns, as bindings
of "Class.get_client()" / "get_mp()": None, on a consent-guarded path, or an attribute or
global that itself exists only with consent (``return self._client``). A getter imported
from another module is not followed (it guards nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mixlint.model import NO_SPAN, Binding, ModuleSummary
from mixlint.resolve import ProjectIndex, Sym, SymKind

MAX_HOLDS = 8  # a getter returning an attribute that another getter returns ...


class Presence:
    """Which attributes and globals exist only with consent, in one project."""

    def __init__(self, index: ProjectIndex, reached_with_consent: Callable[[str], bool]) -> None:
        """``reached_with_consent(function_id)``: every call site of the function is
        guarded (form 6)."""
        self.index = index
        self.reached_with_consent = reached_with_consent
        self._bindings: dict[tuple[str, str], list[Binding]] = {}
        # (path, target) -> the first binding made without consent (path, binding), or None
        self._verdicts: dict[tuple[str, str], tuple[str, Binding] | None] = {}
        for module in index.summaries.values():
            for binding in module.bindings:
                self._bindings.setdefault((module.path, binding.target), []).append(binding)

    def with_consent(
        self, module: ModuleSummary, targets: tuple[str, ...], sender: tuple[str, ...]
    ) -> tuple[bool, str]:
        """Whether one of ``targets`` (``Binding.target`` in ``module``) exists only with
        consent, and how (a guard reason), or why not when it is the client that sends
        (``sender``: ``self.mp`` of ``self.mp.track(...)``); "" for anything else."""
        why_not = ""
        for target in targets:
            key = (module.path, target)
            if key not in self._verdicts:
                self._verdicts[key] = self._without_consent(module.path, target)
            shown = f"self.{target.rsplit('.', 1)[1]}" if "." in target else target
            found = self._verdicts[key]
            if found is None and target.endswith("()"):
                how = self._how(module.path, target, 0)
                return True, f"{shown} returns a client only with consent{how}, None otherwise"
            if found is None:
                return True, f"{shown} exists only with consent (it is None until the user opts in)"
            where, binding = found
            if not why_not and target in sender and binding.span.start_line > 0:
                tested = f"what `{shown}` returns" if target.endswith("()") else f"`{shown}`"
                made = "returned" if binding.target.endswith("()") else "set"
                why_not = (
                    f"testing {tested} checks no consent: it is also {made} without consent "
                    f"{_place(binding)}, {where}:{binding.span.start_line}"
                )
        return False, why_not

    def _without_consent(self, path: str, target: str) -> tuple[str, Binding] | None:
        """The first binding of ``target`` that is neither None nor made with consent (nor
        a value that exists only with consent: a getter's ``return self._client``); None
        when there is none (and something binds it)."""
        bindings = list(self._bindings_of(path, target))
        if not bindings:
            return path, Binding(target, NO_SPAN, "", False, False)
        # While judging ``target``, a value that depends on it back counts as not given.
        self._verdicts[path, target] = (path, bindings[0][1])
        for where, binding in bindings:
            if (
                binding.none
                or binding.guarded
                or self.reached_with_consent(f"{where}::{binding.function}")
            ):
                continue
            # ``return self._client`` in a getter: as the client it holds, made where that
            # one is made without consent (an assignment is itself where it is made).
            for held in binding.holds:
                key = (where, held)
                if key not in self._verdicts:
                    self._verdicts[key] = self._without_consent(where, held)
                found = self._verdicts[key]
                if found is not None:
                    getter = binding.target.endswith("()") and found[1].span.start_line > 0
                    return found if getter else (where, binding)
            if not binding.holds:
                return where, binding
        return None

    def _how(self, path: str, target: str, depth: int) -> str:
        """Where the first binding of ``target`` made with consent checks it (" (early
        exit on settings.analytics_enabled is False, state.py:26)"), through what it holds."""
        for where, binding in self._bindings_of(path, target):
            if binding.guarded and binding.reason and not binding.none:
                reason = binding.reason
                if " (line " in reason and reason.endswith(")"):
                    reason = reason[:-1].replace(" (line ", f", {where}:")
                return f" ({reason})"
        for where, binding in self._bindings_of(path, target):
            for held in binding.holds if depth < MAX_HOLDS else ():
                how = self._how(where, held, depth + 1)
                if how:
                    return how
        return ""

    def _bindings_of(self, path: str, target: str) -> Iterator[tuple[str, Binding]]:
        if "." not in target:
            for binding in self._bindings.get((path, target), ()):
                yield path, binding
            return
        owner, attribute = target.rsplit(".", 1)
        cls = Sym(SymKind.OBJECT, owner, path)
        # The class, its base classes and its subclasses in the project.
        for related in dict.fromkeys((*self.index.lineage(cls), *self.index.subclasses(cls))):
            for binding in self._bindings.get((related.module, f"{related.name}.{attribute}"), ()):
                yield related.module, binding


def _place(binding: Binding) -> str:
    if binding.function == "<module>":
        return "at module level"
    if binding.target.rpartition(".")[0] == binding.function:
        return f"in the body of class `{binding.function}`"
    return f"in `{binding.function}()`"
