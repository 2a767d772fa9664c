"""MX002 unused-suppression: an inline suppression that suppresses nothing.

The findings are made where suppressions are applied (``mixlint.suppressions``),
after every other rule has run; this unit holds the rule's documentation.
"""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.model import Applicability, Finding, Level, ProjectModel


class UnusedSuppression(Rule):
    id = "MX002"
    name = "unused-suppression"
    level = Level.WARNING
    summary = (
        "An inline suppression (`# mixlint: ignore[...]`, `# noqa: MX...`, "
        "`# mixlint: ignore-file[...]`) that suppresses nothing, names an unknown rule, "
        "or names no rule at all."
    )
    why = (
        "Accountability (GDPR Art. 5(2)) means a reviewer must be able to trust that every "
        "suppression stands for a decision about a real finding. A stale suppression hides "
        "the next finding on that line without anyone deciding anything, and a typo in a "
        "rule ID silently suppresses nothing."
    )
    fix = (
        "Remove the suppression, or correct the rule ID. Suppressions always name the rules "
        "they suppress (`# mixlint: ignore[MX101] -- reason`)."
    )
    autofix = (
        "Removes the suppression, or only the rule IDs it names in vain (`# noqa: "
        "MX101, E501` keeps `# noqa: E501`); a comment left empty is removed with the "
        "space before it."
    )
    autofix_safety = Applicability.SAFE
    tags = ("privacy", "gdpr", "maintainability")
    security_severity = 2.0
    invalid = (
        """
        from mixpanel import Mixpanel, Consumer

        mp = Mixpanel("token", consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def checkout(user, consent):
            if consent:
                mp.track(user.pk, "Checkout")  # mixlint: ignore[MX201] -- guarded above
        """,
        """
        from mixpanel import Mixpanel, Consumer

        mp = Mixpanel("token", consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def checkout(user, consent):
            if consent:
                mp.track(user.pk, "Checkout", {"plan": user.plan})  # noqa: MX101
        """,
        """
        from mixpanel import Mixpanel, Consumer

        mp = Mixpanel("token", consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def checkout(user, consent):
            if consent:
                mp.track(user.pk, "Checkout", {"email": user.email})  # noqa: MX999
        """,
        """
# mixlint: ignore-file[MX402]
from mixpanel import Consumer, Mixpanel

mp = Mixpanel("token", consumer=Consumer(api_host="api-eu.mixpanel.com"))
""",
        """
from mixpanel import Mixpanel, Consumer

mp = Mixpanel("token", consumer=Consumer(api_host="api-eu.mixpanel.com"))


def checkout(user, consent):
    if consent:
        mp.track(user.pk, "Checkout")  # mixlint: ignore[] -- no rule named
""",
    )
    valid = (
        """
        from mixpanel import Mixpanel, Consumer

        mp = Mixpanel("token", consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def checkout(user):
            mp.track(user.pk, "Checkout")  # mixlint: ignore[MX201] -- consent checked by the caller
        """,
        """
        from mixpanel import Mixpanel, Consumer

        mp = Mixpanel("token", consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def checkout(user, consent):
            if consent:
                mp.track(user.pk, "Checkout", {"email": user.email})  # noqa: MX101, E501
        """,
        """
        import logging

        log = logging.getLogger(__name__)  # noqa: E402 - not ours
        """,
        """
# mixlint: ignore-file[MX402] -- the US project is migrated in Q3
from mixpanel import Mixpanel

mp = Mixpanel("token")
""",
        """
from mixpanel import Mixpanel, Consumer

mp = Mixpanel("token", consumer=Consumer(api_host="api-eu.mixpanel.com"))


def checkout(user, consent):
    if consent:
        mp.track(
            user.email,  # mixlint: ignore[MX103] -- the shop's test tenant uses e-mail ids
            "Checkout",
        )
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        return iter(())
