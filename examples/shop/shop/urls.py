from django.contrib import admin
from django.urls import path

from accounts import views as account_views
from orders import search as search_views
from orders import views as order_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("signup/", account_views.signup, name="signup"),
    path("login/", account_views.login_view, name="login"),
    path("password-reset/", account_views.password_reset, name="password_reset"),
    path("profile/", account_views.update_profile, name="profile"),
    path("profile/delete/", account_views.delete_account, name="delete_account"),
    path("", order_views.catalog, name="catalog"),
    path("p/<slug:slug>/", order_views.product_detail, name="product_detail"),
    path("p/<slug:slug>/wishlist/", order_views.add_to_wishlist, name="add_to_wishlist"),
    path("cart/", order_views.update_cart, name="cart"),
    path("checkout/", order_views.checkout, name="checkout"),
    path("orders/<str:number>/cancel/", order_views.cancel_order, name="cancel_order"),
    path("orders/<str:number>/shipped/", order_views.mark_shipped, name="mark_shipped"),
    path("search/", search_views.search, name="search"),
    path("c/<slug:slug>/", search_views.category_page, name="category"),
    path("bestsellers/", search_views.bestsellers, name="bestsellers"),
]
