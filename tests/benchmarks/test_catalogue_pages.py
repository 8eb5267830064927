"""What the shoppers' catalogue pages cost on a big catalogue: 300 shops × 100 products.

The catalogue is made by `manage.py bench_catalogue_seed` (bulk inserts) in the session's
Nancy territory, inside the test's transaction (rolled back at the end). It is seeded in
two steps, so the same pages are measured on a small and on a big catalogue:

  1. two shops: shop 0 with 10 products, shop 1 with 100       (110 products)
  2. up to 300 shops with 100 products each, variants on 1 in 5 (about 30,000 products)

For the home page `/`, the storefront `/boutiques/<shop>/`, the product page
`/boutiques/<shop>/<product>/`, the search page and the cart (1 line; 10 lines from two
shops), it prints the SQL queries of one warm request; for the first three, the
server time (p50, p95) over BENCH_CATALOGUE_REQUESTS requests (200) after a warm-up,
rotating over random shops and products of the whole catalogue. Requests go through
Django's WSGI handler in this process (full middleware stack, Host header routing,
templates), with no network: the figures are server time.

Goals printed: storefront and product pages under 30 ms at p95. Timings are never
asserted; query counts are: they must not grow with the catalogue (small vs big shop,
small vs big territory).

Knobs: BENCH_CATALOGUE_SHOPS (300), BENCH_CATALOGUE_PRODUCTS (100), BENCH_CATALOGUE_REQUESTS (200).
"""

from __future__ import annotations

import html
import io
import os
import random
import statistics
import time

import pytest
from benchlib import machine_load, print_table
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django_tenants.utils import tenant_context

pytestmark = pytest.mark.django_db

SHOPS = int(os.environ.get("BENCH_CATALOGUE_SHOPS", "300"))
PRODUCTS = int(os.environ.get("BENCH_CATALOGUE_PRODUCTS", "100"))
REQUESTS = int(os.environ.get("BENCH_CATALOGUE_REQUESTS", "200"))
WARMUP = 20
GOAL_P95_MS = 30.0
SCHEMA = "nancy"


def _seed(shops: int) -> float:
    started = time.perf_counter()
    call_command(
        "bench_catalogue_seed", schema=SCHEMA, shops=shops, products=PRODUCTS, small_shops=1, stdout=io.StringIO()
    )
    connection.set_schema_to_public()
    return time.perf_counter() - started


def _catalogue(nancy) -> dict:
    from vitrine.catalog.models import Product
    from vitrine.devtools.bench import bench_shop_slug
    from vitrine.shops.models import Shop

    with tenant_context(nancy):
        shops = dict(Shop.objects.filter(slug__startswith="banc-essai-").values_list("slug", "pk"))
        products = list(
            Product.objects.filter(shop__slug__startswith="banc-essai-").values_list("shop__slug", "slug", "title")
        )
        variants = (
            Product.objects.filter(shop__slug__startswith="banc-essai-", variants__isnull=False).distinct().count()
        )
        return {
            "small": bench_shop_slug(0),
            "big": bench_shop_slug(1),
            "shops": sorted(shops),
            "products": products,
            "with_variants": variants,
            "by_shop": {
                slug: [p for p in products if p[0] == slug][:1] for slug in (bench_shop_slug(0), bench_shop_slug(1))
            },
        }


def _urls(catalogue: dict) -> dict[str, str]:
    small_product, big_product = catalogue["by_shop"][catalogue["small"]][0], catalogue["by_shop"][catalogue["big"]][0]
    return {
        "home": reverse("home"),
        "storefront, 10-product shop": reverse("shop_detail", kwargs={"shop": catalogue["small"]}),
        "storefront, 100-product shop": reverse("shop_detail", kwargs={"shop": catalogue["big"]}),
        "product, 10-product shop": reverse(
            "product_detail", kwargs={"shop": small_product[0], "product": small_product[1]}
        ),
        "product, 100-product shop": reverse(
            "product_detail", kwargs={"shop": big_product[0], "product": big_product[1]}
        ),
    }


def _queries(server, path: str, query: str = "", cookie: str = "") -> int:
    server.get(path, query, cookie)  # warm: routes, templates, connection
    with CaptureQueriesContext(connection) as captured:
        status, _body, _ms = server.get(path, query, cookie)
    assert status == 200, (path, status)
    return len(captured)


def _cart_cookie(nancy, shops: list[str], lines: int) -> str:
    """A visitor's session holding a cart of `lines` products spread over `shops`: the Cookie header."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from vitrine.catalog.models import Product
    from vitrine.orders.cart import CartError, cart_add, cart_create
    from vitrine.orders.views import SESSION_CART

    with tenant_context(nancy):
        cart = cart_create()
        for index, shop in enumerate(shops):
            wanted = 1 if index < len(shops) - 1 else lines - cart.lines.count()  # the last shop fills up
            for product in Product.objects.filter(shop__slug=shop, status="published").prefetch_related("variants"):
                if wanted == 0:
                    break
                variant = next((v for v in product.variants.all() if v.stock), None)
                try:
                    cart_add(cart=cart, product_id=product.pk, variant_id=variant.pk if variant else None)
                    wanted -= 1
                except CartError:  # out of stock, or a variant to choose: the next one
                    continue
        assert cart.lines.count() == lines and len(
            {line.product.shop_id for line in cart.lines.select_related("product")}
        ) == len(shops)
        session = SessionStore()
        session[SESSION_CART] = str(cart.token)
        session.create()
    connection.set_schema_to_public()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _search_queries(server) -> dict[str, int]:
    return {
        "search, one word": _queries(server, reverse("search"), "q=produit"),
        "search, filtered, page 2": _queries(server, reverse("search"), "q=produit&en_stock=1&page=2"),
    }


def _cart_queries(server, nancy) -> dict[str, int]:
    """The cart page, from one line to twenty lines from three shops (Click & Collect ones)."""
    from vitrine.devtools.bench import bench_shop_slug

    shops = [bench_shop_slug(index) for index in (1, 2, 4)]  # every third bench shop is showcase only
    return {
        "cart, 1 line": _queries(server, reverse("cart"), cookie=_cart_cookie(nancy, shops[:1], 1)),
        "cart, 10 lines from 2 shops": _queries(server, reverse("cart"), cookie=_cart_cookie(nancy, shops[:2], 10)),
        "cart, 20 lines from 3 shops": _queries(server, reverse("cart"), cookie=_cart_cookie(nancy, shops, 20)),
    }


def _timings(server, paths: list[str], check) -> tuple[float, float]:
    for path in paths[:WARMUP]:
        server.get(path)
    figures = []
    for path in paths[:REQUESTS]:
        status, body, ms = server.get(path)
        check(path, status, body)
        figures.append(ms)
    figures.sort()
    return statistics.median(figures), figures[min(len(figures) - 1, round(0.95 * len(figures)) - 1)]


def test_catalogue_pages_on_a_big_catalogue(nancy, server):
    try:
        reverse("shop_detail", kwargs={"shop": "x"}), reverse("product_detail", kwargs={"shop": "x", "product": "y"})
    except NoReverseMatch:
        pytest.skip("the storefront and product pages (shop_detail, product_detail) are not there yet")

    # given a small catalogue: a 10-product shop and a 100-product shop
    small_seconds = _seed(2)
    small = _catalogue(nancy)
    urls = _urls(small)
    # when each page is requested once, warm
    queries_small = {label: _queries(server, path) for label, path in urls.items()}
    queries_small.update(_search_queries(server))

    # given the big catalogue: up to SHOPS shops of PRODUCTS products
    big_seconds = _seed(SHOPS)
    big = _catalogue(nancy)
    queries_big = {label: _queries(server, path) for label, path in urls.items()}
    queries_big.update(_search_queries(server))
    queries_big.update(_cart_queries(server, nancy))

    # when random storefronts and product pages of the whole catalogue are served
    rng = random.Random(7)
    product_sample = rng.choices(big["products"], k=REQUESTS + WARMUP)
    shop_sample = rng.choices(big["shops"], k=REQUESTS + WARMUP)
    titles = {(shop, slug): title for shop, slug, title in big["products"]}

    def check_product(path, status, body):
        assert status == 200, (path, status)
        shop, slug = path.strip("/").split("/")[1:3]
        assert html.escape(titles[(shop, slug)]).encode() in body, path

    def check_ok(path, status, body):
        assert status == 200, (path, status)

    timings = {
        "home": _timings(server, [urls["home"]] * (REQUESTS + WARMUP), check_ok),
        "storefront": _timings(server, [reverse("shop_detail", kwargs={"shop": s}) for s in shop_sample], check_ok),
        "product": _timings(
            server,
            [reverse("product_detail", kwargs={"shop": s, "product": p}) for s, p, _t in product_sample],
            check_product,
        ),
    }

    # then: print the figures
    print_table(
        f"Catalogue seeding (bench_catalogue_seed, territory {SCHEMA})",
        ["step", "shops", "products", "with variants", "seconds"],
        [
            [
                "small catalogue",
                len(small["shops"]),
                len(small["products"]),
                small["with_variants"],
                f"{small_seconds:.1f}",
            ],
            ["big catalogue", len(big["shops"]), len(big["products"]), big["with_variants"], f"{big_seconds:.1f}"],
        ],
    )
    print_table(
        "SQL queries per page (one warm request)",
        ["page", f"{len(small['products'])} products", f"{len(big['products'])} products"],
        [[label, queries_small.get(label, "-"), queries_big[label]] for label in queries_big],
    )
    print_table(
        f"Server time on {len(big['products']):,} products ({REQUESTS} requests each after {WARMUP} warm-up, "
        "random shops and products, in-process WSGI)",
        ["page", "p50 ms", "p95 ms", "goal p95", "met"],
        [
            [
                page,
                f"{p50:.1f}",
                f"{p95:.1f}",
                "-" if page == "home" else f"{GOAL_P95_MS:.0f} ms",
                "-" if page == "home" else ("yes" if p95 < GOAL_P95_MS else "no"),
            ]
            for page, (p50, p95) in timings.items()
        ],
        notes=[machine_load(), "Timings are printed, never asserted."],
    )

    # and queries do not grow with the catalogue: a 10-product shop costs what a 100-product one does,
    # a territory of 110 products what one of 30,000 does
    assert queries_small["storefront, 10-product shop"] == queries_small["storefront, 100-product shop"]
    assert queries_small["product, 10-product shop"] == queries_small["product, 100-product shop"]
    carts = [count for label, count in queries_big.items() if label.startswith("cart")]
    assert carts == [carts[0]] * 3, carts
    assert {label: queries_big[label] for label in queries_small} == queries_small
