"""Where a finding's data goes: related locations and code flows, read from the model.

A rule reports a finding where the data is written; a reviewer also needs to see where
it leaves for Mixpanel. ``Trace`` answers that for a tracking call:

* the call that sends a property written before it (``props["email"] = ...`` lines
  above ``mp.track(..., props)``),
* for a wrapper call site, the SDK call inside the wrapper that sends it,
* the code flow of a wrapper chain: the call site, each wrapper (its definition and the
  call that passes the data on) and the SDK call at the end.
"""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.model import Finding, Location, ProjectModel, TrackingCall


def _qualname(function: str) -> str:
    return function.partition("::")[2]


class Trace:
    def __init__(self, project: ProjectModel) -> None:
        self.project = project
        self._by_function: dict[str, list[TrackingCall]] = {}
        for call in project.calls:
            self._by_function.setdefault(_qualname(call.function), []).append(call)

    def explain(self, finding: Finding, call: TrackingCall | None) -> Finding:
        """``finding`` about data that ``call`` sends, with its related locations and code
        flows."""
        if call is None:
            return finding
        related: list[Location] = []
        if finding.path == call.path and not call.span.contains(finding.span):
            related.append(Location(call.path, call.span, "the tracking call that sends it"))
        if call.kind == "wrapper":
            wrapper = call.wrapper_chain[-1] if call.wrapper_chain else "the wrapper"
            related.extend(
                Location(sdk.path, sdk.span, f"the {sdk.method}() call inside {wrapper}()")
                for sdk in self._sdk_calls(call)
            )
        finding.related = (*finding.related, *related)
        finding.flows = (*finding.flows, *self.flows(call))
        return finding

    def flows(self, call: TrackingCall) -> tuple[tuple[Location, ...], ...]:
        """One flow per SDK call a wrapper call site reaches: the call site, then for each
        wrapper its definition and the call in it that passes the data on."""
        if call.kind != "wrapper" or not call.wrapper_chain:
            return ()
        chain = call.wrapper_chain
        found: list[tuple[Location, ...]] = []
        for via in call.via:
            steps = [Location(call.path, call.span, f"{chain[0]}() is called here")]
            for depth, wrapper in enumerate(chain):
                inner = self._inner(wrapper, chain[depth + 1 :], via)
                if inner is None:
                    break
                steps.extend(self._definition(inner, wrapper))
                if depth + 1 < len(chain):
                    message = f"{wrapper}() passes it on to {chain[depth + 1]}()"
                else:
                    message = f"{wrapper}() sends it to Mixpanel with {inner.method}()"
                steps.append(Location(inner.path, inner.span, message))
            else:
                found.append(tuple(steps))
        return tuple(found)

    def _sdk_calls(self, call: TrackingCall) -> Iterator[TrackingCall]:
        wrapper = call.wrapper_chain[-1] if call.wrapper_chain else ""
        for via in call.via:
            inner = self._inner(wrapper, (), via)
            if inner is not None:
                yield inner

    def _inner(self, wrapper: str, rest: tuple[str, ...], via: str) -> TrackingCall | None:
        """The tracking call inside ``wrapper`` that continues a chain to the SDK call at
        ``via``: a call of the next wrapper, or (``rest`` empty) the SDK call itself."""
        for inner in self._by_function.get(wrapper, ()):
            if rest:
                if inner.kind == "wrapper" and inner.wrapper_chain == rest and via in inner.via:
                    return inner
            elif inner.kind != "wrapper" and f"{inner.path}:{inner.span.start_line}" == via:
                return inner
        return None

    def _definition(self, inner: TrackingCall, wrapper: str) -> Iterator[Location]:
        module = self.project.modules.get(inner.path)
        function = module.functions.get(wrapper) if module is not None else None
        if function is not None:
            yield Location(inner.path, function.span, f"the wrapper {wrapper}()")
