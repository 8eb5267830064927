"""Search speed on a big catalogue: full-text search vs a naive `icontains` scan.

The catalogue is made by `manage.py bench_catalogue_seed` in the session's Nancy territory
(300 shops × 100 products, about 30,000 published products), inside the test's transaction.
A mix of shoppers' queries (plain words, plurals, accents, word beginnings, shop and
category names, two words, a filter, a typo that finds nothing) is run:

  - through the selector `product_search` (facets, total, one page of 24 products);
  - through the page `/recherche/?q=...` (Django's WSGI handler in this process: the
    full middleware stack, routing by Host, templates; server time, no network);
  - as a naive scan: published products of approved shops whose title, description or
    shop name `icontains` each word, counted, then the newest 24 loaded the same way.

It prints p50/p95 of each and the naive/selector ratio (goal: at least 10×; the page goal
is under 20 ms at p95). Timings are never asserted; correctness is: the pages answer 200
and the selector finds what the naive scan finds for a plain word.

Knobs: BENCH_CATALOGUE_SHOPS (300), BENCH_CATALOGUE_PRODUCTS (100), BENCH_SEARCH_ROUNDS (20).
"""
from __future__ import annotations

import io
import os
import statistics
import time
from urllib.parse import urlencode

import pytest
from benchlib import machine_load, print_table
from django.core.management import call_command
from django.db import connection
from django.db.models import Prefetch, Q
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

pytestmark = pytest.mark.django_db

SHOPS = int(os.environ.get("BENCH_CATALOGUE_SHOPS", "300"))
PRODUCTS = int(os.environ.get("BENCH_CATALOGUE_PRODUCTS", "100"))
ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "20"))
GOAL_P95_MS = 20.0
GOAL_RATIO = 10.0
SCHEMA = "nancy"

QUERY_MIX = [
    {"q": "bijou"}, {"q": "bijoux"}, {"q": "deco"}, {"q": "vase"}, {"q": "savon"}, {"q": "miel"},
    {"q": "Comté"}, {"q": "fromagerie"}, {"q": "bougie parfumée"}, {"q": "pain campagne"},
    {"q": "confiture", "en_stock": "1"}, {"q": "theiere"}, {"q": "porcelaine", "prix_max": "50"},
    {"q": "mirab"}, {"q": "tasse"}, {"q": "jeu"}, {"q": "bijoox"}, {"q": "pastel"}, {"q": "roquefort"},
    {"q": "crème"},
]


def _naive(params: dict) -> tuple[int, list]:
    """What a first version would do: icontains on every word over title, description, shop name."""
    from vitrine.catalog.models import Product, ProductPhoto
    from vitrine.search.views import price_parse

    products = Product.objects.filter(status="published", shop__status="approved")
    for word in params["q"].split():
        products = products.filter(Q(title__icontains=word) | Q(description__icontains=word)
                                   | Q(shop__name__icontains=word) | Q(category__name__icontains=word))
    if params.get("en_stock"):
        products = products.filter(stock__gt=0)
    if params.get("prix_max"):
        products = products.filter(price__lte=price_parse(params["prix_max"]))
    total = products.count()
    page = list(products.select_related("shop", "category").prefetch_related(
        Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "id"))).order_by("-published_at")[:24])
    return total, page


def _selector(params: dict):
    from vitrine.search.selectors import SearchFilters, product_search
    from vitrine.search.views import price_parse

    filters = SearchFilters(in_stock=bool(params.get("en_stock")), price_max=price_parse(params.get("prix_max", "")))
    return product_search(query=params["q"], filters=filters)


def _percentiles(figures: list[float]) -> tuple[float, float]:
    figures = sorted(figures)
    return statistics.median(figures), figures[min(len(figures) - 1, round(0.95 * len(figures)) - 1)]


def _time(fn, mix: list[dict]) -> list[float]:
    figures = []
    for _round in range(ROUNDS):
        for params in mix:
            started = time.perf_counter()
            fn(params)
            figures.append((time.perf_counter() - started) * 1000)
    return figures


def test_search_speed_on_a_big_catalogue(nancy, server):
    from vitrine.catalog.models import Product
    from vitrine.search.selectors import pg_trgm_installed

    # given about 30,000 published products in 300 shops
    started = time.perf_counter()
    call_command("bench_catalogue_seed", schema=SCHEMA, shops=SHOPS, products=PRODUCTS, small_shops=1, stdout=io.StringIO())
    seed_seconds = time.perf_counter() - started
    connection.set_schema_to_public()

    with tenant_context(nancy):
        total_products = Product.objects.filter(status="published").count()
        trgm = pg_trgm_installed()
        # the selector finds what the naive scan finds, for a plain word (and more: "savons")
        for word in ("vase", "roquefort"):
            assert {p.pk for p in _naive({"q": word})[1]} <= {p.pk for p in _selector({"q": word}).products} or \
                _naive({"q": word})[0] <= _selector({"q": word}).total
        # warm both paths
        for params in QUERY_MIX:
            _selector(params), _naive(params)

        # when the query mix runs through the selector and through the naive scan
        selector_ms = _time(_selector, QUERY_MIX)
        naive_ms = _time(_naive, QUERY_MIX[:: max(1, len(QUERY_MIX) // 10)]) if ROUNDS else []
        per_query = []
        for params in QUERY_MIX:
            result = _selector(params)
            one = _percentiles(_time(_selector, [params]))
            per_query.append([urlencode(params), result.total, f"{one[0]:.1f}", f"{one[1]:.1f}"])

    # and through the page, with its query count
    def page(params):
        status, _body, ms = server.get("/recherche/", urlencode(params))
        assert status == 200, (params, status)
        return ms

    for params in QUERY_MIX:
        page(params)
    with CaptureQueriesContext(connection) as captured:
        page({"q": "bijou"})
    page_queries = len(captured)
    page_ms = []
    for _round in range(ROUNDS):
        for params in QUERY_MIX:
            page_ms.append(page(params))

    # then: print the figures (never asserted)
    s50, s95 = _percentiles(selector_ms)
    n50, n95 = _percentiles(naive_ms)
    p50, p95 = _percentiles(page_ms)
    print_table(
        f"Search on {total_products:,} published products (territory {SCHEMA}, seeded in {seed_seconds:.1f} s; "
        f"pg_trgm {'installed' if trgm else 'absent'}; {len(QUERY_MIX)} queries × {ROUNDS} rounds)",
        ["path", "p50 ms", "p95 ms", "goal", "met"],
        [
            ["naive icontains scan (count + page)", f"{n50:.1f}", f"{n95:.1f}", "-", "-"],
            ["product_search selector (facets + page)", f"{s50:.1f}", f"{s95:.1f}", f"{GOAL_RATIO:.0f}× naive",
             "yes" if n95 / max(s95, 0.001) >= GOAL_RATIO else "no"],
            [f"/recherche/ page, in-process WSGI ({page_queries} queries)", f"{p50:.1f}", f"{p95:.1f}",
             f"{GOAL_P95_MS:.0f} ms p95", "yes" if p95 < GOAL_P95_MS else "no"],
        ],
        notes=[f"ratio naive/selector: p50 {n50 / max(s50, 0.001):.1f}×, p95 {n95 / max(s95, 0.001):.1f}×",
               f"machine load: {machine_load()}"],
    )
    print_table("Per query (selector)", ["query", "results", "p50 ms", "p95 ms"], per_query)
