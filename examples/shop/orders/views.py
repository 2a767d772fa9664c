import hashlib

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from orders.models import Cart, Order, Product
from orders.tasks import send_order_snapshot, track_order_event
from shop.analytics import background_mp, has_analytics_consent, mp, pseudonymize, track_event


def catalog(request):
    products = Product.objects.filter(active=True).order_by("position")
    return render(request, "orders/catalog.html", {"products": products})


def product_detail(request, slug):
    product = get_object_or_404(Product, slug=slug, active=True)
    if has_analytics_consent(request.user):
        props = {"product_id": product.pk, "product_name": product.name, "category": product.category.slug}
        background_mp.track(pseudonymize(request.user.pk), "Product Viewed", props)  # noqa: MX201
    return render(request, "orders/product_detail.html", {"product": product})


@login_required
@require_POST
def add_to_wishlist(request, slug):
    product = get_object_or_404(Product, slug=slug, active=True)
    request.user.wishlist.add(product)
    if not has_analytics_consent(request.user):
        return redirect("product_detail", slug=slug)
    user = request.user
    mp.track(
        hashlib.sha256(user.email.encode()).hexdigest(),
        "Wishlist Added",
        {"product_id": product.pk},
    )
    return redirect("product_detail", slug=slug)


@require_POST
def update_cart(request):
    cart = Cart.for_request(request)
    cart.apply(request.POST)
    if has_analytics_consent(request.user):
        track_event(request.user, "Cart Updated", request.POST.dict())
    return redirect("cart")


@login_required
@require_POST
def checkout(request):
    cart = Cart.for_request(request)
    order = Order.objects.create_from_cart(cart, customer=request.user)
    has_analytics_consent(request.user) and mp.track(pseudonymize(request.user.pk), "Order Completed", {
        "order_id": order.number,
        "total": str(order.total),
        "currency": order.currency,
        "ip": request.META["REMOTE_ADDR"],
    })
    if has_analytics_consent(request.user):
        for item in order.items.filter(product__requires_prescription=True):
            track_order_event.delay(
                pseudonymize(request.user.pk),
                "Prescription Item Ordered",
                {"product_id": item.product_id, "diagnosis": item.prescription.diagnosis},
            )
    return redirect("order_confirmation", number=order.number)


@login_required
@require_POST
def cancel_order(request, number):
    order = get_object_or_404(Order, number=number, customer=request.user)
    order.cancel(reason=request.POST.get("reason", ""))
    track_event(request.user, "Order Cancelled", {"order_id": order.number, "reason": order.cancel_reason})
    return redirect("order_detail", number=number)


@staff_member_required
@require_POST
def mark_shipped(request, number):
    order = get_object_or_404(Order, number=number)
    order.mark_shipped(carrier=request.POST["carrier"], tracking_code=request.POST["tracking_code"])
    send_order_snapshot.delay(order.pk)
    return redirect("admin:orders_order_change", order.pk)
