"""Load: 64 shoppers at once for a minute on storefront, search and checkout pages.

gunicorn (2 workers x 4 threads, DEBUG off) on the test database, a Celery worker on a
private broker. Each simulated shopper, on a keep-alive session of its own, loads a
storefront, runs a search, and every third round checks out one of a few products
with little stock, so that the last units are fought over. Prints the figures;
asserts only what a shopper and a merchant rely on: no error, and stock exact (every
unit sold is in exactly one order, none sold twice, none below zero).

Knobs: BENCH_LOAD_CLIENTS=64, BENCH_LOAD_SECONDS=60.
"""

from __future__ import annotations

import collections
import os
import random
import threading
import time

import requests
from benchlib import machine_load, print_table
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Order, OrderLine
from vitrine.shops.models import Shop
from vitrine.testing.factories import ProductFactory, shop_open_every_day
from vitrine.testing.helpers import TEST_VAR, free_port, process_stop, subprocess_env
from vitrine.testing.processes import guest_checkout_over_http, private_broker_env, web_start, worker_start

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "64"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
STOCK = 10  # per contended product: 50 units in all, fewer than the checkouts of a minute


def test_load_64_shoppers_for_a_minute_with_no_error_and_exact_stock(committed, tmp_path):
    nancy = committed["nancy"]
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Épicerie Charge")
        contended = [ProductFactory(shop=shop, title=f"Mirabelles {n}", stock=STOCK) for n in range(5)]
        for n in range(30):
            ProductFactory(shop=shop, title=f"Confiture {n}", stock=1000)
    connection.set_schema_to_public()
    port = free_port()
    env = subprocess_env(**private_broker_env(tmp_path / "celery"), VITRINE_MAIL_DIR=str(tmp_path / "mail"))
    web = web_start(env, port=port, log_path=TEST_VAR / "bench-load-web.log", production=True)
    worker = worker_start(env, log_path=TEST_VAR / "bench-load-worker.log")
    paths = [f"/boutiques/{shop.slug}/", "/recherche/?q=confiture", "/recherche/?q=mirabelles"]
    outcomes: collections.Counter = collections.Counter()
    latencies: dict[str, list[float]] = collections.defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def shopper(number: int) -> None:
        rng = random.Random(number)
        session = requests.Session()
        session.headers["Host"] = f"nancy.localhost:{port}"
        rounds = 0
        while time.monotonic() < deadline:
            rounds += 1
            for path in paths:
                started = time.monotonic()
                try:
                    status = session.get(f"http://127.0.0.1:{port}{path}", timeout=60).status_code
                except requests.RequestException as exc:
                    status = repr(exc)
                with lock:
                    latencies[path.split("?")[0]].append(time.monotonic() - started)
                    if status != 200:
                        errors.append(f"GET {path}: {status}")
            if rounds % 3 == 0:
                started = time.monotonic()
                product = rng.choice(contended)
                try:
                    response = guest_checkout_over_http(
                        port, "nancy.localhost", [product.pk], session=requests.Session(), strict=False
                    )
                except requests.RequestException as exc:
                    response, outcome = None, f"error: {exc!r}"
                else:
                    if response is None:
                        outcome = "sold out at cart"
                    elif response.status_code == 200 and "/panier/commande/" in response.url:
                        outcome = "placed" if "Commande" in response.text else "unexpected confirmation"
                    elif response.status_code in (200, 422):
                        # the form again, with the reason (the last units went to someone else meanwhile)
                        outcome = "refused at checkout"
                    else:
                        outcome = f"error: {response.status_code}"
                with lock:
                    latencies["checkout"].append(time.monotonic() - started)
                    outcomes[outcome] += 1
                    if outcome.startswith(("error", "unexpected")):
                        errors.append(f"checkout: {outcome}")

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        with tenant_context(nancy):
            rows = []
            for product in contended:
                product.refresh_from_db()
                sold = sum(
                    OrderLine.objects.filter(product=product, order__status="placed").values_list("quantity", flat=True)
                )
                rows.append((product.title, STOCK, sold, product.stock))
            placed_orders = Order.objects.filter(shop=shop, status="placed").count()
    finally:
        process_stop(worker)
        process_stop(web)

    def p95(values: list[float]) -> str:
        ordered = sorted(values)
        return f"{ordered[int(len(ordered) * 0.95) - 1] * 1000:.0f}" if ordered else "-"

    print_table(
        f"Load: {CLIENTS} shoppers for {elapsed:.0f} s ({machine_load()})",
        ["page", "requests", "per s", "median ms", "p95 ms"],
        [
            [
                name,
                len(values),
                f"{len(values) / elapsed:.1f}",
                f"{sorted(values)[len(values) // 2] * 1000:.0f}",
                p95(values),
            ]
            for name, values in sorted(latencies.items())
        ],
        notes=[f"checkouts: {dict(outcomes)}", f"errors: {len(errors)} {collections.Counter(errors).most_common(3)}"],
    )
    print_table(
        "Contended stock at the end",
        ["product", "stock at start", "sold in placed orders", "stock now"],
        rows,
    )
    try:
        # no error of any kind, and every unit accounted for
        assert not errors, collections.Counter(errors).most_common(10)
        assert outcomes["placed"] == placed_orders
        for title, start, sold, now in rows:
            assert now >= 0 and start - sold == now, (title, start, sold, now)
    finally:
        with tenant_context(nancy):
            codes = list(Order.objects.filter(shop=shop).values_list("pickup_code", flat=True))
            for code in codes:
                OutboxEmail.objects.filter(subject__contains=code).delete()
            OutboxEmail.objects.filter(to=["claire@example.fr"]).delete()
            Order.objects.filter(shop=shop).delete()
            Product.objects.filter(shop=shop).delete()
            owner = shop.owner_user
            Shop.objects.filter(pk=shop.pk).delete()
            User.objects.filter(pk=owner.pk).delete()
        connection.set_schema_to_public()
