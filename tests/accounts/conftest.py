"""Accounts' fixtures: a shop in Nancy that takes orders, and a shopper with a password."""

from __future__ import annotations

import pytest
from accounts_helpers import shop_open_every_day
from django_tenants.utils import tenant_context

from vitrine.testing.factories import UserFactory


@pytest.fixture
def in_nancy(nancy):
    with tenant_context(nancy):
        yield nancy


@pytest.fixture
def shop(in_nancy):
    return shop_open_every_day(name="Bijouterie Stanislas", phone="03 83 00 00 00")


@pytest.fixture
def shopper(in_nancy):
    return UserFactory(full_name="Claire Blaison", email="claire@example.fr")
