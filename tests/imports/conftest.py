"""Fixtures for catalogue import tests: a shop in nancy and its signed-in owner."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import client_on

_signed_in = client_on


@pytest.fixture
def merchant_client():
    """`merchant_client(territory, user)`: a client on the territory's host, signed in as user."""
    return _signed_in


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def nancy_shop(nancy, media):
    """An approved shop in nancy (its category: décoration) and a client signed in as its owner."""
    from vitrine.catalog.models import Category

    with tenant_context(nancy):
        shop = ShopFactory(category=Category.objects.get(slug="decoration"))
    shop.client = _signed_in(nancy, shop.owner_user)
    return shop
