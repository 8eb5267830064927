"""What counting visits costs a page, what a flush costs, and what the merchant's statistics cost.

1. The storefront, asked BENCH_COUNTING_REQUESTS times (300) by a browser (counted: one Redis
   pipeline at the end of the request) and by a crawler (not counted), interleaved, through
   Django's WSGI handler in this process: server time p50/p95 and queries of each.
2. The buffer alone: one request's counts (2 rows) added, 1,000 times (one Redis round trip).
3. A flush of 20,000 distinct buffered rows into DailyCount (batched upserts).
4. The merchant's statistics over 90 days for one shop with a year of orders (3,000, one line
   each) and a year of counts (storefront, searches, 50 products a day), among 300 shops' counts.
5. The storefront with the counts' Redis blackholed (test_counting_with_redis_blackholed).

Needs REDIS_URL (the buffer of production). Timings are printed, never asserted; the query
counts are (the counted and the uncounted page ask the same).
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from benchlib import machine_load, print_table
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

pytestmark = pytest.mark.django_db

REQUESTS = int(os.environ.get("BENCH_COUNTING_REQUESTS", "300"))
BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def test_counting_cost(nancy, server):
    from vitrine.catalog.models import Product
    from vitrine.metrics import counting
    from vitrine.metrics.models import DailyCount
    from vitrine.metrics.services import daily_counts_flush
    from vitrine.orders.models import Order, OrderLine
    from vitrine.pro.statistics import shop_statistics
    from vitrine.shops.opening import territory_today
    from vitrine.testing.factories import ProductFactory, ShopFactory, VariantFactory

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the buffer would be this process's memory")
    counting.buffer_discard(schema_name="nancy")
    with tenant_context(nancy):
        shop = ShopFactory()
        products = [ProductFactory(shop=shop, title=f"Article {i}") for i in range(50)]
        VariantFactory(product=products[0])
    connection.set_schema_to_public()
    path = f"/boutiques/{shop.slug}/"

    # 1. the page, counted and not
    timings: dict[str, list[float]] = {"browser": [], "crawler": []}
    for _ in range(20):
        server.get(path, agent=BROWSER)
        server.get(path, agent=CRAWLER)
    for _ in range(REQUESTS):
        for who, agent in (("browser", BROWSER), ("crawler", CRAWLER)):
            status, _body, ms = server.get(path, agent=agent)
            assert status == 200
            timings[who].append(ms)
    queries = {}
    for who, agent in (("browser", BROWSER), ("crawler", CRAWLER)):
        with CaptureQueriesContext(connection) as captured:
            server.get(path, agent=agent)
        queries[who] = len(captured)
    assert queries["browser"] == queries["crawler"]
    rows = [
        (who, f"{statistics.median(t):.2f} ms", f"{_p(t, 0.95):.2f} ms", queries[who]) for who, t in timings.items()
    ]

    # 2. the buffer alone
    day = territory_today().isoformat()
    adds = []
    for i in range(1000):
        started = time.perf_counter()
        counting.buffer_add(
            schema_name="nancy", rows=[(day, "page", None, "storefront"), (day, "storefront", i % 50, "")]
        )
        adds.append((time.perf_counter() - started) * 1000)
    print_table(
        f"Counting visits: the storefront, {REQUESTS} requests each, interleaved",
        ["client", "p50", "p95", "queries"],
        rows,
        [
            f"buffer alone (2 rows, one pipeline): p50 {statistics.median(adds) * 1000:.0f} µs, "
            f"p95 {_p(adds, 0.95) * 1000:.0f} µs",
            machine_load(),
        ],
    )

    # 3. a flush of 20,000 distinct rows
    counting.buffer_discard(schema_name="nancy")
    counting.buffer_add(schema_name="nancy", rows=[(day, "product", 1, str(n)) for n in range(20_000)])
    with tenant_context(nancy):
        started = time.perf_counter()
        written = daily_counts_flush()
        flush_ms = (time.perf_counter() - started) * 1000
    assert written == 20_000

    # 4. the merchant's statistics on a year of one shop, among 300 shops' counts
    with tenant_context(nancy):
        today = territory_today()
        DailyCount.objects.filter(kind="product").delete()
        counts = []
        for back in range(365):
            d = today - timedelta(days=back)
            counts.append(DailyCount(day=d, kind="storefront", shop_id=shop.pk, count=30))
            counts.append(DailyCount(day=d, kind="search_shop", shop_id=shop.pk, count=8))
            counts += [DailyCount(day=d, kind="product", shop_id=shop.pk, key=str(p.pk), count=3) for p in products]
            counts += [DailyCount(day=d, kind="storefront", shop_id=10_000 + s, count=5) for s in range(300)]
        DailyCount.objects.bulk_create(counts, batch_size=5000)
        now = datetime.now(tz=ZoneInfo(nancy.time_zone))
        statuses = ["collected"] * 7 + ["not_collected", "refused", "placed"]
        orders = [
            Order(
                shop=shop,
                customer_name="Banc d'essai",
                email="banc@example.fr",
                status=statuses[i % 10],
                pickup_code=f"B{i:05d}",
                pickup_starts_at=now,
                pickup_ends_at=now,
                total=Decimal("19.00"),
                idempotency_key=uuid.uuid4(),
                collected_at=now - timedelta(hours=i * 3) if statuses[i % 10] == "collected" else None,
            )
            for i in range(3000)
        ]
        Order.objects.bulk_create(orders, batch_size=1000)
        Order.objects.filter(shop=shop).update(created_at=now - timedelta(days=1))
        OrderLine.objects.bulk_create(
            OrderLine(order=o, product=products[i % 50], title="x", unit_price=Decimal("19.00"), quantity=1)
            for i, o in enumerate(orders)
        )
        connection.cursor().execute("ANALYZE")
        shop_statistics(shop=shop, days=90)
        stats_ms = []
        for _ in range(30):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                shop_statistics(shop=shop, days=90)
            stats_ms.append((time.perf_counter() - started) * 1000)
        assert Product.objects.filter(shop=shop).count() == 50
    print_table(
        "Flush and the merchant's statistics",
        ["what", "p50", "p95", "queries"],
        [
            ("flush of 20,000 buffered rows", f"{flush_ms:.0f} ms", "–", "–"),
            (
                f"statistics, 90 days ({len(counts):,} counts, 3,000 orders)",
                f"{statistics.median(stats_ms):.1f} ms",
                f"{_p(stats_ms, 0.95):.1f} ms",
                len(captured),
            ),
        ],
        [machine_load()],
    )
    counting.buffer_discard(schema_name="nancy")


def test_counting_with_redis_blackholed(nancy, server):
    """5. The storefront while the counts' Redis takes connections and never answers (a blackhole).

    Before the circuit breaker every page waited for the client's timeout (0.5 s); now the first
    page after a failure waits, the next ones skip Redis for BREAKER_SECONDS.
    """
    import socket

    from vitrine.metrics import counting
    from vitrine.testing.factories import ShopFactory

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the buffer would be this process's memory")
    with tenant_context(nancy):
        shop = ShopFactory()
    path = f"/boutiques/{shop.slug}/"
    for _ in range(5):
        server.get(path, agent=BROWSER)
    answering = [server.get(path, agent=BROWSER)[2] for _ in range(20)]
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)
    working, counting._buffer = counting._buffer, counting.RedisBuffer(f"redis://127.0.0.1:{hole.getsockname()[1]}/0")
    try:
        blackholed = [server.get(path, agent=BROWSER)[2] for _ in range(20)]
    finally:
        counting._buffer = working
        hole.close()
    print_table(
        "The storefront with the counts' Redis blackholed (20 requests each)",
        ["Redis", "first page", "p50 after", "max after"],
        [
            (
                "answering",
                f"{answering[0]:.0f} ms",
                f"{statistics.median(answering[1:]):.0f} ms",
                f"{max(answering[1:]):.0f} ms",
            ),
            (
                "blackholed",
                f"{blackholed[0]:.0f} ms",
                f"{statistics.median(blackholed[1:]):.0f} ms",
                f"{max(blackholed[1:]):.0f} ms",
            ),
        ],
        [machine_load()],
    )
