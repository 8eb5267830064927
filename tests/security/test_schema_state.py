"""What a connection carries from one territory to the next: the search path after an error,
after a pooled (persistent) connection is reused, and cache keys. Each case would leak one
territory's rows or cached pages into another's if it went wrong."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from vitrine.shops.models import Shop
from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import host_client


def _search_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0]


@pytest.fixture
def two_shops(committed):
    nancy, limoges = committed["nancy"], committed["limoges"]
    with tenant_context(nancy):
        in_nancy = ShopFactory(name="Boutique de Nancy seulement")
    with tenant_context(limoges):
        in_limoges = ShopFactory(name="Boutique de Limoges seulement")
    yield nancy, limoges
    for territory, shop in ((nancy, in_nancy), (limoges, in_limoges)):
        with tenant_context(territory):
            owner = shop.owner_user
            Shop.objects.filter(pk=shop.pk).delete()
            owner.delete()
    connection.set_schema_to_public()


def test_the_search_path_is_right_after_an_error_rolled_back_the_switch(two_shops):
    nancy, limoges = two_shops
    # given a connection last used for Limoges (autocommit: its search path stays set)
    connection.set_tenant(limoges)
    assert Shop.objects.filter(name__startswith="Boutique de Limoges").exists()

    # when Nancy's work starts in a transaction (the switch happens inside it) and fails,
    # rolling the transaction back, and with it a SET made inside it
    connection.set_tenant(nancy)
    with pytest.raises(DatabaseError), transaction.atomic():
        Shop.objects.count()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    # then the next query for Nancy reads Nancy's rows, never Limoges'
    names = set(Shop.objects.values_list("name", flat=True))
    assert "Boutique de Nancy seulement" in names and "Boutique de Limoges seulement" not in names
    assert _search_path().split(",")[0].strip() == "nancy"


def test_a_reused_connection_serves_each_territory_its_own_rows(two_shops):
    # given one persistent connection (CONN_MAX_AGE) serving both territories in turn, in-process
    nancy, limoges = two_shops
    client_nancy, client_limoges = host_client("nancy.localhost"), host_client("limoges.localhost")
    for _ in range(3):
        # when the requests alternate
        nancy_page = client_nancy.get("/boutiques/").text
        limoges_page = client_limoges.get("/boutiques/").text
        # then each sees its own shops only
        assert "Boutique de Nancy seulement" in nancy_page and "Boutique de Limoges seulement" not in nancy_page
        assert "Boutique de Limoges seulement" in limoges_page and "Boutique de Nancy seulement" not in limoges_page


def test_cache_keys_are_per_territory(nancy, limoges):
    # given the same key written in two territories
    with tenant_context(nancy):
        cache.set("security-probe", "nancy", 30)
    with tenant_context(limoges):
        # then Limoges does not read Nancy's value, and its own write does not overwrite it
        assert cache.get("security-probe") is None
        cache.set("security-probe", "limoges", 30)
    with tenant_context(nancy):
        assert cache.get("security-probe") == "nancy"
        cache.delete("security-probe")
    with tenant_context(limoges):
        assert cache.get("security-probe") == "limoges"
        cache.delete("security-probe")
