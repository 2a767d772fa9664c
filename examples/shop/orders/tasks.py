from celery import shared_task
from mixpanel import Consumer

from orders.models import Order
from shop.analytics import has_analytics_consent, mp, pseudonymize

_eu_consumer = Consumer(api_host="api-eu.mixpanel.com")


@shared_task(ignore_result=True)
def deliver_to_mixpanel(endpoint, json_message):
    _eu_consumer.send(endpoint, json_message)


@shared_task(ignore_result=True)
def track_order_event(distinct_id, event, properties):
    mp.track(distinct_id, event, properties)


@shared_task
def send_order_snapshot(order_id):
    order = Order.objects.select_related("customer__profile").get(pk=order_id)
    if not has_analytics_consent(order.customer):
        return
    mp.track(pseudonymize(order.customer_id), "Order Shipped", vars(order))
