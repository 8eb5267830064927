"""Under load (issue #14, item 3): 64 shoppers at once for a minute on a mix of storefront, search,
product, cart and checkout, through gunicorn with the production settings.

gunicorn (2 workers x 4 threads, gthread, `bench_settings`: production plus /bench/ping) on the test
database, behind what a proxy would send (`X-Forwarded-Proto: https`, so the secure cookies and the
HTTPS CSRF checks are those of production), its hashed static files collected; a Celery worker on a
private broker sends the checkouts' emails. Each simulated shopper, on a keep-alive session of its own,
loads a storefront, a search (one of a few words, sometimes with a filter or page 2), a product page, and
every other round puts a product in its cart and opens the cart; every third round it checks out one of
a few products of 10 units, so the last units are fought over (guest checkout, payment at pickup).

Prints requests, requests per second, p50 / p95 / p99 per kind of request, the errors, the outcome of
the checkouts, and each gunicorn worker's resident memory at the end (VmRSS) and at its peak (VmHWM;
goal: 150 MB or less). Asserts only what a shopper and a merchant rely on: no error of any kind, and
stock exact (every unit sold is in exactly one order, none sold twice, none below zero).

Knobs: BENCH_LOAD_CLIENTS=64, BENCH_LOAD_SECONDS=60, BENCH_LOAD_WORKERS=2, BENCH_LOAD_THREADS=4.
"""

from __future__ import annotations

import collections
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from benchlib import (
    ROOT_DIR,
    collectstatic,
    database_url,
    free_port,
    machine_load,
    print_table,
    production_environment,
)
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Order, OrderLine
from vitrine.shops.models import Shop
from vitrine.testing.factories import ProductFactory, shop_open_every_day
from vitrine.testing.helpers import TEST_VAR, process_stop, subprocess_env
from vitrine.testing.processes import private_broker_env, worker_start

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "64"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_LOAD_THREADS", "4"))
STOCK = 10  # per contended product: 50 units in all, fewer than the checkouts of a minute
WORDS = ["confiture", "mirabelles", "miel", "savon", "bougie"]
RSS_GOAL_MB = 150


class _BehindTheProxy(requests.Session):
    """The proxy in front ends TLS: the browser sends back its secure cookies, which plain http:// would not.

    Redirects are followed by hand (allow_redirects=False): requests' own following prepares the cookies
    before this could mark them sendable."""

    def request(self, *args, **kwargs):
        for cookie in self.cookies:
            cookie.secure = False
        return super().request(*args, **kwargs)


def _session(port: int, address: str) -> requests.Session:
    """A browser behind the proxy: its own address (the throttles count per address), over HTTPS."""
    session = _BehindTheProxy()
    session.headers.update(
        {"Host": f"nancy.localhost:{port}", "X-Forwarded-Proto": "https", "X-Forwarded-For": address}
    )
    return session


def _token(session: requests.Session, page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found[1] if found else session.cookies.get("csrftoken", "")


def _memory(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak, in MB, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _gunicorn(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "vitrine.config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS),
        "--keep-alive",
        "30",
        "--no-control-socket",
        "--log-level",
        "warning",
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT_DIR, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            response = requests.get(
                f"http://127.0.0.1:{port}/bench/ping", headers={"Host": f"nancy.localhost:{port}"}, timeout=5
            )
            if response.status_code == 200:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.3)


def test_a_minute_of_64_shoppers_on_every_kind_of_page_with_no_error(committed, request, tmp_path):
    nancy = committed["nancy"]
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Épicerie Mélange")
        contended = [ProductFactory(shop=shop, title=f"Mirabelles {n}", stock=STOCK) for n in range(5)]
        plenty = [
            ProductFactory(shop=shop, title=f"{WORDS[n % len(WORDS)].title()} bio {n}", stock=100000) for n in range(40)
        ]
        product_paths = [f"/boutiques/{shop.slug}/{product.slug}/" for product in plenty]
    connection.set_schema_to_public()
    db_url = database_url(request.config)
    collectstatic("bench_settings", db_url)
    env = {
        **production_environment("bench_settings", db_url),
        **private_broker_env(tmp_path / "celery"),
        "VITRINE_MAIL_DIR": str(tmp_path / "mail"),
        "TRUSTED_PROXY_COUNT": "1",  # as behind the proxy: each shopper is counted at its own address
    }
    port = free_port()
    web = _gunicorn(env, port, TEST_VAR / "bench-load-mix-web.log")
    worker = worker_start(
        subprocess_env(**private_broker_env(tmp_path / "celery"), VITRINE_MAIL_DIR=str(tmp_path / "mail")),
        log_path=TEST_VAR / "bench-load-mix-worker.log",
    )
    base = f"http://127.0.0.1:{port}"
    latencies: dict[str, list[float]] = collections.defaultdict(list)
    outcomes: collections.Counter = collections.Counter()
    errors: list[str] = []
    emails: list[str] = []
    lock = threading.Lock()

    def timed(kind: str, call, *args, expected=(200, 302), **kwargs):
        started = time.monotonic()
        try:
            response = call(*args, timeout=60, **kwargs)
            problem = None if response.status_code in expected else f"{kind}: {response.status_code}"
        except requests.RequestException as exc:
            response, problem = None, f"{kind}: {exc!r}"
        with lock:
            latencies[kind].append(time.monotonic() - started)
            if problem:
                errors.append(problem)
        return response

    deadline = time.monotonic() + SECONDS

    def shopper(number: int) -> None:
        rng = random.Random(number)
        session = _session(port, f"10.1.{number // 200}.{number % 200 + 1}")
        rounds = 0
        while time.monotonic() < deadline:
            rounds += 1
            timed("storefront", session.get, f"{base}/boutiques/{shop.slug}/")
            word = rng.choice(WORDS)
            query = rng.choice(["", "&page=2", "&en_stock=1"])
            timed("search", session.get, f"{base}/recherche/?q={word}{query}")
            page = timed("product", session.get, base + rng.choice(product_paths))
            if rounds % 2 == 0 and page is not None and page.status_code == 200:
                product = rng.choice(plenty)
                token = _token(session, page.text)
                timed(
                    "cart (add)",
                    session.post,
                    f"{base}/panier/ajouter/{product.pk}/",
                    data={"csrfmiddlewaretoken": token, "quantity": "1"},
                    headers={"Referer": f"https://nancy.localhost:{port}/"},
                    allow_redirects=False,
                )
                timed("cart", session.get, f"{base}/panier/")
            if rounds % 3 == 0:
                outcome = _checkout(rng.choice(contended), timed, f"{number}-{rounds}")
                with lock:
                    outcomes[outcome] += 1
                    if outcome.startswith(("error", "unexpected")):
                        errors.append(f"checkout: {outcome}")

    def _checkout(product, timed, guest: str) -> str:
        """A new guest (its own session, address and email): add the product, open checkout, pick the first
        slot, order."""
        seen = len(emails)
        emails.append(f"invite-{guest}@example.fr")
        session = _session(port, f"10.2.{seen // 250 % 250}.{seen % 250 + 1}")
        referer = {"Referer": f"https://nancy.localhost:{port}/panier/commande/"}
        page = timed("checkout", session.get, f"{base}/boutiques/{shop.slug}/{product.slug}/")
        if page is None:
            return "error: product page"
        token = _token(session, page.text)
        timed(
            "checkout",
            session.post,
            f"{base}/panier/ajouter/{product.pk}/",
            data={"csrfmiddlewaretoken": token, "quantity": "1"},
            headers=referer,
            allow_redirects=False,
            expected=(200, 302, 400),  # 400: sold out, said on the page (then "sold out at cart")
        )
        form = timed("checkout", session.get, f"{base}/panier/commande/")
        if form is None:
            return "error: order form"
        if 'name="idempotency_key"' not in form.text:
            return "sold out at cart"
        data = {
            "csrfmiddlewaretoken": _token(session, form.text),
            "name": "Claire Blaison",
            "email": emails[seen],
            "phone": "0612345678",
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', form.text)[1],
        }
        for select in re.finditer(r'<select id="(slot-\d+)" name="slot-\d+"[^>]*>(.*?)</select>', form.text, re.S):
            data[select[1]] = re.search(r'<option value="([^"]+)"', select[2])[1]
        started = time.monotonic()
        try:
            response = session.post(
                f"{base}/panier/commande/", data=data, headers=referer, timeout=60, allow_redirects=False
            )
            if response.status_code == 302:  # to the confirmation, with the session's cookie (see _BehindTheProxy)
                response = session.get(base + response.headers["Location"], timeout=60)
        except requests.RequestException as exc:
            return f"error: {exc!r}"
        finally:
            with lock:
                latencies["checkout (order)"].append(time.monotonic() - started)
        if response.status_code == 200 and "/panier/commande/" in response.url and "Commande" in response.text:
            return "placed"
        if response.status_code in (200, 422):
            return "refused at checkout"  # the form again: the last units went to someone else meanwhile
        return f"error: {response.status_code}"

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        memory = {pid: _memory(pid) for pid in _children(web.pid)}
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
        web.terminate()
        web.wait(timeout=30)

    def percentile(values: list[float], share: float) -> str:
        ordered = sorted(values)
        return f"{ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000:.0f}" if ordered else "-"

    everything = [value for values in latencies.values() for value in values]
    print_table(
        f"Load: {CLIENTS} shoppers for {elapsed:.0f} s, gunicorn {WORKERS} x {THREADS} on production settings "
        f"({machine_load()})",
        ["request", "count", "per s", "p50 ms", "p95 ms", "p99 ms"],
        [
            [
                name,
                len(values),
                f"{len(values) / elapsed:.1f}",
                percentile(values, 0.50),
                percentile(values, 0.95),
                percentile(values, 0.99),
            ]
            for name, values in [*sorted(latencies.items()), ("all", everything)]
        ],
        notes=[
            f"checkouts: {dict(outcomes)}",
            f"errors: {len(errors)} {collections.Counter(errors).most_common(3)}",
            "gunicorn workers' memory (MB, now / peak): "
            + ", ".join(f"{m.get('VmRSS', 0):.0f} / {m.get('VmHWM', 0):.0f}" for m in memory.values())
            + f" (goal <= {RSS_GOAL_MB} MB)",
        ],
    )
    print_table("Contended stock at the end", ["product", "stock at start", "sold in placed orders", "stock now"], rows)
    try:
        assert not errors, collections.Counter(errors).most_common(10)
        assert outcomes["placed"] == placed_orders
        for title, start, sold, now in rows:
            assert now >= 0 and start - sold == now, (title, start, sold, now)
    finally:
        with tenant_context(nancy):
            codes = list(Order.objects.filter(shop=shop).values_list("pickup_code", flat=True))
            for code in codes:
                OutboxEmail.objects.filter(subject__contains=code).delete()
            for email in emails:
                OutboxEmail.objects.filter(to=[email]).delete()
            Order.objects.filter(shop=shop).delete()
            Product.objects.filter(shop=shop).delete()
            owner = shop.owner_user
            Shop.objects.filter(pk=shop.pk).delete()
            User.objects.filter(pk=owner.pk).delete()
        connection.set_schema_to_public()
