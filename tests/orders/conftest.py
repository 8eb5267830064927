"""Orders' fixtures: two shops open every day with a product each, a shopper, in Nancy."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context
from orders_helpers import shop_open_every_day

from vitrine.orders.models import Cart
from vitrine.testing.factories import ProductFactory, UserFactory


@pytest.fixture
def in_nancy(nancy):
    with tenant_context(nancy):
        yield nancy


@pytest.fixture
def two_shops(in_nancy):
    """Two shops with a product each (stock 5), and an empty cart."""
    bijoux = shop_open_every_day(name="Bijouterie Stanislas")
    deco = shop_open_every_day(name="Déco Saint-Epvre")
    ring = ProductFactory(shop=bijoux, title="Bague argent", stock=5)
    vase = ProductFactory(shop=deco, title="Vase en verre", stock=5)
    return {"bijoux": bijoux, "deco": deco, "ring": ring, "vase": vase, "cart": Cart.objects.create()}


@pytest.fixture
def shopper(in_nancy):
    return UserFactory(full_name="Claire Blaison", email="claire@example.fr")
