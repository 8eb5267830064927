"""Accounts' test helpers: a shop that takes orders, orders placed for an account, clients on a host."""
from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

from django_tenants.utils import tenant_context
from vitrine.orders import services
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots
from vitrine.testing.factories import ProductFactory
from vitrine.testing.helpers import host_client

# Orders' helpers (a shop open every day), reused rather than written twice.
_spec = importlib.util.spec_from_file_location("accounts_orders_helpers",
                                               Path(__file__).parents[1] / "orders" / "orders_helpers.py")
_orders_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_orders_helpers)
shop_open_every_day = _orders_helpers.shop_open_every_day

PASSWORD = "correct-horse-battery"  # the factories' password


def client_on(territory, user=None):
    """A client on the territory's host, signed in as user (an account of that territory) when given."""
    client = host_client(f"{territory.schema_name}.localhost")
    if user is not None:
        with tenant_context(territory):
            client.force_login(user)
    return client


def order_place_for(user, shop, *, title: str = "Bague argent", quantity: int = 1, stock: int = 5,
                    phone: str = "06 12 34 56 78") -> Order:
    """A placed order of one product at the shop, by the account (in the current schema)."""
    cart = services.cart_create(user=user) if user is not None else Cart.objects.create()
    product = ProductFactory(shop=shop, title=title, stock=stock)
    services.cart_add(cart=cart, product_id=product.pk, quantity=quantity)
    guest = services.Guest(name=user.full_name if user else "Invité", email=user.email if user else "guest@example.fr",
                           phone=phone)
    order, = services.order_place(cart=cart, customer=user, guest=guest,
                                  slots={shop.pk: checkout_slots(shop=shop)[0].starts_at}, idempotency_key=uuid.uuid4())
    return order
