"""Search speed on a big catalogue: full-text search vs a naive `icontains` scan.

The catalogue is made by `manage.py bench_catalogue_seed` in the session's Nancy territory
(300 shops × 100 products, about 30,000 published products), inside the test's transaction.
A mix of shoppers' queries (plain words, plurals, accents, word beginnings, shop and
category names, two words, filters, a typo that finds nothing) is run:

  - through the selector `product_search` (total, facets, one page of 24 products);
  - through the page `/recherche/?q=...` (Django's WSGI handler in this process: the
    full middleware stack, routing by Host, the view and its template; server time, no
    network), with the number of SQL queries it makes;
  - as a naive scan, what a first version would do: published products of approved shops
    whose title, description, shop name or category name `icontains` each word, with the
    same filters (price; in stock, variants and "on request" included), counted, then
    the newest 24 loaded the same way (shop, photos). It computes no facets and no
    ranking, so the ratio understates what the search saves.

Then a few broad queries (a word in every description or every shop's name: 30,000
matches), which the search answers from a bounded set ("more than 1,000").

The figures come from PASSES passes over the mix (paths interleaved, so that a burst of
load elsewhere hits all of them); each table shows every pass and the best one, with the
load average. It prints p50/p95 of each path and the naive/selector and naive/page ratios
(goals: at least 10×; the page under 20 ms at p95). Timings are never asserted;
correctness is: the pages answer 200, and the search finds what the naive scan finds.

Knobs: BENCH_CATALOGUE_SHOPS (300), BENCH_CATALOGUE_PRODUCTS (100), BENCH_SEARCH_ROUNDS (10
rounds of the mix per pass), BENCH_SEARCH_PASSES (3), BENCH_NAIVE_ROUNDS (2 per pass).
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
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

pytestmark = pytest.mark.django_db

SHOPS = int(os.environ.get("BENCH_CATALOGUE_SHOPS", "300"))
PRODUCTS = int(os.environ.get("BENCH_CATALOGUE_PRODUCTS", "100"))
ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "10"))
PASSES = int(os.environ.get("BENCH_SEARCH_PASSES", "3"))
NAIVE_ROUNDS = int(os.environ.get("BENCH_NAIVE_ROUNDS", "2"))
GOAL_P95_MS = 20.0
GOAL_RATIO = 10.0
SCHEMA = "nancy"

QUERY_MIX = [
    {"q": "bijou"},
    {"q": "bijoux"},
    {"q": "deco"},
    {"q": "vase"},
    {"q": "savon"},
    {"q": "miel"},
    {"q": "Comté"},
    {"q": "fromagerie"},
    {"q": "bougie parfumée"},
    {"q": "pain campagne"},
    {"q": "confiture", "en_stock": "1"},
    {"q": "theiere"},
    {"q": "porcelaine", "prix_max": "50"},
    {"q": "mirab"},
    {"q": "tasse"},
    {"q": "jeu"},
    {"q": "bijoox"},
    {"q": "pastel"},
    {"q": "roquefort"},
    {"q": "crème"},
]
BROAD = [{"q": "produit"}, {"q": "essai"}, {"q": "boutique", "en_stock": "1"}, {"q": "produit", "page": "3"}]


def _price(params: dict, name: str):
    from vitrine.search.views import price_filter_parse

    return price_filter_parse(params.get(name, ""))


def _naive(params: dict) -> tuple[int, list]:
    """What a first version would do: icontains on every word over the product's and its shop's and category's text."""
    from vitrine.catalog.models import Product, ProductPhoto, Variant

    products = Product.objects.filter(status="published", shop__status="approved")
    for word in params["q"].split():
        products = products.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(shop__name__icontains=word)
            | Q(category__name__icontains=word)
        )
    if params.get("en_stock"):
        products = products.filter(
            Q(availability="on_request")
            | Q(stock__gt=0)
            | Exists(Variant.objects.filter(product=OuterRef("pk"), stock__gt=0))
        )
    if (price_min := _price(params, "prix_min")) is not None:
        products = products.filter(price__gte=price_min)
    if (price_max := _price(params, "prix_max")) is not None:
        products = products.filter(price__lte=price_max)
    total = products.count()
    page = int(params.get("page", "1"))
    page_products = list(
        products.select_related("shop")
        .prefetch_related(Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "id")))
        .order_by("-published_at", "-id")[(page - 1) * 24 : page * 24]
    )
    return total, page_products


def _selector(params: dict):
    from vitrine.search.selectors import SearchFilters, product_search

    filters = SearchFilters(
        in_stock=bool(params.get("en_stock")),
        price_min=_price(params, "prix_min"),
        price_max=_price(params, "prix_max"),
    )
    return product_search(query=params["q"], filters=filters, page=int(params.get("page", "1")))


def _percentiles(figures: list[float]) -> tuple[float, float]:
    figures = sorted(figures)
    return statistics.median(figures), figures[min(len(figures) - 1, round(0.95 * len(figures)) - 1)]


def _timed(fn, params: dict) -> float:
    started = time.perf_counter()
    fn(params)
    return (time.perf_counter() - started) * 1000


def _queries(server, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        status, _body, _ms = server.get("/recherche/", urlencode(params))
    assert status == 200
    return len(captured)


def test_search_speed_on_a_big_catalogue(nancy, server):
    from vitrine.catalog.models import Product
    from vitrine.search.selectors import COUNT_LIMIT
    from vitrine.search.suggestions import pg_trgm_installed

    # given about 30,000 published products in 300 shops
    started = time.perf_counter()
    call_command(
        "bench_catalogue_seed", schema=SCHEMA, shops=SHOPS, products=PRODUCTS, small_shops=1, stdout=io.StringIO()
    )
    seed_seconds = time.perf_counter() - started
    connection.set_schema_to_public()

    def page(params: dict) -> float:
        status, _body, ms = server.get("/recherche/", urlencode(params))
        assert status == 200, (params, status)
        return ms

    with tenant_context(nancy):
        total_products = Product.objects.filter(status="published").count()
        trgm = pg_trgm_installed()
        # the search finds what the naive scan finds, for plain words (and more: "savons", "Vases")
        for word in ("vase", "roquefort", "savon"):
            naive_total, _naive_page = _naive({"q": word})
            found = _selector({"q": word})
            assert found.more_than_limit or naive_total <= found.total, (word, naive_total, found.total)
        # warm every path
        for params in QUERY_MIX + BROAD:
            _selector(params), _naive(params)
    for params in QUERY_MIX + BROAD:
        page(params)

    # when the query mix runs through the selector, the page and the naive scan, in passes
    passes = []
    for _pass in range(PASSES):
        selector_ms, page_ms, naive_ms = [], [], []
        for round_ in range(ROUNDS):
            for params in QUERY_MIX:
                with tenant_context(nancy):
                    selector_ms.append(_timed(_selector, params))
                    if round_ < NAIVE_ROUNDS:
                        naive_ms.append(_timed(_naive, params))
                page_ms.append(page(params))
        passes.append(
            {
                "selector": _percentiles(selector_ms),
                "page": _percentiles(page_ms),
                "naive": _percentiles(naive_ms),
                "load": os.getloadavg()[0],
            }
        )
    broad_ms: dict[str, list[float]] = {urlencode(params): [] for params in BROAD}
    for _round in range(ROUNDS):
        for params in BROAD:
            broad_ms[urlencode(params)].append(page(params))

    per_query = []
    with tenant_context(nancy):
        for params in QUERY_MIX + BROAD:
            result = _selector(params)
            one = _percentiles([_timed(_selector, params) for _round in range(ROUNDS)])
            per_query.append(
                [
                    urlencode(params),
                    f">{COUNT_LIMIT:,}" if result.more_than_limit else f"{result.total:,}",
                    f"{one[0]:.1f}",
                    f"{one[1]:.1f}",
                ]
            )
    queries = {
        "a word (narrow)": _queries(server, {"q": "bijou"}),
        "a word and filters": _queries(server, {"q": "confiture", "en_stock": "1", "prix_max": "50"}),
        "a broad word (more than 1,000)": _queries(server, {"q": "produit"}),
        "nothing found (suggestions)": _queries(server, {"q": "bijoox"}),
        "no words (popular categories)": _queries(server, {}),
    }

    # then: print the figures (never asserted)
    best = min(passes, key=lambda p: p["page"][1])
    s50, s95 = best["selector"]
    p50, p95 = best["page"]
    n50, n95 = best["naive"]
    print_table(
        f"Search on {total_products:,} published products (territory {SCHEMA}, seeded in {seed_seconds:.1f} s; "
        f"pg_trgm {'installed' if trgm else 'absent'}; {len(QUERY_MIX)} queries × {ROUNDS} rounds × {PASSES} passes)",
        ["pass", "selector p50", "p95", "page p50", "p95", "naive p50", "p95", "load"],
        [
            [
                str(number + 1),
                *(f"{figure:.1f}" for path in ("selector", "page", "naive") for figure in p[path]),
                f"{p['load']:.2f}",
            ]
            for number, p in enumerate(passes)
        ],
        notes=["milliseconds; the naive scan runs 2 rounds of the mix per pass"],
    )
    print_table(
        f"Best pass (lowest page p95): {len(QUERY_MIX)} queries",
        ["path", "p50 ms", "p95 ms", "goal", "met"],
        [
            ["naive icontains scan (count + page)", f"{n50:.1f}", f"{n95:.1f}", "-", "-"],
            [
                "product_search selector (total, facets, page)",
                f"{s50:.1f}",
                f"{s95:.1f}",
                f"{GOAL_RATIO:.0f}× naive",
                "yes" if n95 / max(s95, 0.001) >= GOAL_RATIO else "no",
            ],
            [
                f"/recherche/ page, in-process WSGI ({queries['a word (narrow)']} queries)",
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{GOAL_P95_MS:.0f} ms p95",
                "yes" if p95 < GOAL_P95_MS else "no",
            ],
        ],
        notes=[
            f"ratio naive/selector: p50 {n50 / max(s50, 0.001):.1f}×, p95 {n95 / max(s95, 0.001):.1f}×",
            f"ratio naive/page: p50 {n50 / max(p50, 0.001):.1f}×, p95 {n95 / max(p95, 0.001):.1f}×",
            f"load average of that pass {best['load']:.2f}; {machine_load()}",
        ],
    )
    print_table("SQL queries per search page", ["search", "queries"], [[k, str(v)] for k, v in queries.items()])
    print_table(
        "Broad queries, page (answered from a bounded set)",
        ["query", "p50 ms", "p95 ms"],
        [[query, *(f"{figure:.1f}" for figure in _percentiles(figures))] for query, figures in broad_ms.items()],
    )
    print_table("Per query (selector)", ["query", "results", "p50 ms", "p95 ms"], per_query)
