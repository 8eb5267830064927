"""The image's gunicorn (its configuration, two workers) seen from outside: /metrics adds up every
worker's figures, an order placed over HTTP is counted in its territory, each log line is a JSON
object naming its territory, and /healthz answers 503 naming the database when PostgreSQL is
unreachable while /livez still answers."""

from __future__ import annotations

import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import requests
from django.db import connection
from django_tenants.utils import tenant_context
from prometheus_client.parser import text_string_to_metric_families

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Order
from vitrine.shops.models import Shop
from vitrine.testing.factories import ProductFactory, shop_open_every_day
from vitrine.testing.helpers import TEST_VAR, free_port, port_open, process_start, process_stop, subprocess_env
from vitrine.testing.processes import guest_checkout_over_http, worker_start

TOKEN = "scrape-token-for-the-process-test"


def gunicorn_start(env: dict, port: int, log_name: str, internal: int):
    """gunicorn as the image runs it (infra/Dockerfile): its configuration module, two workers, the public
    port and the internal one (VITRINE_INTERNAL_PORT) that only probes and Prometheus reach."""
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "vitrine.config.wsgi:application",
        "--config",
        "python:vitrine.config.gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--bind",
        f"127.0.0.1:{internal}",
        "--workers",
        "2",
        "--timeout",
        "60",
    ]
    env = {
        **env,
        "DJANGO_DEBUG": "0",
        "LOG_FORMAT": "json",
        "VITRINE_REQUEST_LOG": "1",
        "VITRINE_METRICS_TOKEN": TOKEN,
        "VITRINE_INTERNAL_PORT": str(internal),
    }
    ready = lambda: port_open(port) and port_open(internal)  # noqa: E731
    return process_start(args, env=env, log_path=TEST_VAR / log_name, ready=ready, name="gunicorn")


def scrape(port: int, host: str = "nancy.localhost") -> requests.Response:
    return requests.get(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}", "Host": host}, timeout=30
    )


def figures_of(response: requests.Response) -> dict[tuple[str, tuple], float]:
    assert response.status_code == 200, response.text[:500]
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_gunicorn_workers_metrics_add_up_orders_are_counted_and_logs_name_the_territory(committed, tmp_path):
    nancy = committed["nancy"]
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Bijouterie Métrique")
        product = ProductFactory(shop=shop, title="Bague argent", stock=3)
    connection.set_schema_to_public()
    port, internal = free_port(), free_port()
    # the folder the configuration picks by itself (the image sets none), in this test's own temporary folder
    env = subprocess_env(SITE_PORT=str(port), TMPDIR=str(tmp_path))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    web = gunicorn_start(env, port, "prometheus-gunicorn.log", internal)
    try:
        # when 20 pages are asked at once on new connections (so both workers take some: each page is a
        # new address, drawn rather than served from the page cache) and a guest checks out
        def page(n: int) -> bool:
            url = f"http://127.0.0.1:{port}/recherche/?q=bague+{n}"
            return requests.get(url, headers={"Host": "nancy.localhost"}, timeout=30).ok

        with ThreadPoolExecutor(max_workers=10) as pool:
            assert all(pool.map(page, range(20)))
        response = guest_checkout_over_http(port, "nancy.localhost", [product.pk])
        assert response.status_code == 200 and "/panier/commande/" in response.url
        figures = figures_of(scrape(internal))  # on the internal port, whatever the Host
        # while on the public port, the one the proxies and the Ingress forward, even an internal-looking Host is refused
        spoofed = [scrape(port, host).status_code for host in ("10.1.2.3", "web:8000", "nancy.localhost")]
    finally:
        process_stop(web)
        with tenant_context(nancy):
            for order in Order.objects.filter(shop=shop):
                OutboxEmail.objects.filter(subject__contains=order.pickup_code).delete()
                order.delete()
            owners = list(User.objects.filter(shop_memberships__shop=shop).values_list("pk", flat=True))
            Shop.objects.filter(pk=shop.pk).delete()
            User.objects.filter(pk__in=owners).delete()
        connection.set_schema_to_public()

    assert spoofed == [404, 404, 404]
    # then one scrape counts what both workers served: the 20 pages and the checkout's own
    served = figures[("vitrine_http_requests_total", (("status", "2xx"), ("territory", "nancy")))]
    assert served >= 20 + 3, served  # the checkout: home, cart, form, and the answer after its redirect
    assert figures[("vitrine_orders_placed_total", (("territory", "nancy"),))] == 1
    # and the files of both workers were there (multiprocess mode)
    assert len(list((tmp_path / "vitrine-prometheus").glob("counter_*.db"))) >= 2

    # then every log line, gunicorn's included, is a JSON object; the requests' lines name their territory
    lines = [line for line in (TEST_VAR / "prometheus-gunicorn.log").read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]
    assert {"gunicorn.error", "vitrine.requests"} <= {entry["logger"] for entry in entries}
    requests_logged = [entry for entry in entries if entry["logger"] == "vitrine.requests"]
    assert len([e for e in requests_logged if e["territory"] == "nancy" and e["path"] == "/recherche/"]) >= 20
    assert {"time", "level", "message", "status", "duration_ms", "view"} <= set(requests_logged[0])
    checkout = [e for e in requests_logged if e["path"].startswith("/panier/commande/") and e["method"] == "POST"]
    assert checkout and {e["territory"] for e in checkout} == {"nancy"}


def test_healthz_answers_503_naming_the_database_when_it_is_unreachable(committed):
    # given a web server whose database is at an address where nothing answers
    port, internal = free_port(), free_port()
    env = subprocess_env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere")
    web = gunicorn_start(env, port, "prometheus-gunicorn-nodb.log", internal)
    try:
        # when the health checks are asked by a probe (the internal port), and from outside (the public one)
        health = requests.get(f"http://127.0.0.1:{internal}/healthz", headers={"Host": "10.1.2.3"}, timeout=30)
        live = requests.get(f"http://127.0.0.1:{internal}/livez", headers={"Host": "10.1.2.3"}, timeout=30)
        outside = requests.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "10.1.2.3"}, timeout=30)
    finally:
        process_stop(web)

    # then readiness is refused and says why, liveness is not (a restart would not bring PostgreSQL back)
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "down" and body["database"].startswith("down: ")
    assert body["cache"] == "ok" and body["broker"] == "ok"
    assert live.status_code == 200 and live.text == "ok"
    # and from outside, the same code with the bare status
    assert outside.status_code == 503 and outside.json() == {"status": "down"}


def test_the_workers_lines_are_json_too(committed, tmp_path):
    # given a Celery worker as in production's logging (its own queue folder: no other test's tasks)
    env = subprocess_env(
        LOG_FORMAT="json", CELERY_BROKER_URL="filesystem://", VITRINE_CELERY_DIR=str(tmp_path / "celery")
    )
    log = TEST_VAR / "prometheus-worker.log"
    worker = worker_start(env, log_path=log)
    process_stop(worker)

    # then every log record it wrote is a JSON object, its "ready" line among them, none in Celery's
    # plain format (what is left is the start-up banner and Python's warnings, printed, not logged)
    text = log.read_text()
    assert not re.search(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}: ", text, re.M), text[-2000:]
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(entry["message"].endswith("ready.") for entry in entries), entries[-5:]
    assert all({"time", "level", "logger", "message", "territory"} <= set(entry) for entry in entries)
