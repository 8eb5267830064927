"""Accounts' test helpers: a shop that takes orders, orders placed for an account, clients on a host."""

from __future__ import annotations

import uuid

from vitrine.orders.cart import cart_add, cart_create
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots
from vitrine.testing.factories import ProductFactory, shop_open_every_day  # noqa: F401 (for the tests)
from vitrine.testing.helpers import client_on  # noqa: F401 (for the tests)

PASSWORD = "correct-horse-battery"  # the factories' password


def order_place_for(
    user, shop, *, title: str = "Bague argent", quantity: int = 1, stock: int = 5, phone: str = "06 12 34 56 78"
) -> Order:
    """A placed order of one product at the shop, by the account (in the current schema)."""
    cart = cart_create(user=user) if user is not None else Cart.objects.create()
    product = ProductFactory(shop=shop, title=title, stock=stock)
    cart_add(cart=cart, product_id=product.pk, quantity=quantity)
    guest = Guest(
        name=user.full_name if user else "Invité", email=user.email if user else "guest@example.fr", phone=phone
    )
    (order,) = order_place(
        cart=cart,
        customer=user,
        guest=guest,
        slots={shop.pk: checkout_slots(shop=shop)[0].starts_at},
        idempotency_key=uuid.uuid4(),
    )
    return order
