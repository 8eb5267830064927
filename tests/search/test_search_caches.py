"""The search's per-process caches (category tree, names' words) keep a bounded number of
territories, the least recently used evicted first, and never serve a stale value."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from vitrine.search import tree
from vitrine.search.cache import TerritoryCache
from vitrine.search.selectors import SearchFilters, product_search
from vitrine.testing.factories import ProductFactory, ShopFactory


def test_past_its_size_the_cache_evicts_the_territory_used_least_recently():
    # given a cache of 3 territories, the first one used again after the others
    cache = TerritoryCache(max_entries=3)
    for schema in ("t1", "t2", "t3"):
        cache.put(schema, "v1", f"{schema} value")
    assert cache.get("t1", "v1") == "t1 value"

    # when two more territories are cached
    cache.put("t4", "v1", "t4 value")
    cache.put("t5", "v1", "t5 value")

    # then it holds 3, and the two oldest unused ones went first
    assert len(cache) == 3
    assert cache.schemas() == ["t1", "t4", "t5"]
    assert cache.get("t2", "v1") is None and cache.get("t3", "v1") is None
    assert cache.get("t1", "v1") == "t1 value"


def test_the_cache_answers_only_for_the_version_it_was_built_from():
    # given a territory's value built from version 1
    cache = TerritoryCache(max_entries=3)
    cache.put("t1", "v1", "old")

    # when the content changes (another version is asked for), then rebuilt
    stale = cache.get("t1", "v2")
    cache.put("t1", "v2", "new")

    # then the old value is never served, and the new one replaces it
    assert stale is None
    assert cache.get("t1", "v2") == "new" and cache.get("t1", "v1") is None
    assert len(cache) == 1


def test_the_cache_stays_within_its_size_under_threads():
    # given a small cache and 8 threads caching 200 territories each
    cache = TerritoryCache(max_entries=16)

    def fill(thread: int) -> None:
        for index in range(200):
            cache.put(f"t{thread}-{index}", 1, index)
            cache.get(f"t{thread}-{index // 2}", 1)

    # when they run at once
    threads = [threading.Thread(target=fill, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then it never holds more than its size
    assert len(cache) == 16


def test_a_size_below_one_is_refused():
    with pytest.raises(ValueError):
        TerritoryCache(max_entries=0)


def test_an_evicted_territory_rebuilds_its_tree_once(nancy, limoges, monkeypatch):
    # given a tree cache of one territory, and a match in each of two territories
    monkeypatch.setattr(tree, "_trees", TerritoryCache(max_entries=1))
    for territory in (nancy, limoges):
        with tenant_context(territory):
            ProductFactory(title="Bol en grès")
            product_search(query="bol", filters=SearchFilters())

    # when Nancy searches again after Limoges took its place, then once more
    with tenant_context(nancy):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the search path set to Nancy's schema, not counted below
        with CaptureQueriesContext(connection) as evicted:
            product_search(query="bol", filters=SearchFilters())
        with CaptureQueriesContext(connection) as cached:
            product_search(query="bol", filters=SearchFilters())

    # then its tree is read again once (one query more), then served from the cache
    assert (len(evicted), len(cached)) == (3, 2)
    assert tree._trees.schemas() == ["nancy"]


def test_a_renamed_shop_changes_the_suggested_words_at_once(nancy):
    with tenant_context(nancy):
        # given an approved shop whose name gives a suggestion for a misspelt word
        shop = ShopFactory(name="Horlogerie Zéphyr")
        before = product_search(query="zephir", filters=SearchFilters())

        # when staff rename it, and a shopper misspells its new name
        shop.name = "Horlogerie Mistral"
        shop.save(update_fields=["name"])
        after = product_search(query="zephir", filters=SearchFilters())
        renamed = product_search(query="mistrall", filters=SearchFilters())

    # then the cached words follow the names: the old word is gone, the new one suggested
    assert ("query", "zephyr") in [(s.kind, s.value) for s in before.suggestions]
    assert ("query", "zephyr") not in [(s.kind, s.value) for s in after.suggestions]
    assert ("query", "mistral") in [(s.kind, s.value) for s in renamed.suggestions]
