"""Checkout throughput: orders per second, spread over products and all on one product's last units.

What "orders/s" means here: the checkout service, `order_place` (validation, slot check, stock
taken, orders, lines, event, the two "placed" emails queued in the outbox, the cart emptied,
committed, then the Celery message publishing the emails to the real Redis broker), called by
K concurrent workers on carts prepared beforehand (one line each, guest, payment at pickup),
each worker with its own PostgreSQL connection, on the machine's PostgreSQL. Orders/s is the
number of orders placed divided by the wall time from the start signal to the last commit.
Workers are either processes (forked after a warm-up: how gunicorn's workers run, each with its
own interpreter) or threads of one process (they share one GIL: the figures of the earlier
benchmark). The web layer (HTTP parsing, session, form, CSRF, the page after) is not in it;
the emails are rendered in the checkout (what the shopper waits for) but not sent (no worker).

"spread": every cart holds a different product. "one product": every cart holds the same
product, whose stock is exactly the number of orders it can make; 10% more carts than units,
so the last checkouts find it sold out and are refused. A tenth of the carts are also submitted
a second time by another worker, with the same checkout key, at the same time (a double submit).

Asserted (never timings): no unit oversold (stock left = stock - units ordered, never below
zero), no duplicated order (one order per cart placed, the double submits get the same order
back), every placed order has its two outbox emails.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import threading
import time
import uuid
from pathlib import Path

from benchlib import machine_load, print_table
from django.db import connection, connections
from django_tenants.utils import tenant_context
from orders_bench_world import world_make, world_remove

from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.checkout import CheckoutError, Guest, order_place
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots

ORDERS = int(os.environ.get("BENCH_CHECKOUT_ORDERS", "1000"))
# "p4": 4 processes, "t4": 4 threads of one process.
WORKERS = os.environ.get("BENCH_CHECKOUT_WORKERS", "t1,t4,p2,p4,p8").split(",")
GUEST = Guest("Bench", "bench@example.fr", "0612345678")
DOUBLE_EVERY = 10  # one cart in ten is submitted twice at once


def _jobs(carts: list[Cart], keys: dict[int, uuid.UUID], workers: int) -> list[list[tuple[Cart, uuid.UUID]]]:
    """Each worker's checkouts; a tenth of the carts also go to the next worker (a double submit)."""
    chunks: list[list[tuple[Cart, uuid.UUID]]] = [[] for _ in range(workers)]
    for i, cart in enumerate(carts):
        chunks[i % workers].append((cart, keys[cart.pk]))
        if workers > 1 and i % DOUBLE_EVERY == 0:
            chunks[(i + 1) % workers].insert(len(chunks[(i + 1) % workers]) // 2, (cart, keys[cart.pk]))
    return chunks


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) a PostgreSQL backend has used so far (Linux /proc; same machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _checkouts(nancy, jobs, slots) -> tuple[list[tuple[int, int]], int, list[float], float, float]:
    """Run one worker's checkouts: ((cart id, order id) placed, refused, milliseconds each, and the CPU
    seconds used by the worker and by its PostgreSQL backend)."""
    placed, refused, times = [], 0, []
    with tenant_context(nancy):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (backend,) = cursor.fetchone()
        cpu, server = time.thread_time(), _backend_cpu(backend)
        for cart, key in jobs:
            started = time.perf_counter()
            try:
                (order,) = order_place(cart=cart, guest=GUEST, slots=slots, idempotency_key=key)
                placed.append((cart.pk, order.pk))
            except CheckoutError:
                refused += 1
            times.append((time.perf_counter() - started) * 1000)
        cpu, server = time.thread_time() - cpu, _backend_cpu(backend) - server
    return placed, refused, times, cpu, server


def _run_threads(nancy, chunks, slots) -> tuple[float, list, int, list[float], float, float]:
    results: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(chunks) + 1)

    def work(jobs) -> None:
        try:
            with tenant_context(nancy):
                connection.ensure_connection()
            barrier.wait()
            result = _checkouts(nancy, jobs, slots)
            with lock:
                results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(jobs,)) for jobs in chunks]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, *_merge(results)


def _run_processes(nancy, chunks, slots) -> tuple[float, list, int, list[float], float, float]:
    fork = multiprocessing.get_context("fork")
    barrier, queue = fork.Barrier(len(chunks) + 1), fork.Queue()
    connections.close_all()  # each process opens its own connection (never the parent's socket)

    def work(jobs) -> None:
        try:
            with tenant_context(nancy):
                connection.ensure_connection()
            barrier.wait()
            queue.put(_checkouts(nancy, jobs, slots))
        except BaseException as error:  # reported to the parent, which fails the test
            queue.put(error)
        finally:
            connection.close()

    processes = [fork.Process(target=work, args=(jobs,)) for jobs in chunks]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    results = [queue.get(timeout=600) for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return seconds, *_merge(results)


def _merge(results) -> tuple[list, int, list[float], float, float]:
    placed, refused, times, cpu, server = [], 0, [], 0.0, 0.0
    for ok, ko, ms, worker_cpu, backend_cpu in results:
        placed += ok
        refused += ko
        times += ms
        cpu, server = cpu + worker_cpu, server + backend_cpu
    return placed, refused, times, cpu, server


def _warm_up(nancy) -> None:
    """A few checkouts before the measure, so templates and code paths are loaded (and inherited by forks)."""
    with tenant_context(nancy):
        world = world_make(products=5, carts=5, stock=5)
        slots = {world.shop.pk: checkout_slots(shop=world.shop)[0].starts_at}
    try:
        _checkouts(nancy, [(cart, uuid.uuid4()) for cart in world.carts], slots)
    finally:
        with tenant_context(nancy):
            world_remove(world)


def _check(world, scenario: str, placed: list, refused: int, stock_before: int, carts: int) -> None:
    """No unit oversold, no order duplicated, every order's emails queued."""
    units = ORDERS if scenario == "one product" else carts
    by_cart: dict[int, set[int]] = {}
    for cart_id, order_id in placed:
        by_cart.setdefault(cart_id, set()).add(order_id)
    assert all(len(ids) == 1 for ids in by_cart.values()), "a double submit made a second order"
    orders = Order.objects.filter(shop=world.shop)
    assert orders.count() == len(by_cart) == units, (orders.count(), len(by_cart), units)
    assert len(set(orders.values_list("cart_token", flat=True))) == units, "two orders for one cart"
    left = sum(Product.objects.filter(shop=world.shop).values_list("stock", flat=True))
    assert left == stock_before - units and left >= 0, f"oversold: {left} left of {stock_before} for {units} orders"
    codes = list(orders.values_list("pickup_code", flat=True))
    emails = OutboxEmail.objects.filter(to=["bench@example.fr"]).count()
    emails += OutboxEmail.objects.filter(to=[world.shop.email]).count()
    assert emails == 2 * len(codes), (emails, len(codes))
    if scenario == "one product":
        # the carts beyond the stock were refused, once each (or twice when double-submitted)
        assert refused >= carts - units


def test_checkout_throughput(committed):
    nancy = committed["nancy"]
    _warm_up(nancy)
    rows = []
    rates: dict[tuple[str, str], float] = {}
    for scenario in ("spread", "one product"):
        for workers in WORKERS:
            kind, count = workers[0], int(workers[1:])
            carts = ORDERS + ORDERS // 10 if scenario == "one product" else ORDERS
            with tenant_context(nancy):
                world = world_make(
                    products=1 if scenario == "one product" else ORDERS,
                    carts=carts,
                    stock=ORDERS if scenario == "one product" else 5,
                )
                stock_before = sum(Product.objects.filter(shop=world.shop).values_list("stock", flat=True))
                slots = {world.shop.pk: checkout_slots(shop=world.shop)[0].starts_at}
            keys = {cart.pk: uuid.uuid4() for cart in world.carts}
            chunks = _jobs(world.carts, keys, count)
            try:
                run = _run_processes if kind == "p" else _run_threads
                seconds, placed, refused, times, cpu, server = run(nancy, chunks, slots)
                with tenant_context(nancy):
                    _check(world, scenario, placed, refused, stock_before, carts)
                orders = ORDERS
                rate = orders / seconds
                rates[(scenario, workers)] = rate
                p50 = statistics.median(times)
                p95 = statistics.quantiles(times, n=20)[-1]
                label = f"{count} {'processes' if kind == 'p' else 'threads'}"
                cpu_ms, server_ms = cpu * 1000 / orders, server * 1000 / orders
                rows.append(
                    (
                        scenario,
                        label,
                        orders,
                        sum(map(len, chunks)),
                        f"{seconds:.2f}",
                        f"{rate:.0f}",
                        f"{p50:.1f}",
                        f"{p95:.1f}",
                        f"{cpu_ms:.2f}",
                        f"{server_ms:.2f}",
                        f"{2000 / (cpu_ms + server_ms):.0f}",
                    )
                )
            finally:
                with tenant_context(nancy):
                    world_remove(world)
    notes = [
        machine_load(),
        "each order: 1 line, guest, pay at pickup, pickup slot checked, stock taken, 1 event, 2 outbox emails"
        " rendered and queued, 1 Celery message after commit; 1 cart in 10 submitted twice at once",
        "one product: stock = orders, 10% more carts than units (refused: sold out)",
        "CPU ms/order: the workers' (Python) and their PostgreSQL backends' CPU time over the orders placed"
        " (refused and double submits included); 'CPU-bound' = 2 cores / (both): the rate two cores would"
        " give if nothing else ran and nothing waited (lock waits and commit flushes use no CPU)",
    ]
    for workers in WORKERS:
        if ("spread", workers) in rates and ("one product", workers) in rates:
            ratio = rates[("one product", workers)] / rates[("spread", workers)]
            notes.append(f"one product / spread at {workers}: {ratio:.2f}x")
    print_table(
        "Checkout throughput (orders per second)",
        [
            "scenario",
            "workers",
            "orders",
            "checkouts",
            "seconds",
            "orders/s",
            "p50 ms",
            "p95 ms",
            "py CPU ms",
            "pg CPU ms",
            "CPU-bound/s",
        ],
        rows,
        notes,
    )
