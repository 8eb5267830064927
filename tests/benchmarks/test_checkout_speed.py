"""Checkout throughput: orders per second, with and without contention on one product.

Real services, real PostgreSQL, committed rows: each thread has its own connection and
runs `order_place` on carts prepared beforehand (one line each). "Spread": every cart holds
a different product; "one product": every cart holds the same one, so every checkout
updates the same stock row (conditional UPDATE, row lock held until commit). Prints only;
never asserts on timings, only that no unit was oversold.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

from benchlib import machine_load, print_table
from django.db import connection
from django_tenants.utils import tenant_context
from orders_bench_world import world_make, world_remove

from vitrine.catalog.models import Product
from vitrine.orders.checkout import CheckoutError, Guest, order_place
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots

ORDERS = int(os.environ.get("BENCH_CHECKOUT_ORDERS", "200"))
THREADS = [int(n) for n in os.environ.get("BENCH_CHECKOUT_THREADS", "1,4,8").split(",")]


def _run(nancy, carts: list[Cart], slots: dict, threads: int) -> tuple[float, int, int]:
    """Check out every cart with `threads` workers; (seconds, placed, refused)."""
    chunks = [carts[i::threads] for i in range(threads)]
    placed = refused = 0
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def work(chunk: list[Cart]) -> None:
        nonlocal placed, refused
        ok = ko = 0
        try:
            with tenant_context(nancy):
                barrier.wait()
                for cart in chunk:
                    try:
                        order_place(
                            cart=cart,
                            guest=Guest("Bench", "bench@example.fr", "0612345678"),
                            slots=slots,
                            idempotency_key=uuid.uuid4(),
                        )
                        ok += 1
                    except CheckoutError:
                        ko += 1
        finally:
            connection.close()
            with lock:
                placed, refused = placed + ok, refused + ko

    workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, placed, refused


def test_checkout_throughput(committed):
    nancy = committed["nancy"]
    rows = []
    for scenario in ("spread", "one product"):
        for threads in THREADS:
            with tenant_context(nancy):
                world = world_make(
                    products=1 if scenario == "one product" else ORDERS,
                    carts=ORDERS,
                    stock=ORDERS * 2 if scenario == "one product" else 5,
                )
                slots = {world.shop.pk: checkout_slots(shop=world.shop)[0].starts_at}
            try:
                seconds, placed, refused = _run(nancy, world.carts, slots, threads)
                with tenant_context(nancy):
                    assert placed == ORDERS and refused == 0
                    assert Order.objects.filter(shop=world.shop).count() == ORDERS
                    left = sum(Product.objects.filter(shop=world.shop).values_list("stock", flat=True))
                    assert left == (ORDERS if scenario == "one product" else ORDERS * 4)
                rows.append((scenario, threads, ORDERS, f"{seconds:.2f}", f"{ORDERS / seconds:.0f}"))
            finally:
                with tenant_context(nancy):
                    world_remove(world)
    base = {(r[0], r[1]): float(r[4]) for r in rows}
    notes = [machine_load(), "each order: 1 line, guest, pickup slot checked, 2 outbox emails, 1 event"]
    if ("spread", THREADS[-1]) in base and ("one product", THREADS[-1]) in base:
        ratio = base[("one product", THREADS[-1])] / base[("spread", THREADS[-1])]
        notes.append(f"contention on one product at {THREADS[-1]} threads: {ratio:.2f}x the spread throughput")
    print_table(
        "Checkout throughput (orders per second)", ["scenario", "threads", "orders", "seconds", "orders/s"], rows, notes
    )
