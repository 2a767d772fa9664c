"""Mixpanel client and the tracking helpers shared by the views."""

import hashlib
import hmac
from functools import wraps

from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel(settings.MIXPANEL_TOKEN)


class CeleryConsumer:
    """Hands Mixpanel messages to a Celery worker instead of sending them inline."""

    def send(self, endpoint, json_message, api_key=None, api_secret=None):
        from orders.tasks import deliver_to_mixpanel

        deliver_to_mixpanel.delay(endpoint, json_message)


background_mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=CeleryConsumer())


def pseudonymize(user_id):
    """Stable, keyed pseudonym for a user's primary key."""
    key = settings.ANALYTICS_PSEUDONYM_KEY.encode()
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()


def has_analytics_consent(user):
    """The user's answer to the analytics question of the cookie banner."""
    if not user.is_authenticated:
        return False
    return user.profile.analytics_consent


def requires_consent(func):
    """Run an analytics hook only for users who opted in."""

    @wraps(func)
    def wrapper(user, *args, **kwargs):
        if not has_analytics_consent(user):
            return None
        return func(user, *args, **kwargs)

    return wrapper


def track_event(user, event, properties=None):
    """Track ``event`` for ``user`` under their pseudonymous id."""
    payload = {"app": "web", **(properties or {})}
    mp.track(pseudonymize(user.pk), event, payload)


@requires_consent
def sync_profile(user):
    mp.people_set(pseudonymize(user.pk), {
        "plan": user.profile.plan,
        "newsletter": user.profile.newsletter,
        "signup_date": user.date_joined.date().isoformat(),
        "username": user.username,
    })


def track_search(request, category, results):
    """Search analytics for the merchandising team: what is looked for, what is found."""
    mp.track(pseudonymize(request.user.pk), "Searched", {
        "category": category,
        "results": results,
    })
