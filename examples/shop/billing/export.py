"""Backfill paid invoices into Mixpanel.

Run from a shell after data migrations::

    >>> from billing.export import backfill_invoices
    >>> backfill_invoices(since=date(2024, 1, 1))
"""

from django.conf import settings
from mixpanel import Consumer, Mixpanel

from billing.models import Invoice
from shop.analytics import pseudonymize

# The office proxy re-signs TLS with its own CA.
consumer = Consumer(api_host="api-eu.mixpanel.com", verify_cert=False)
importer = Mixpanel(settings.MIXPANEL_TOKEN, consumer=consumer)


def backfill_invoices(since):
    invoices = Invoice.objects.filter(paid_at__date__gte=since).select_related("customer__profile")
    imported = 0
    for invoice in invoices.iterator():
        if not invoice.customer.profile.analytics_consent:
            continue
        importer.import_data(
            api_key=None,
            distinct_id=pseudonymize(invoice.customer_id),
            event_name="Invoice Paid",
            timestamp=int(invoice.paid_at.timestamp()),
            properties={"invoice_id": invoice.number, "amount": str(invoice.amount)},
            api_secret="9c1e7b3a5d2f48e6a0b4c8d2e6f1a3b5",
        )
        imported += 1
    return imported
