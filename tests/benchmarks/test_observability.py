"""What seeing costs: the request metrics on every page, and a Prometheus scrape at 1,000 territories.

1. Nancy's home page through Django's WSGI handler in this process, BENCH_OBSERVABILITY_REQUESTS
   times (300) with the request metrics middleware and as many without, interleaved: p50/p95 and
   the ratio; then the middleware's metric updates alone, 20,000 times (µs per request).
2. GET /metrics with 1,000 territories' figures (tenancy.TerritoryHealth rows, the public schema
   only): median and max of 20 scrapes, and its queries.

Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid

import pytest
from benchlib import machine_load, print_table
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from conftest import Server

pytestmark = pytest.mark.django_db

REQUESTS = int(os.environ.get("BENCH_OBSERVABILITY_REQUESTS", "300"))
TERRITORIES = 1000
METRICS = "vitrine.metrics.prometheus.RequestMetricsMiddleware"


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def test_request_metrics_cost_and_scrape_at_a_thousand_territories(nancy, server, settings):
    from vitrine.tenancy.models import Territory, TerritoryHealth

    # 1. the page with and without the middleware
    without = [m for m in settings.MIDDLEWARE if m != METRICS]
    with override_settings(MIDDLEWARE=without):
        bare = Server(server.host)
    measured: dict[str, list[float]] = {"with metrics": [], "without": []}
    for _ in range(20):
        server.get("/")
        bare.get("/")
    for _ in range(REQUESTS):
        for label, target in (("with metrics", server), ("without", bare)):
            status, _body, ms = target.get("/")
            assert status == 200
            measured[label].append(ms)
    p50 = {label: statistics.median(values) for label, values in measured.items()}
    print_table(
        f"Home page, {REQUESTS} requests each, interleaved (ms, in-process WSGI)",
        ["middleware", "p50", "p95"],
        [(label, f"{p50[label]:.2f}", f"{_p(values, 0.95):.2f}") for label, values in measured.items()],
        [f"ratio p50 with/without: {p50['with metrics'] / p50['without']:.3f}", machine_load()],
    )

    # 1b. the middleware's own work alone: one request's counter, histogram and summary updates
    from vitrine.metrics import prometheus

    rounds = 20_000
    started = time.perf_counter()
    for _ in range(rounds):
        prometheus.REQUESTS.labels(territory="nancy", status="2xx").inc()
        prometheus.LATENCY.labels(view="home").observe(0.03)
        prometheus.TERRITORY_LATENCY.labels(territory="nancy").observe(0.03)
    per_request_us = (time.perf_counter() - started) / rounds * 1e6
    print_table(
        f"Metric updates of one request, {rounds} times",
        ["µs per request"],
        [(f"{per_request_us:.1f}",)],
        [
            f"against the page's p50 of {p50['without']:.1f} ms: {per_request_us / 10 / p50['without']:.2f} %",
            machine_load(),
        ],
    )

    # 2. a scrape with 1,000 territories' figures (rows only: no schema is made)
    connection.set_schema_to_public()
    now = timezone.now()
    territories = Territory.objects.bulk_create(
        Territory(schema_name=f"bench_{uuid.uuid4().hex[:10]}", name=f"Territoire {n}") for n in range(TERRITORIES)
    )
    TerritoryHealth.objects.bulk_create(
        TerritoryHealth(territory=t, outbox_pending=n % 7, orders_week=n % 50, computed_at=now)
        for n, t in enumerate(territories)
    )
    settings.VITRINE_METRICS_TOKEN = "bench"
    settings.VITRINE_METRICS_MAX_TERRITORIES = 5000
    scraper = Server("10.0.0.1:8000")
    timings, size = [], 0
    for _ in range(20):
        status, body, ms = scraper_get(scraper)
        assert status == 200
        timings.append(ms)
        size = len(body)
    with CaptureQueriesContext(connection) as captured:
        scraper_get(scraper)
    lines = body.decode().count("\nvitrine_outbox_pending{")
    assert lines >= TERRITORIES
    print_table(
        f"GET /metrics with {TERRITORIES} territories' figures, 20 scrapes",
        ["median ms", "max ms", "queries", "bytes"],
        [(f"{statistics.median(timings):.1f}", f"{max(timings):.1f}", len(captured), size)],
        [machine_load()],
    )


def scraper_get(scraper: Server) -> tuple[int, bytes, float]:
    """(status, body, milliseconds) of GET /metrics with the bearer token, in-process."""
    return scraper.get("/metrics", headers={"HTTP_AUTHORIZATION": "Bearer bench"})
