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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mixlint.model import Binding, ModuleSummary
from mixlint.resolve import ProjectIndex, SymKind

# (path, class qualname)
_Class = tuple[str, str]


class Presence:
    """Which attributes and globals exist only with consent, in one project."""

    def __init__(self, index: ProjectIndex, reached_with_consent: Callable[[str], bool]) -> None:
        """``reached_with_consent(function_id)``: every call site of the function is
        guarded (form 6)."""
        self.reached_with_consent = reached_with_consent
        self._bindings: dict[tuple[str, str], list[Binding]] = {}
        self._parents: dict[_Class, list[_Class]] = {}
        self._children: dict[_Class, list[_Class]] = {}
        self._verdicts: dict[tuple[str, str], bool] = {}
        for module in index.summaries.values():
            for binding in module.bindings:
                self._bindings.setdefault((module.path, binding.target), []).append(binding)
            for name, bases in module.class_bases.items():
                for base in bases:
                    sym = index.symbol(base, module)
                    if sym.kind is SymKind.CLASS:
                        self._parents.setdefault((module.path, name), []).append(
                            (sym.module, sym.name)
                        )
                        self._children.setdefault((sym.module, sym.name), []).append(
                            (module.path, name)
                        )

    def with_consent(self, module: ModuleSummary, targets: tuple[str, ...]) -> str:
        """How one of ``targets`` (``Binding.target`` in ``module``) exists only with
        consent, as a guard reason; "" when none does."""
        for target in targets:
            key = (module.path, target)
            if key not in self._verdicts:
                self._verdicts[key] = self._judge(module.path, target)
            if self._verdicts[key]:
                shown = f"self.{target.rsplit('.', 1)[1]}" if "." in target else target
                return f"{shown} exists only with consent (it is None until the user opts in)"
        return ""

    def _judge(self, path: str, target: str) -> bool:
        bindings = list(self._bindings_of(path, target))
        return bool(bindings) and all(
            binding.none
            or binding.guarded
            or self.reached_with_consent(f"{where}::{binding.function}")
            for where, binding in bindings
        )

    def _bindings_of(self, path: str, target: str) -> Iterator[tuple[str, Binding]]:
        if "." not in target:
            for binding in self._bindings.get((path, target), ()):
                yield path, binding
            return
        owner, attribute = target.rsplit(".", 1)
        for where, name in self._related((path, owner)):
            for binding in self._bindings.get((where, f"{name}.{attribute}"), ()):
                yield where, binding

    def _related(self, start: _Class) -> set[_Class]:
        """The class, its ancestors and its descendants in the project."""
        found = {start}
        for links in (self._parents, self._children):
            todo = [start]
            while todo:
                for linked in links.get(todo.pop(), ()):
                    if linked not in found:
                        found.add(linked)
                        todo.append(linked)
        return found
