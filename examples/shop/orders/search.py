"""Search and browsing pages; each reports what was looked for to the merchandising team."""

from django.shortcuts import render

from orders.models import Product
from shop.analytics import track_search


def search(request):
    query = request.GET.get("q", "").strip()
    products = Product.objects.filter(active=True, name__icontains=query)[:50]
    track_search(request, "all", len(products))
    return render(request, "orders/search.html", {"products": products, "query": query})


def category_page(request, slug):
    products = Product.objects.filter(active=True, category__slug=slug).order_by("position")
    track_search(request, slug, products.count())
    return render(request, "orders/catalog.html", {"products": products})


def bestsellers(request):
    products = Product.objects.filter(active=True).order_by("-sold")[:20]
    track_search(request, "bestsellers", len(products))
    return render(request, "orders/catalog.html", {"products": products})
