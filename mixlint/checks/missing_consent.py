"""MX201 missing-consent-check: a tracking call that no consent check guards.

A tracking call is guarded when the collector saw a consent guard around it in its own
function (``TrackingCall.guarded``: forms 1-5, and 7 once the model knows which clients
exist only with consent), or when its enclosing function has call sites in the project
and every one of them is guarded, recursively (form 6). A function without call sites
(a view, a signal receiver, an entry point, module level code, a function called only
from tests) must check consent itself. Test code is never a call site and never gets
an MX201 finding; a call about no one (constant distinct_id, no value from a person:
``mixlint.subject``) needs no consent, and neither does a call site that makes only
such calls.

Where an unguarded SDK call is reported (one root cause, one finding), walking up from
the function that sends (``F``, the innermost project function around the SDK call):

* ``F`` has no call sites: the SDK call itself.
* No path into ``F`` passes a consent check anywhere (none of its call sites, none of
  theirs, up to the entry points): the check belongs in ``F``. One finding at the SDK
  call, counting the unguarded outermost call sites ("none of its 62 call sites checks
  consent") and listing each as a related location.
* Some paths check consent and others do not: the project has a convention, kept by
  some callers and missed by others. Each unguarded call site of ``F`` is judged the
  same way one level up, as the call inside its own function ``G``: reported once at
  that call when no path into ``G`` checks consent (with ``G``'s unguarded call sites
  related), or, where ``G`` has no call sites, at that call as the outermost caller.

So a wrapper ``A`` called by a wrapper ``B`` called from 70 unguarded places gets one
finding, at the SDK call in ``A``, with 70 related locations; if 69 of ``B``'s call
sites check consent, the one that does not is reported; if ``A`` is also called with a
check from elsewhere, the call of ``A`` inside ``B`` is reported once, with ``B``'s 70
call sites related.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
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
    Location,
    ProjectModel,
    Span,
    TrackingCall,
    consent_sites,
)
from mixlint.sdk import Sdk, load_sdk
from mixlint.subject import Subjects
from mixlint.trace import Trace

# How many of the functions the unguarded call sites go through a message names.
_SHOWN_HEADS = 3


@dataclass(frozen=True, slots=True)
class _Leaf:
    """An unguarded call site with no guarded path above it."""

    path: str
    span: Span
    chain: tuple[str, ...]  # function qualnames from the leaf's callee down to the tracking call
    function: str  # the function id of the caller it stands in
    runner: str = ""  # what the leaf hands its callee to ("add_task"), if it does not call it

    def related(self) -> Location:
        what = f"a call of {self.chain[0]}()"
        if self.runner:
            what = f"{self.chain[0]}() handed to {self.runner}"
        return Location(self.path, self.span, f"{what} without a consent check")


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a finding goes: a tracking call inside ``function`` (its id)."""

    path: str
    span: Span
    function: str
    shown: TrackingCall  # the tracking call that stands for it (its event, its chain)
    chain: tuple[str, ...]  # the functions it calls down to the SDK call (): the SDK call
    requires: str = ""  # it runs only for this subclass ("path::Class"; ``consent_sites``)
    runner: str = ""  # what it hands the function it does not call itself to ("add_task")


_WHY = (
    "Mixpanel's SDK has no opt-out of its own, so without the check users who refused "
    "analytics are tracked all the same (GDPR Art. 6/7, ePrivacy Art. 5(3))."
)
_FIX = (
    "Fix: wrap it in `if has_analytics_consent(user):`, return early without consent, or "
    "use a consent decorator"
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


def _not_guarded(call: TrackingCall) -> str:
    """ "is not guarded by a consent check", and why a test that looks like one is not
    (guard form 7: ``if self.mp:`` where the client is also created without consent)."""
    why = f" ({call.guard_reason})" if call.guard_reason and not call.guarded else ""
    return f"is not guarded by a consent check{why}"


def _via(chain: tuple[str, ...]) -> str:
    return " -> ".join(f"{name}()" for name in chain)


def _erases(call: TrackingCall, sdk: Sdk) -> bool:
    """``people_delete`` / ``group_delete`` honour erasure (Art. 17): they need no consent,
    and a user who withdrew consent is exactly whose profile must go."""
    signature = sdk.methods.get(call.method)
    return call.kind in ("sdk", "wrapper") and (
        (signature is not None and signature.deletes) or call.method.endswith("_delete")
    )


class _Guards:
    """Consent through callers, with cycle protection and memoisation.

    A call site *needs consent* unless it is guarded itself or makes only calls about no
    one (``needless``); a function is guarded when it has call sites and each either needs
    no consent or stands in a guarded function. ``requires``: the code in question runs
    only when the object is this subclass (reached through ``self`` in a base class): only
    the call sites whose object may be one count (``consent_sites``).
    """

    def __init__(self, project: ProjectModel, needless: set[tuple[str, Span]]) -> None:
        self.callers = project.callers
        self.needless = needless
        self._memo: dict[tuple[str, str], bool] = {}
        self._checked: dict[tuple[str, str], bool] = {}

    def sites(self, function: str, requires: str) -> list[CallerSite]:
        """The call sites of ``function`` that count (not in test code, fitting)."""
        return consent_sites(self.callers.get(function, []), requires)

    def needs_consent(self, site: CallerSite) -> bool:
        return not site.guarded and (site.path, site.span) not in self.needless

    def function_guarded(self, function: str, requires: str) -> bool:
        return bool(self._guarded(function, requires, frozenset()))

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
            if not self.needs_consent(site):
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

    def checked_above(self, function: str, requires: str) -> bool:
        """Whether some path into ``function`` passes a consent check (a convention the
        project keeps elsewhere)."""
        return bool(self._checked_above(function, requires, frozenset()))

    def _checked_above(self, function: str, requires: str, active: frozenset[str]) -> bool | None:
        """True / False, or None when the paths not yet seen run back into ``active``."""
        key = (function, requires)
        if key in self._checked:
            return self._checked[key]
        if function in active:
            return None
        inner = active | {function}
        cyclic = False
        for site in self.sites(function, requires):
            above = site.guarded or self._checked_above(
                site.function, site.requires or requires, inner
            )
            if above:
                self._checked[key] = True
                return True
            cyclic = cyclic or above is None
        if cyclic and active:
            return None
        self._checked[key] = False
        return False

    def unguarded(self, function: str, requires: str) -> list[CallerSite]:
        """The call sites of ``function`` that need consent and have none from above."""
        return [
            site
            for site in self.sites(function, requires)
            if self.needs_consent(site)
            and not self.function_guarded(site.function, site.requires or requires)
        ]

    def leaves(self, function: str, requires: str) -> list[_Leaf]:
        """The unguarded outermost call sites through which ``function`` is reached."""
        found: dict[tuple[str, Span], _Leaf] = {}
        self._leaves(function, requires, (_short(function),), frozenset(), found)
        return sorted(found.values(), key=lambda leaf: (leaf.path.split("/"), leaf.span))

    def _leaves(
        self,
        function: str,
        requires: str,
        chain: tuple[str, ...],
        active: frozenset[str],
        found: dict[tuple[str, Span], _Leaf],
    ) -> None:
        if function in active:
            return
        inner = active | {function}
        for site in self.unguarded(function, requires):
            if site.function in inner:
                continue  # a recursive call: its entry points are found on the other paths
            needed = site.requires or requires
            if self.sites(site.function, needed):
                self._leaves(site.function, needed, (_short(site.function), *chain), inner, found)
            else:
                found.setdefault(
                    (site.path, site.span),
                    _Leaf(site.path, site.span, chain, site.function, site.runner),
                )


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
        "`@requires_consent`; a wrapper whose every call site in the project is guarded; or "
        "`if self.mp:` where the client exists only with consent (created under an opt-in "
        "check or in a function such as `enable_analytics()`, set to None otherwise), also "
        "when a project getter hands it out (`if client := self.get_client():`, `client = "
        "get_mp(); if client is None: return`) and returns a client only past a consent check "
        "or one that exists only with consent, None otherwise. One "
        "root cause, one finding: when no call site of a wrapper checks consent, the SDK "
        "call inside it is reported once, with the call sites as related locations; when "
        "some do and others do not, each call site that does not is reported. A function "
        "that nothing in the project calls (a view, a signal receiver, a task entry point) "
        "must check consent itself. Test code is no call site and gets no MX201. A call about "
        "no one (a constant distinct_id and no value from a person, as a bot's counters) and "
        "deletions (`people_delete`, `group_delete`, which honour erasure) need no consent."
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
        "call site is covered) or at each reported call site. A CLI can create its client "
        "only after the user opts in and drop it on opt-out, and send only `if self.mp:`. "
        "A project with its own consent API names its predicates and decorators in "
        "`[tool.mixlint.consent]`."
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
        # the wrapper's check covers one of its calls; its only call site does not check
        # either, so the other call is reported inside the wrapper, where the check belongs
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
        # no call site of the wrapper checks consent: one finding, at the SDK call inside it,
        # with the three call sites as related locations
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def track_search(user, category, results):
    # None of its three call sites checks consent: reported once, here.
    mp.track(str(user.pk), "Searched", {"category": category, "results": results})


def search(request):
    products = find_products(request.GET.get("q", ""))
    track_search(request.user, "all", len(products))


def category_page(request, slug):
    products = find_products(category=slug)
    track_search(request.user, slug, len(products))


def bestsellers(request):
    products = find_bestsellers()
    track_search(request.user, "bestsellers", len(products))
""",
        # `if self.mp:` checks nothing when the client is created whatever the user chose
        """
from mixpanel import Mixpanel


class Telemetry:
    def __init__(self, settings):
        self.install_id = settings.install_id
        # Created whatever the user chose: `if self.mp:` below checks no consent.
        self.mp = Mixpanel(settings.mixpanel_token)

    def disable(self):
        self.mp = None

    def track(self, event, **properties):
        if self.mp:
            self.mp.track(self.install_id, event, properties)
""",
        # a constant distinct_id does not make a member's data anonymous
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def on_member_join(member):
    # A constant distinct_id, but the event is about the member.
    mp.track("community-bot", "Member Joined", {"member": member.id, "joined": member.joined_at})
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
        # 7. a client that exists only with consent: created after the user opts in,
        # dropped on opt-out, and every send asks whether it exists
        """
from mixpanel import Consumer, Mixpanel


def _client(token):
    return Mixpanel(token, consumer=Consumer(api_host="api-eu.mixpanel.com"))


class Telemetry:
    # The client exists only once the user opts in; it is dropped on opt-out.
    def __init__(self, settings):
        self.settings = settings
        self.mp = None
        if settings.analytics_opt_in:
            self.mp = _client(settings.mixpanel_token)

    def enable_analytics(self):
        self.settings.analytics_opt_in = True
        self.mp = _client(self.settings.mixpanel_token)

    def disable_analytics(self):
        self.settings.analytics_opt_in = False
        self.mp = None

    def track(self, event, **properties):
        if self.mp:
            self.mp.track(self.settings.install_id, event, properties)

    def identify(self, version):
        if not self.mp:
            return
        self.mp.people_set(self.settings.install_id, {"version": version})
""",
        # 7. a client handed out by a getter that returns one only where analytics are
        # enabled, and None otherwise: `if reporter := self._get_reporter():` checks consent
        """
from mixpanel import Consumer, Mixpanel


class AppState:
    def __init__(self, settings):
        self.settings = settings
        self._client = None

    def _get_client(self):
        if self._client is not None:
            return self._client
        if not self.settings.analytics_enabled:
            return None
        self._client = Mixpanel(
            self.settings.mixpanel_token, consumer=Consumer(api_host="api-eu.mixpanel.com")
        )
        return self._client

    def report(self, user_id, event, properties):
        if client := self._get_client():
            client.track(str(user_id), event, properties)
""",
        # a call about no one: a bot's counters under a constant distinct_id
        """
from mixpanel import Mixpanel

BOT_ID = "community-counter"
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def count_members(guild):
    # Counts under the bot's own distinct_id: no person to ask for consent.
    humans = [member for member in guild.members if not member.bot]
    mp.track(BOT_ID, "Members Counted", {"members": guild.member_count, "humans": len(humans)})


def repository_stats(repo):
    mp.people_set(BOT_ID, {"stars": repo.stargazers_count, "forks": repo.forks_count})
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        return _Placement(self, project, ctx).findings()


class _Placement:
    """One run of MX201 over a project: where each root cause is reported."""

    def __init__(self, rule: MissingConsentCheck, project: ProjectModel, ctx: CheckContext):
        self.rule = rule
        self.project = project
        self.ctx = ctx
        self.trace = Trace(project)
        self.sdk = load_sdk()
        subjects = Subjects(project, ctx.values)
        self.no_one = {id(call) for call in project.calls if subjects.about_no_one(call)}
        # The tracking calls each call site makes (a wrapper's call site: one per SDK call).
        self.at: dict[tuple[str, Span], list[TrackingCall]] = {}
        for call in project.calls:
            self.at.setdefault((call.path, call.span), []).append(call)
        needless = {
            key for key, calls in self.at.items() if all(id(call) in self.no_one for call in calls)
        }
        self.guards = _Guards(project, needless)
        self.reported: set[tuple[str, Span]] = set()

    def findings(self) -> Iterator[Finding]:
        for call in self.project.calls:
            if (
                call.kind == "wrapper"  # reported through the SDK call it reaches
                or call.guarded
                or _erases(call, self.sdk)
                or id(call) in self.no_one
                or self.ctx.config.is_test_code(call.path)
            ):
                continue
            function = call.function
            place = _Place(call.path, call.span, function, call, (), call.requires)
            if not self.guards.sites(function, call.requires):
                yield from self._once(place, self._uncalled(place))
            elif not self.guards.function_guarded(function, call.requires):
                yield from self._placed(place, frozenset())

    def _placed(self, place: _Place, active: frozenset[str]) -> Iterator[Finding]:
        """The findings for the unguarded ``place``, whose function has call sites."""
        function, requires = place.function, place.requires
        leaves = self.guards.leaves(function, requires)
        if not leaves:
            if not place.chain:  # an SDK call reached only through recursion
                yield from self._once(place, self._uncalled(place))
            return
        if not self.guards.checked_above(function, requires):
            yield from self._once(place, self._unchecked(place, leaves), leaves)
            return
        inner = active | {function}
        for site in self.guards.unguarded(function, requires):
            if site.function in inner:
                continue  # recursion: its entry points are found on the other paths
            shown = self._shown(site, place.shown)
            chain = (_short(function), *place.chain)
            needed = site.requires or requires
            above = _Place(site.path, site.span, site.function, shown, chain, needed, site.runner)
            if self.guards.sites(site.function, needed):
                yield from self._placed(above, inner)
            else:
                yield from self._once(above, self._outermost(above))

    def _once(self, place: _Place, message: str, leaves: Sequence[_Leaf] = ()) -> Iterator[Finding]:
        """The finding at ``place`` (once), its fix, related locations and flows."""
        key = (place.path, place.span)
        if key in self.reported:
            return
        self.reported.add(key)
        # What stands for the place when it makes no tracking call of its own (a call of a
        # function that sends without being a wrapper) is the SDK call: not shown there.
        here = (place.shown.path, place.shown.span) == key
        finding = self.rule.finding(
            place.path,
            place.span,
            message,
            fix=self._fix(place, place.shown.call if here else None),
            related=tuple(leaf.related() for leaf in leaves),
        )
        yield self.trace.explain(finding, place.shown if here else None)

    def _shown(self, site: CallerSite, inner: TrackingCall) -> TrackingCall:
        """The tracking call made at ``site`` that reaches ``inner``'s SDK call (its event is
        the caller's), else ``inner``."""
        calls = self.at.get((site.path, site.span), [])
        wanted = inner.via or (f"{inner.path}:{inner.span.start_line}",)
        for call in calls:
            if set(wanted) & set(call.via):
                return call
        return calls[0] if calls else inner

    def _fix(self, place: _Place, call: Expr | None) -> Fix | None:
        """The call under ``if <predicate>:`` with the first consent predicate in call form
        (config) whose names it can reach; no predicate is ever guessed."""
        names = Names(self.project, place.path, place.function, _locals(call))
        for predicate in self.ctx.config.consent.guards:
            found = names.snippet(predicate)
            if found is not None:
                change = guard(place.path, place.span, found.code, found.imports)
                return fix(f"Check consent first: {found.code}", Applicability.UNSAFE, [change])
        return None

    # -- messages

    def _uncalled(self, place: _Place) -> str:
        """A call in a function that nothing calls (outside tests, recursion, other
        subclasses), or that only a framework runs."""
        call = place.shown
        what = _describe(call)
        if call.wrapper_chain:
            what += f" (via {_via(call.wrapper_chain)})"
        where = _short(call.function)
        if where == "<module>":
            return f"{what} at module level {_not_guarded(call)}. {_WHY} {_FIX}"
        every = self.project.callers.get(call.function, [])
        production = consent_sites(every)
        runner = self.project.runners.get(call.function, "")
        if consent_sites(production, place.requires):
            callers = "is only called recursively"
        elif production:
            owner = place.requires.partition("::")[2]
            callers = f"is not called on a `{owner}` object anywhere"
        elif runner:
            callers = f"is run by {runner} and not called anywhere else"
        elif every:
            callers = "is called only from test code"
        else:
            callers = "is not called anywhere"
        return (
            f"{what} in `{where}()` {_not_guarded(call)}, and `{where}()` {callers} in the "
            f"project, so it must check consent itself. {_WHY} {_FIX}"
        )

    def _unchecked(self, place: _Place, leaves: list[_Leaf]) -> str:
        """No path into the function checks consent: the check belongs in it."""
        where = _short(place.function)
        what = _describe(place.shown)
        if place.chain:
            what += f" (via {_via(place.chain)})"
        # "its N call sites" when they are all of its call sites; else they are found above
        # it, or some of its call sites send nothing about a person.
        every = len(leaves) == len(self.guards.sites(place.function, place.requires)) and all(
            len(leaf.chain) == 1 for leaf in leaves
        )
        heads = [
            head
            for head, _ in Counter(
                leaf.chain[0] for leaf in leaves if len(leaf.chain) > 1
            ).most_common()
        ]
        through = ""
        if heads:
            named = ", ".join(f"`{head}()`" for head in heads[:_SHOWN_HEADS])
            more = len(heads) - _SHOWN_HEADS
            through = f" (through {named}{f' and {more} more' if more > 0 else ''})"
        advice = "check consent here, once for all of them, rather than at each call site"
        if len(leaves) == 1 and every and leaves[0].runner:
            # Handed to a framework once (``post_save.connect(f)``, ``f.delay(...)``): the
            # framework runs it, so the check belongs in it.
            count = (
                f"`{where}()` is run by `{leaves[0].runner}`, and the one place that hands it "
                "over does not check consent either"
            )
            advice = "check consent here"
        elif len(leaves) == 1:
            sites = "its only call site" if every else "the one call site that reaches it"
            count = f"{sites}{through} does not check consent either"
            advice = "check consent here (or at that call site)"
        elif every:
            count = f"none of its {len(leaves)} call sites checks consent"
        else:
            count = f"none of the {len(leaves)} call sites that reach it{through} checks consent"
        return (
            f"{what} in `{where}()` {_not_guarded(place.shown)}, and {count}: {advice}. "
            f"{_WHY} {_FIX}"
        )

    def _outermost(self, place: _Place) -> str:
        """An unguarded call site where other paths to the same call check consent."""
        start = "this call"
        if place.runner:
            start = f"this call hands `{place.chain[0]}()` to `{place.runner}`, which runs it and"
        outermost = "it is the outermost caller on this path"
        runner = self.project.runners.get(place.function)
        if runner:
            outermost += f" (`{_short(place.function)}()` is run by {runner})"
        return (
            f"{start} reaches {_describe(place.shown)} (via {_via(place.chain)}) without a "
            f"consent check, while other paths to `{place.chain[0]}()` check consent, and "
            f"{outermost}, so the check belongs here. {_WHY} Fix: call it only under "
            f"`if has_analytics_consent(user):` or return early without consent"
        )
