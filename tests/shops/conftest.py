"""Shops' test helpers: a small world in a territory, and clients signed in on its host."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category
from vitrine.shops.models import Commune, Shop, ShopMember
from vitrine.testing.factories import CommuneFactory, ShopFactory, UserFactory
from vitrine.testing.helpers import client_on

client_for = client_on  # a client on the territory's host, signed in as user (made in that territory) when given


@dataclass
class World:
    territory: object
    commune: Commune
    other_commune: Commune
    category: Category
    subcategory: Category
    staff: User
    owner: User
    employee: User
    shopper: User
    shop: Shop

    def client(self, user: User | None = None) -> Client:
        return client_for(self.territory, user)


def world_make(territory, *, prefix: str = "") -> World:
    """Communes, the seeded categories, staff, a shop with its owner and an employee, a shopper."""
    with tenant_context(territory):
        commune = CommuneFactory(name=f"{prefix}Nancy", postcode="54000")
        other = CommuneFactory(name=f"{prefix}Laxou", postcode="54520")
        category = Category.objects.get(slug="bijoux")
        subcategory = category.children.order_by("position").first()
        staff = UserFactory(role=User.Role.TERRITORY_STAFF, email=f"{prefix}staff@example.fr")
        owner = UserFactory(role=User.Role.MERCHANT, email=f"{prefix}owner@example.fr")
        shop = ShopFactory(name=f"{prefix}Bijouterie Stanislas", owner=owner, commune=commune, category=category)
        employee = UserFactory(role=User.Role.MERCHANT, email=f"{prefix}employee@example.fr")
        ShopMember.objects.create(shop=shop, user=employee, role=ShopMember.Role.EMPLOYEE)
        shopper = UserFactory(role=User.Role.SHOPPER, email=f"{prefix}shopper@example.fr")
        return World(territory, commune, other, category, subcategory, staff, owner, employee, shopper, shop)


@pytest.fixture
def world(nancy) -> World:
    return world_make(nancy)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def limoges_world(limoges) -> World:
    return world_make(limoges, prefix="L")


@pytest.fixture(name="client_for")
def client_for_fixture():
    """`client_for(territory, user=None)`: a client on the territory's host."""
    return client_for
