"""MX501 no-deletion-path: user profiles are written but never deleted.

A project-level rule: when the scanned code writes Mixpanel profiles and has no
deletion path anywhere (a ``people_delete`` call on any object, a string naming
the GDPR deletion endpoint), it reports once, at the first profile write in
(path components, line) order.
"""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.model import Expr, ExprKind, Finding, Level, ModuleSummary, ProjectModel, TrackingCall
from mixlint.sdk import Sdk, load_sdk
from mixlint.transport import sender_signature


def _sdk_method(call: TrackingCall, sdk: Sdk) -> str:
    """The SDK method a direct call performs (senders map to the method they imitate)."""
    if call.kind == "sender":
        signature = sender_signature(call.method, sdk)
        return signature.name if signature is not None else ""
    return call.method


def _names_endpoint(expr: Expr, endpoints: tuple[str, ...], seen: set[int]) -> bool:
    """Does a string literal or f-string in ``expr`` (following local names) name one?"""
    # Every expression of a module that stores profiles passes through here: the loop
    # keeps to plain pushes (no generator per node).
    stack = [expr]
    push = stack.append
    while stack:
        node = stack.pop()
        key = id(node)
        if key in seen:
            continue
        seen.add(key)
        kind = node.kind
        if kind is ExprKind.CONST:
            value = node.value
            if isinstance(value, str) and any(endpoint in value for endpoint in endpoints):
                return True
            continue
        if kind is ExprKind.FSTRING and any(endpoint in node.text for endpoint in endpoints):
            return True
        if node.base is not None:
            push(node.base)
        if node.origin is not None:
            push(node.origin)
        stack.extend(node.args)
        for _, argument in node.keywords:
            push(argument)
        for _, item in node.items:
            push(item)
    return False


def _deletes(module: ModuleSummary, sdk: Sdk) -> bool:
    endpoints = sdk.deletion_endpoints
    seen: set[int] = set()
    if any(_names_endpoint(string, endpoints, seen) for string in module.strings):
        return True
    for site in module.calls:
        callee = site.callee
        if callee.kind is ExprKind.ATTR and callee.value == "people_delete":
            return True
        if _names_endpoint(site.call, endpoints, seen):
            return True
    return any(
        _names_endpoint(value, endpoints, seen)
        for values in module.globals.values()
        for value in values
    )


class NoDeletionPath(Rule):
    id = "MX501"
    name = "no-deletion-path"
    level = Level.WARNING
    summary = (
        "The project stores user profiles in Mixpanel (`people_set`, `people_set_once`, "
        "`people_append`, `people_union`, `people_increment`, `people_track_charge`, "
        "`people_update`) but nothing in the scanned code deletes them: no `people_delete` "
        "(on the SDK client or `MixpanelUtils`) and no request to Mixpanel's GDPR "
        "data-deletion API (`/api/app/data-deletions/v3.0`). Reported once per project, at "
        "the first profile write in path order. Note that `people_delete` removes the "
        "profile but not the user's events; only the GDPR API erases both."
    )
    why = (
        "Data subjects have the right to erasure (GDPR Art. 17) and controllers must be "
        "able to honour it without undue delay (Art. 12(3)); storage limitation "
        "(Art. 5(1)(e)) requires deleting data that is no longer needed. Profiles hold the "
        "most personal analytics data, so a code path that removes them is the least an "
        "account deletion or erasure request needs. `people_delete` only removes the "
        "profile: the events stay until the GDPR data-deletion API (or Mixpanel's UI) "
        "removes them too."
    )
    fix = (
        "Delete the user's Mixpanel data when their account is deleted or they ask for "
        'erasure: call `mp.people_delete(distinct_id, meta={"$ignore_alias": True})` for '
        "the profile and, to erase the events as well, POST the distinct_ids to "
        "`https://eu.mixpanel.com/api/app/data-deletions/v3.0?token=<project token>` with "
        '`{"distinct_ids": [...], "compliance_type": "GDPR"}` and a GDPR API bearer token '
        "read from the environment. If deletion happens outside this code base (a "
        "separate service, a documented manual process), suppress this finding with "
        "that reason."
    )
    tags = ("privacy", "gdpr", "data-subject-rights")
    security_severity = 4.0
    precision = "medium"
    invalid = (
        """
from mixpanel import Consumer, Mixpanel

consumer = Consumer(api_host="api-eu.mixpanel.com")
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=consumer)


def sync_profile(user):
    profile = user.profile
    if profile.analytics_consent:
        mp.people_set(str(user.pk), {"plan": profile.plan, "locale": profile.locale})


def record_purchase(user, order):
    if user.profile.analytics_consent:
        mp.people_track_charge(str(user.pk), float(order.total))
        mp.people_increment(str(user.pk), {"orders": 1})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def first_seen(user):
    if user.analytics_consent:
        mp.people_set_once(str(user.pk), {"first_seen": user.date_joined.isoformat()})


def delete_account(user):
    # The account goes, the Mixpanel profile stays.
    user.delete()
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def tag_interests(user, topics):
    if user.analytics_consent:
        mp.people_union(str(user.pk), {"interests": list(topics)})
        mp.people_append(str(user.pk), {"visited_topics": topics[0]})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def sync_profile(user):
    if user.analytics_consent:
        mp.people_update({
            "$distinct_id": str(user.pk),
            "$set": {"plan": user.plan},
        })


def forget(user):
    # Clears the properties but keeps the profile and its events.
    mp.people_unset(str(user.pk), ["plan"])
""",
        """
import requests
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def sync_plan(user):
    if user.analytics_consent:
        mp.people_set(str(user.pk), {"plan": user.plan})


def export_user(user, token):
    # A data retrieval (Art. 15), not a deletion.
    return requests.post(
        "https://eu.mixpanel.com/api/app/data-retrievals/v3.0",
        json={"distinct_ids": [str(user.pk)]},
        headers={"Authorization": f"Bearer {token}"},
    )
""",
    )
    valid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def sync_profile(user):
    if user.analytics_consent:
        mp.people_set(str(user.pk), {"plan": user.plan})


def delete_account(user):
    mp.people_delete(str(user.pk), meta={"$ignore_alias": True})
    user.delete()
""",
        """
import os

import requests
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")
DELETIONS = "https://eu.mixpanel.com/api/app/data-deletions/v3.0"


def sync_profile(user):
    if user.analytics_consent:
        mp.people_set(str(user.pk), {"plan": user.plan})


def erase(distinct_ids):
    return requests.post(
        DELETIONS,
        params={"token": os.environ["MIXPANEL_TOKEN"]},
        json={"distinct_ids": distinct_ids, "compliance_type": "GDPR"},
        headers={"Authorization": f"Bearer {os.environ['MIXPANEL_GDPR_TOKEN']}"},
    )
""",
        """
import os

from mixpanel import Mixpanel
from mixpanel_utils import MixpanelUtils

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def sync_profile(user):
    if user.analytics_consent:
        mp.people_set(str(user.pk), {"plan": user.plan})


def purge_inactive(selector):
    utils = MixpanelUtils(os.environ["MIXPANEL_API_SECRET"], residency="eu")
    utils.people_delete(query_params={"selector": selector})
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def checkout(user, order):
    # Events only: no profiles are stored, so there is nothing to delete here.
    if user.analytics_consent:
        mp.track(str(user.pk), "Order Completed", {"total": str(order.total)})
""",
        """
import os

import httpx
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")
REGION = os.environ.get("MIXPANEL_REGION", "eu.")


def sync_profile(user):
    if user.analytics_consent:
        mp.people_set_once(str(user.pk), {"signup": user.date_joined.isoformat()})


async def erase(client: httpx.AsyncClient, distinct_ids):
    url = f"https://{REGION}mixpanel.com/api/app/data-deletions/v3.0"
    await client.post(url, json={"distinct_ids": distinct_ids, "compliance_type": "GDPR"})
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        sdk = load_sdk()
        writes = [
            call
            for call in project.calls
            if call.kind in ("sdk", "sender")
            and (signature := sdk.methods.get(_sdk_method(call, sdk))) is not None
            and signature.profile_write
        ]
        if not writes:
            return
        if any(call.method == "people_delete" for call in project.calls):
            return
        if any(_deletes(module, sdk) for module in project.modules.values()):
            return
        first = min(writes, key=lambda c: (c.path.split("/"), c.span.start_line, c.span.start_col))
        methods = sorted({_sdk_method(call, sdk) for call in writes})
        yield self.finding(
            first.path,
            first.span,
            (
                f"this project writes Mixpanel user profiles ({len(writes)} profile "
                f"write{'s' if len(writes) != 1 else ''}: {', '.join(methods)}; the first is "
                f"here) but nothing in the scanned code deletes them, so an erasure request "
                f"cannot be honoured (GDPR Art. 17). Add a deletion path: `people_delete` "
                f"removes the profile but not the events; only the GDPR data-deletion API "
                f"(`/api/app/data-deletions/v3.0`) erases both"
            ),
        )
