"""The console's territories at a glance with 3,000 territories: server time of the list (p50, p95).

Builds 3,000 territory rows and their health rows (no schemas: the list never reads one, the
periodic task computes the rows), then requests the list as a signed-in operator, in-process
(Django's WSGI handler in a loop, conftest.Server), BENCH_CONSOLE_REQUESTS times (20) after two
warm-up requests, for: the first page by name, sorted by orders of the week, by last activity,
a search by name, a search by domain, and a page in the middle. It prints the queries of one
request of each (the same whatever the number of territories) and p50/p95. Timings are printed,
never asserted. About 15 seconds.
"""

from __future__ import annotations

import os
import random
import statistics
from datetime import timedelta

from benchlib import machine_load, print_table
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import Server
from vitrine.accounts.models import User
from vitrine.tenancy.models import Domain, Territory, TerritoryHealth
from vitrine.testing.helpers import host_client, sign_in_as

TERRITORIES = int(os.environ.get("BENCH_CONSOLE_TERRITORIES", "3000"))
REQUESTS = int(os.environ.get("BENCH_CONSOLE_REQUESTS", "20"))
GOAL_P95_MS = 200


def _territories(count: int) -> None:
    rng = random.Random(12)
    now = timezone.now()
    territories = Territory.objects.bulk_create(
        Territory(schema_name=f"bench{n:05d}", name=f"Ville {n:05d}", contact_email="contact@ville.fr")
        for n in range(count)
    )
    Domain.objects.bulk_create(
        Domain(domain=f"bench{t.schema_name[5:]}.localhost", tenant=t, is_primary=True) for t in territories
    )
    TerritoryHealth.objects.bulk_create(
        TerritoryHealth(
            territory=t,
            shops=rng.randint(0, 2000),
            active_shops=rng.randint(0, 800),
            orders_week=rng.randint(0, 5000),
            outbox_pending=rng.choice([0, 0, 0, rng.randint(1, 300)]),
            last_activity_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 90)),
            computed_at=now,
        )
        for t in territories
    )


PAGES = -(-TERRITORIES // 50)  # the list's pages, 50 territories each


def test_console_health_list_at_3000_territories(db, django_db_blocker):
    # given 3,000 territories with their health rows, and a signed-in operator
    _territories(TERRITORIES)
    operator = User.objects.create_superuser(email="bench@vitrine.example.fr", password="operator-pass-1")
    client = host_client(f"console.{settings.BASE_DOMAIN}")
    sign_in_as(client, operator)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    server = Server(f"console.{settings.BASE_DOMAIN}")
    scenarios = {
        "by name, page 1": "",
        "orders of the week, biggest first": "tri=-commandes",
        "last activity, latest first": "tri=-activite",
        "search by name": "q=ville 0123",
        "search by domain": "q=bench02999.localhost",
        f"page {PAGES // 2} of {PAGES}, by emails waiting": f"tri=-emails&page={PAGES // 2}",
    }
    rows = []
    try:
        for label, query in scenarios.items():
            for _ in range(2):  # warm: routes, templates, connection
                status, body, _ms = server.get("/", query, cookie)
                assert status == 200, (label, status)
            request_started.disconnect(reset_queries)  # else the request empties the log being read
            try:
                with CaptureQueriesContext(connection) as captured:
                    server.get("/", query, cookie)
                queries = len(captured)  # now: the log is emptied by the next request
            finally:
                request_started.connect(reset_queries)
            timings = []
            for _ in range(REQUESTS):
                status, body, ms = server.get("/", query, cookie)
                assert status == 200 and b"<table" in body, (label, status)
                timings.append(ms)
            p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
            rows.append(
                [
                    label,
                    queries,
                    f"{statistics.median(timings):.1f}",
                    f"{p95:.1f}",
                    "yes" if p95 < GOAL_P95_MS else "no",
                ]
            )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    print_table(
        f"Console: territories at a glance, {TERRITORIES} territories, {REQUESTS} requests each",
        ["list", "queries", "p50 ms", "p95 ms", f"p95 < {GOAL_P95_MS} ms"],
        rows,
        notes=[
            machine_load(),
            "In-process (WSGI handler), 50 territories a page. Timings are printed, never asserted.",
        ],
    )
