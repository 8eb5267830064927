"""Redis goes down for a minute, as cache and as broker, while shoppers browse and order:
every page is served, every order placed, and every email delivered once when it is back.

Real processes: a Redis server of the test's own (so it can be stopped), gunicorn
(DEBUG off) and a Celery worker with beat on it. Shoppers browse and order over HTTP.
"""

from __future__ import annotations

import re
import shutil
import threading
import time

import pytest
import requests
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Order
from vitrine.shops.models import Shop
from vitrine.testing.factories import ProductFactory, shop_open_every_day
from vitrine.testing.helpers import TEST_VAR, free_port, process_stop, subprocess_env, wait_for
from vitrine.testing.processes import RedisServer, guest_checkout_over_http, web_start, worker_start

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server to stop and start")
OUTAGE_SECONDS = 60


@pytest.fixture
def redis_server():
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def _messages(mail_dir) -> list[str]:
    """The messages Django's file backend wrote (one file per connection, messages separated by a rule)."""
    text = "".join(path.read_text() for path in sorted(mail_dir.iterdir()))
    return [m for m in text.split("-" * 79 + "\n") if m.strip()]


class Browsing:
    """Shoppers loading the home page, a storefront and a search, over and over, on two threads."""

    def __init__(self, port: int, paths: list[str]) -> None:
        self.port, self.paths = port, paths
        self.answers: list[tuple[float, str, int]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(2)]

    def _run(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            for path in self.paths:
                started = time.monotonic()
                try:
                    status = session.get(
                        f"http://127.0.0.1:{self.port}{path}", headers={"Host": "nancy.localhost"}, timeout=30
                    ).status_code
                except requests.RequestException:
                    status = 0
                self.answers.append((started, path, status))
            time.sleep(0.2)

    def __enter__(self) -> Browsing:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=40)


def _emails_of(shops):
    return (
        OutboxEmail.objects.filter(to__contains=["claire@example.fr"])
        | OutboxEmail.objects.filter(to__contains=[shops[0].email])
        | OutboxEmail.objects.filter(to__contains=[shops[1].email])
    )


def test_a_minute_without_redis_loses_no_page_no_order_and_no_email(committed, redis_server, tmp_path):
    nancy = committed["nancy"]
    mail_dir = tmp_path / "mail"
    env_extra = {
        "CELERY_BROKER_URL": f"{redis_server.url}/0",
        "REDIS_URL": f"{redis_server.url}/1",
        "VITRINE_MAIL_DIR": str(mail_dir),
        "VITRINE_OUTBOX_FLUSH_SECONDS": "2",
        "VITRINE_CELERY_DIR": str(tmp_path / "celery"),
    }
    with tenant_context(nancy):
        shops = [shop_open_every_day(name="Bijouterie Blaison"), shop_open_every_day(name="Atelier Déco Stan")]
        products = [
            ProductFactory(shop=shops[0], title="Bague argent", stock=2),
            ProductFactory(shop=shops[1], title="Vase bleu", stock=2),
        ]
    connection.set_schema_to_public()
    port = free_port()
    env = subprocess_env(SITE_PORT=str(port), **env_extra)
    web_log = TEST_VAR / "fault-redis-web.log"
    web = web_start(env, port=port, log_path=web_log, production=True)
    worker_log = TEST_VAR / "fault-redis-worker.log"
    worker = worker_start(env, log_path=worker_log, beat_schedule=tmp_path / "beat-schedule")
    paths = ["/", f"/boutiques/{shops[0].slug}/", "/recherche/?q=bague"]
    try:
        with Browsing(port, paths) as browsing:
            time.sleep(2)
            # given Redis (cache and broker) goes down for a minute
            redis_server.stop()
            down_at = time.monotonic()

            # when, meanwhile, shoppers keep browsing and a guest checks out from two shops
            time.sleep(OUTAGE_SECONDS / 2)
            started = time.monotonic()
            response = guest_checkout_over_http(port, "nancy.localhost", [p.pk for p in products])
            elapsed = time.monotonic() - started
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
            # (still without Redis: one email to the shopper and one to the shop, per order, none sent yet;
            # looked at now, as beat's flush may deliver them within a second or two of Redis's return)
            with tenant_context(nancy):
                waiting = _emails_of(shops).filter(status="pending").count()
            connection.set_schema_to_public()
            back_at = time.monotonic()
            redis_server.start()
            time.sleep(3)

        # then every page was served, during the outage as before and after it
        during = [status for at, _, status in browsing.answers if down_at < at < back_at]
        assert len(during) > 3 * len(paths), "too few pages were asked for during the outage"
        assert {status for _, _, status in browsing.answers} == {200}, sorted(
            (round(at - down_at, 1), path, status) for at, path, status in browsing.answers if status != 200
        )[:20]

        # then the orders are placed and confirmed
        assert response.status_code == 200 and "/panier/commande/" in response.url, response.text[:2000]
        with tenant_context(nancy):
            orders = list(Order.objects.filter(shop__in=shops))
            assert len(orders) == 2 and {o.status for o in orders} == {"placed"}
            codes = {o.pickup_code for o in orders}
            assert all(code in response.text for code in codes)
            emails = _emails_of(shops)
            assert emails.count() == 4 and waiting == 4  # all four were waiting while Redis was away
        # the checkout's one message for its four emails failed once, at once, and was left to the flush
        # (the time is printed, not asserted)
        assert web_log.read_text().count("left for the periodic sweep") == 1, web_log.read_text()[-3000:]
        print(  # noqa: T201 (shown with -s, never asserted)
            f"Redis away {back_at - down_at:.0f} s: {len(during)} pages served, checkout took {elapsed:.2f} s"
        )
        assert (
            not mail_dir.exists()
            or not any(mail_dir.iterdir())
            or not any(re.search(r"^To: claire@", m, re.M) for m in _messages(mail_dir))
        )

        # when Redis is back (same address): the worker reconnects, beat's flush runs
        # then every email is delivered...
        def all_sent():
            with tenant_context(nancy):
                return all(e.status == "sent" for e in emails.all())

        wait_for(all_sent, timeout=90, interval=1, message=f"the outbox to be delivered (log: {worker_log})")
        # ... once: wait for two more flushes, then count the messages written
        time.sleep(5)
        ours = [m for m in _messages(mail_dir) if re.search(r"^To: (claire@|contact@)", m, re.M)]
        assert sorted(re.search(r"^To: (.*)$", m, re.M)[1] for m in ours) == sorted(
            ["claire@example.fr"] * 2 + [shops[0].email, shops[1].email]
        )
        for code in codes:
            assert sum(f"Subject: Nouvelle commande {code}" in m for m in ours) == 1
        with tenant_context(nancy):
            assert {e.attempts for e in emails.all()} == {1}
    finally:
        process_stop(worker)
        process_stop(web)
        with tenant_context(nancy):
            for order in Order.objects.filter(shop__in=shops):
                OutboxEmail.objects.filter(subject__contains=order.pickup_code).delete()
                order.delete()
            owners = list(User.objects.filter(shop_memberships__shop__in=shops).values_list("pk", flat=True))
            Shop.objects.filter(pk__in=[s.pk for s in shops]).delete()
            User.objects.filter(pk__in=owners).delete()
        connection.set_schema_to_public()
