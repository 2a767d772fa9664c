from unittest import mock

from django.contrib.auth import get_user_model
from django.test import RequestFactory, TestCase

from shop.analytics import mp, track_event, track_search


class TrackingTests(TestCase):
    def setUp(self):
        self.user = get_user_model().objects.create_user("anna", "anna.schmidt@example.com")
        self.request = RequestFactory().get("/search/?q=boots")
        self.request.user = self.user

    def test_search_is_reported_with_its_category(self):
        with mock.patch.object(mp, "track") as track:
            track_search(self.request, "shoes", 3)
        self.assertEqual(track.call_args.args[2], {"category": "shoes", "results": 3})

    def test_cancellation_keeps_the_reason(self):
        with mock.patch.object(mp, "track") as track:
            track_event(self.user, "Order Cancelled", {"email": self.user.email, "reason": "late"})
        self.assertEqual(track.call_args.args[2]["reason"], "late")
