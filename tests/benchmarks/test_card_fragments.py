"""What the cards' fragment cache saves when a page is drawn (issue #14): A/B in one process.

The catalogue is `bench_catalogue_seed`'s (300 shops x 100 products, in the session's Nancy, inside
the test's transaction). The page cache is off (VITRINE_PAGE_CACHE_SECONDS = 0): every request draws
its page, through Django's WSGI handler in this process (server time, no network). Each address is
asked twice in a row, once with the "fragments" cache as configured (LocMemCache, warmed by one
pass over every address first) and once with Django's DummyCache in its place (every card drawn),
in alternating order, so that load elsewhere on the machine hits both alike. Prints p50/p95 of
each and the difference. Timings are printed, never asserted.

Knobs: BENCH_CATALOGUE_SHOPS (300), BENCH_CATALOGUE_PRODUCTS (100), BENCH_FRAGMENT_ROUNDS (3 passes).
"""

from __future__ import annotations

import io
import os
import random
import statistics

import pytest
from benchlib import machine_load, print_table
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

pytestmark = pytest.mark.django_db

SHOPS = int(os.environ.get("BENCH_CATALOGUE_SHOPS", "300"))
PRODUCTS = int(os.environ.get("BENCH_CATALOGUE_PRODUCTS", "100"))
ROUNDS = int(os.environ.get("BENCH_FRAGMENT_ROUNDS", "3"))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def test_card_fragments_on_and_off(nancy, server, settings):
    from vitrine.catalog.models import Category, Product
    from vitrine.devtools.bench import bench_shop_slug

    call_command("bench_catalogue_seed", schema="nancy", shops=SHOPS, products=PRODUCTS, stdout=io.StringIO())
    connection.set_schema_to_public()
    with tenant_context(nancy):
        products = Product.objects.filter(shop__slug__startswith="banc-essai-").count()
        top = [c.slug for c in Category.objects.filter(parent__isnull=True)[:6]]
    connection.set_schema_to_public()
    rng = random.Random(14)
    pages = {
        "storefront (30 of 300, random)": [
            (f"/boutiques/{bench_shop_slug(i)}/", "") for i in rng.sample(range(1, SHOPS), 30)
        ],
        "search, one word": [("/recherche/", f"q={w}") for w in ("bijou", "vase", "savon", "miel", "tasse", "jeu")],
        "category (top level)": [(f"/categories/{slug}/", "") for slug in top],
        "shop list": [("/boutiques/", ""), ("/boutiques/", "page=2"), ("/boutiques/", "page=3")],
        "home": [("/", "")],
    }
    settings.VITRINE_PAGE_CACHE_SECONDS = 0
    on_caches = settings.CACHES
    off_caches = {**on_caches, "fragments": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    def get(path: str, query: str, fragments: bool) -> float:
        settings.CACHES = on_caches if fragments else off_caches
        status, body, ms = server.get(path, query)
        assert status == 200, (path, query, status)
        assert b"vitrine-personal" not in body
        return ms

    for addresses in pages.values():  # warm: templates, routes, the "on" cards
        for path, query in addresses:
            get(path, query, True)
            get(path, query, False)
    figures: dict[str, dict[bool, list[float]]] = {label: {True: [], False: []} for label in pages}
    for round_ in range(ROUNDS):
        for label, addresses in pages.items():
            for index, (path, query) in enumerate(addresses):
                first = (index + round_) % 2 == 0
                for fragments in (first, not first):
                    figures[label][fragments].append(get(path, query, fragments))
    settings.CACHES = on_caches

    rows = []
    for label, by_mode in figures.items():
        on, off = by_mode[True], by_mode[False]
        rows.append(
            [
                label,
                len(on),
                f"{statistics.median(off):.1f}",
                f"{_p95(off):.1f}",
                f"{statistics.median(on):.1f}",
                f"{_p95(on):.1f}",
                f"{statistics.median(off) - statistics.median(on):+.1f}",
            ]
        )
    print_table(
        f"Pages drawn (page cache off) on {products:,} products: card fragments kept vs not (in-process)",
        ["page", "requests", "no fragments p50", "p95", "fragments p50", "p95", "saved at p50 ms"],
        rows,
        notes=[machine_load(), "each address asked with and without, alternating; timings printed, never asserted"],
    )
