"""MX201 missing-consent-check: a tracking call that no consent check guards.

A tracking call is guarded when the collector saw a consent guard around it in
its own function (``TrackingCall.guarded``), or when its enclosing function has
call sites in the project and every one of them is guarded, recursively. A
function without call sites (a view, a signal receiver, an entry point, module
level code) must check consent itself.

When a call inside a function with callers is not guarded, the finding goes to
the unguarded *leaf* call sites (the outermost callers that have no guarded
path), not to the inner SDK call: that is where the consent check belongs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mixlint.checks.base import CheckContext, Rule
from mixlint.exprs import walk
from mixlint.fix.changes import Names, fix, guard
from mixlint.model import (
    Applicability,
    CallerSite,
    Expr,
    ExprKind,
    Finding,
    Fix,
    Level,
    ProjectModel,
    Span,
    TrackingCall,
    fitting,
)
from mixlint.sdk import Sdk, load_sdk
from mixlint.trace import Trace


@dataclass(frozen=True, slots=True)
class _Leaf:
    """An unguarded call site with no guarded path above it."""

    path: str
    span: Span
    chain: tuple[str, ...]  # function qualnames from the leaf's callee down to the tracking call
    function: str  # the function id of the caller it stands in
    runner: str = ""  # what the leaf hands its callee to ("add_task"), if it does not call it


_WHY = (
    "Mixpanel's SDK has no opt-out of its own, so without the check users who refused "
    "analytics are tracked all the same (GDPR Art. 6/7, ePrivacy Art. 5(3))."
)


def _short(function_id: str) -> str:
    return function_id.split("::", 1)[-1]


def _describe(call: TrackingCall) -> str:
    method = call.method
    if call.kind == "http":
        what = f"the request to Mixpanel's `{method}` endpoint"
    elif call.kind == "sender":
        what = f"`{method}`"
    else:
        what = f"`{method}()`"
    if call.event is not None and call.event.text:
        what += f" of event {call.event.text}"
    return what


def _erases(call: TrackingCall, sdk: Sdk) -> bool:
    """``people_delete`` / ``group_delete`` honour erasure (Art. 17): they need no consent,
    and a user who withdrew consent is exactly whose profile must go."""
    signature = sdk.methods.get(call.method)
    return call.kind in ("sdk", "wrapper") and (
        (signature is not None and signature.deletes) or call.method.endswith("_delete")
    )


class _Guards:
    """Is a function guarded through its callers? With cycle protection and memoisation.

    ``requires``: the code in question runs only when the object is this subclass
    (reached through ``self`` in a base class): only the call sites whose object may be
    one count (``fitting``).
    """

    def __init__(self, project: ProjectModel) -> None:
        self.callers = project.callers
        self._memo: dict[tuple[str, str], bool] = {}

    def sites(self, function: str, requires: str) -> list[CallerSite]:
        return fitting(self.callers.get(function, []), requires)

    def function_guarded(self, function: str, requires: str = "") -> bool:
        result = self._guarded(function, requires, frozenset())
        return bool(result)

    def _guarded(self, function: str, requires: str, active: frozenset[str]) -> bool | None:
        """True / False, or None when every path runs back into ``active`` (a cycle)."""
        key = (function, requires)
        if key in self._memo:
            return self._memo[key]
        if function in active:
            return None
        sites = self.sites(function, requires)
        if not sites:
            self._memo[key] = False
            return False
        inner = active | {function}
        results: list[bool] = []
        cyclic = False
        for site in sites:
            if site.guarded:
                results.append(True)
                continue
            above = self._guarded(site.function, site.requires or requires, inner)
            if above is None:
                cyclic = True
                continue
            results.append(above)
            if not above:
                break
        if not results:
            # Only reached from inside a cycle: no entry point guards it.
            return None if active else False
        verdict = all(results)
        if not cyclic or not verdict:
            self._memo[key] = verdict
        return verdict

    def leaves(self, function: str, requires: str = "") -> list[_Leaf]:
        """The unguarded outermost call sites through which ``function`` is reached."""
        found: list[_Leaf] = []
        self._leaves(function, requires, (_short(function),), frozenset(), found)
        return found

    def _leaves(
        self,
        function: str,
        requires: str,
        chain: tuple[str, ...],
        active: frozenset[str],
        found: list[_Leaf],
    ) -> None:
        if function in active:
            return
        inner = active | {function}
        for site in self.sites(function, requires):
            needed = site.requires or requires
            if site.guarded or self.function_guarded(site.function, needed):
                continue
            if site.function in inner:
                continue  # a recursive call: its entry points are found on the other paths
            if self.sites(site.function, needed):
                self._leaves(site.function, needed, (_short(site.function), *chain), inner, found)
            else:
                found.append(_Leaf(site.path, site.span, chain, site.function, site.runner))


def _locals(call: Expr | None) -> set[str]:
    """The local names and parameters a call reads: bound where it stands."""
    if call is None:
        return set()
    return {
        str(node.value)
        for node in walk(call)
        if node.kind is ExprKind.PARAM or (node.kind is ExprKind.NAME and node.origin is not None)
    }


class MissingConsentCheck(Rule):
    id = "MX201"
    name = "missing-consent-check"
    level = Level.ERROR
    summary = (
        "A tracking call (an SDK method, a wrapper call, a feature-flag look-up, a "
        "third-party sender or a direct HTTP request to Mixpanel) that is not guarded by a "
        "consent check. Guards: an enclosing `if`/`elif`/`while` that requires a consent "
        "predicate; an earlier `if not consent: return/raise/continue/break`; a local "
        "variable assigned from a consent predicate; `consent and mp.track(...)` or "
        "`mp.track(...) if consent else None`; a consent decorator such as "
        "`@requires_consent`; or a wrapper whose every call site in the project is guarded. "
        "When a wrapper has unguarded call sites, each of them is reported (not the SDK "
        "call inside the wrapper). A function that nothing in the project calls (a view, a "
        "signal receiver, a task entry point) must check consent itself. Deletions "
        "(`people_delete`, `group_delete`) honour erasure and need no consent check."
    )
    why = (
        "Analytics tracking is not necessary for the service, so its lawful basis is "
        "consent (GDPR Art. 6(1)(a), conditions in Art. 7), and reading or storing "
        "information about a user's device for it needs consent under the ePrivacy "
        "Directive Art. 5(3). Mixpanel's Python SDK has no opt-out of its own (only the "
        "browser SDKs have one, and a client-side opt-out does not stop server-side "
        "events), so the server code must check consent before every call that sends data. "
        "Consent must also be as easy to withdraw as to give (Art. 7(3)): a call that skips "
        "the check keeps tracking users who said no."
    )
    fix = (
        "Check the user's consent on every path to the call: wrap it in "
        "`if has_analytics_consent(user):`, leave early with "
        "`if not has_analytics_consent(user): return`, or decorate the view or task with "
        "your consent decorator. For a wrapper, put the check inside the wrapper (then every "
        "call site is covered) or at each reported call site. A project with its own "
        "consent API names its predicates and decorators in `[tool.mixlint.consent]`."
    )
    autofix = (
        "Wraps the statement in `if <predicate>:` with the first consent predicate "
        "written in call form in `[tool.mixlint.consent] predicates` "
        '(`"has_analytics_consent(user)"`, or '
        '`"app.consent:has_analytics_consent(user)"` to import it) whose names the '
        "call can reach. Never guesses one: without such a predicate there is no fix. "
        "Unsafe: the event is no longer sent without consent."
    )
    autofix_safety = Applicability.UNSAFE
    tags = ("privacy", "gdpr", "consent")
    security_severity = 7.5
    precision = "high"
    invalid = (
        # `or` does not require consent
        """
from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel(settings.MIXPANEL_TOKEN)


def checkout(request, order):
    if request.user.profile.analytics_consent or settings.DEBUG:
        mp.track(str(request.user.pk), "Order Completed", {"total": str(order.total)})
""",
        # the guard comes after the call
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def signup_done(user):
    mp.track(str(user.pk), "Signed Up", {"plan": user.plan})
    if not user.analytics_consent:
        return
    send_welcome_mail(user)
""",
        # the check sits in an unrelated function
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def banner_context(request):
    return {"show_banner": not has_analytics_consent(request.user)}


def search(request):
    query = request.GET.get("q", "")
    mp.track(str(request.user.pk), "Searched", {"length": len(query)})
    return run_search(query)
""",
        # `if not consent:` that logs but does not leave
        """
import logging

from mixpanel import Mixpanel

log = logging.getLogger(__name__)
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def upgrade(user, plan):
    if not user.profile.analytics_consent:
        log.info("user %s has not consented to analytics", user.pk)
    mp.people_set(str(user.pk), {"plan": plan.slug})
""",
        # the `else` of `if consent:` runs exactly without consent
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def logout(request):
    user = request.user
    if user.has_tracking_consent():
        audit_log(user, "logout")
    else:
        mp.track(str(user.pk), "Logged Out")
""",
        # a wrapper with one unguarded call site: reported at that site only
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def track_event(user, event, properties=None):
    mp.track(str(user.pk), event, {"app": "web", **(properties or {})})


def add_to_cart(request, product):
    if has_analytics_consent(request.user):
        track_event(request.user, "Cart Updated", {"product_id": product.pk})


def cancel_order(request, order):
    order.cancel()
    track_event(request.user, "Order Cancelled", {"order_id": order.number})
""",
        # the wrapper's check covers one of its calls: the other is reported at the call site
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def track_event(user, event, properties=None):
    if has_analytics_consent(user):
        mp.track(str(user.pk), event, properties or {})
    mp.people_set(str(user.pk), {"last_event": event})


def cancel_order(request, order):
    order.cancel()
    track_event(request.user, "Order Cancelled", {"order_id": order.number})
""",
        # module-level code has no caller that could check consent
        """
import sys

from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")
mp.track(sys.argv[1], "Import Finished", {"rows": int(sys.argv[2])})
""",
    )
    valid = (
        # 1. an enclosing if (with `and`)
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def checkout(request, order):
    if request.user.is_authenticated and request.user.profile.analytics_consent:
        mp.track(str(request.user.pk), "Order Completed", {"total": str(order.total)})
""",
        # 2. an early exit: return, raise, continue, break
        """
from django.core.exceptions import PermissionDenied
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def signup_done(user):
    if not has_analytics_consent(user):
        return
    mp.track(str(user.pk), "Signed Up", {"plan": user.plan})


def track_from_app(request):
    if request.user.profile.do_not_track:
        raise PermissionDenied("the user opted out of analytics")
    mp.track(str(request.user.pk), request.POST["event"])


def backfill(users):
    for user in users:
        if not user.opted_in:
            continue
        mp.people_set(str(user.pk), {"plan": user.plan})


def replay(queue):
    while queue:
        user, event = queue.pop()
        if not user.analytics_consent:
            break
        mp.track(str(user.pk), event)
""",
        # 3. a stored consent variable
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def search(request):
    allowed = has_analytics_consent(request.user) and not request.user.is_staff
    query = request.GET.get("q", "")
    if allowed:
        mp.track(str(request.user.pk), "Searched", {"length": len(query)})
    return run_search(query)
""",
        # 4. short-circuit and conditional expressions
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def like(request, post):
    consent = request.session.get("analytics_consent", False)
    consent and mp.track(str(request.user.pk), "Post Liked", {"post_id": post.pk})
    return mp.track(str(request.user.pk), "Post Viewed") if consent else None
""",
        # 5. a consent decorator
        """
from functools import wraps

from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def requires_consent(func):
    @wraps(func)
    def wrapper(user, *args, **kwargs):
        if not has_analytics_consent(user):
            return None
        return func(user, *args, **kwargs)
    return wrapper


@requires_consent
def sync_profile(user):
    mp.people_set(str(user.pk), {"plan": user.profile.plan})
""",
        # 6. a wrapper whose every call site is guarded
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def track_event(user, event, properties=None):
    mp.track(str(user.pk), event, {"app": "web", **(properties or {})})


def add_to_cart(request, product):
    if has_analytics_consent(request.user):
        track_event(request.user, "Cart Updated", {"product_id": product.pk})


def cancel_order(request, order):
    order.cancel()
    if not has_analytics_consent(request.user):
        return
    track_event(request.user, "Order Cancelled", {"order_id": order.number})
""",
        # 6. a wrapper that checks consent itself: every call site is covered
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def track_event(user, event, properties=None):
    if not has_analytics_consent(user):
        return
    mp.track(str(user.pk), event, {"app": "web", **(properties or {})})


def cancel_order(request, order):
    order.cancel()
    track_event(request.user, "Order Cancelled", {"order_id": order.number})
""",
        # the else branch of `if not consent:`
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def logout(request):
    user = request.user
    if not user.profile.analytics_consent:
        audit_log(user, "logout")
    else:
        mp.track(str(user.pk), "Logged Out")
""",
        # erasure needs no consent: deleting the profile honours Art. 17
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def delete_account(request):
    user = request.user
    mp.people_delete(str(user.pk), meta={"$ignore_alias": True})
    user.delete()
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        trace = Trace(project)

        def consent_fix(path: str, span: Span, function: str, call: Expr | None) -> Fix | None:
            """The call under ``if <predicate>:`` with the first consent predicate in call
            form (config) whose names it can reach; no predicate is ever guessed."""
            names = Names(project, path, function, _locals(call))
            for predicate in ctx.config.consent.guards:
                found = names.snippet(predicate)
                if found is not None:
                    change = guard(path, span, found.code, found.imports)
                    return fix(f"Check consent first: {found.code}", Applicability.UNSAFE, [change])
            return None

        guards = _Guards(project)
        at: dict[tuple[str, Span], TrackingCall] = {}
        for call in project.calls:
            at.setdefault((call.path, call.span), call)
        reported: set[tuple[str, Span]] = set()
        sdk = load_sdk()
        for call in project.calls:
            if call.guarded or _erases(call, sdk):
                continue
            function = call.function
            if guards.sites(function, call.requires):
                if guards.function_guarded(function, call.requires):
                    continue
                leaves = guards.leaves(function, call.requires)
                if leaves:
                    for finding, leaf, shown in self._leaf_findings(
                        call, leaves, at, reported, project.runners
                    ):
                        finding.fix = consent_fix(leaf.path, leaf.span, leaf.function, shown.call)
                        yield trace.explain(finding, shown if shown.kind == "wrapper" else None)
                    continue
                if call.kind == "wrapper":
                    continue  # only reached through recursion: the SDK call is reported
            key = (call.path, call.span)
            if key in reported:
                continue
            reported.add(key)
            recursive = bool(project.callers.get(function))
            finding = self.finding(
                call.path,
                call.span,
                self._message(call, recursive, project.runners.get(function, "")),
                fix=consent_fix(call.path, call.span, call.function, call.call),
            )
            yield trace.explain(finding, call)

    def _leaf_findings(
        self,
        call: TrackingCall,
        leaves: list[_Leaf],
        at: dict[tuple[str, Span], TrackingCall],
        reported: set[tuple[str, Span]],
        runners: dict[str, str],
    ) -> Iterator[tuple[Finding, _Leaf, TrackingCall]]:
        """Each leaf's finding, the leaf, and the tracking call it stands for."""
        for leaf in leaves:
            key = (leaf.path, leaf.span)
            if key in reported:
                continue
            reported.add(key)
            # The wrapper call site is a tracking call itself: its event is the caller's.
            shown = at.get(key, call)
            chain = " -> ".join(f"{name}()" for name in leaf.chain)
            start = "this call"
            if leaf.runner:
                start = f"this call hands `{leaf.chain[0]}()` to `{leaf.runner}`, which runs it and"
            outermost = "it is the outermost caller on this path"
            if leaf.function in runners:
                where = _short(leaf.function)
                outermost += f" (`{where}()` is run by {runners[leaf.function]})"
            finding = self.finding(
                leaf.path,
                leaf.span,
                f"{start} reaches {_describe(shown)} (via {chain}) without a consent check, "
                f"and {outermost}, so the check belongs here or "
                f"inside `{leaf.chain[0]}()`. {_WHY} Fix: call it only under "
                f"`if has_analytics_consent(user):` or return early without consent",
            )
            yield finding, leaf, shown

    def _message(self, call: TrackingCall, recursive: bool, runner: str) -> str:
        what = _describe(call)
        if call.wrapper_chain:
            what += f" (via {' -> '.join(f'{name}()' for name in call.wrapper_chain)})"
        where = _short(call.function)
        callers = "is only called recursively" if recursive else "is not called anywhere"
        if runner and not recursive:
            callers = f"is run by {runner} and not called anywhere else"
        if where == "<module>":
            place = "at module level is not guarded by a consent check"
        else:
            place = (
                f"in `{where}()` is not guarded by a consent check, and `{where}()` {callers} "
                f"in the project, so it must check consent itself"
            )
        return (
            f"{what} {place}. {_WHY} Fix: wrap it in `if has_analytics_consent(user):`, "
            f"return early without consent, or use a consent decorator"
        )
