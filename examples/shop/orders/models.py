from django.conf import settings
from django.db import models


class Product(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)


class Cart(models.Model):
    session_key = models.CharField(max_length=40, db_index=True)
    products = models.ManyToManyField(Product)

    @classmethod
    def for_request(cls, request):
        cart, _ = cls.objects.get_or_create(session_key=request.session.session_key)
        return cart


class OrderManager(models.Manager):
    def create_from_cart(self, cart, customer):
        order = self.create(customer=customer)
        order.products.set(cart.products.all())
        return order


class Order(models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    products = models.ManyToManyField(Product)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrderManager()
