"""Security tests' fixtures: local media in a temporary folder, a nancy shop and its owner's client."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category
from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import client_on


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def nancy_shop(nancy, media):
    """An approved shop in nancy, with `shop.client` signed in as its owner."""
    with tenant_context(nancy):
        shop = ShopFactory(category=Category.objects.get(slug="decoration"))
    shop.client = client_on(nancy, shop.owner_user)
    return shop
