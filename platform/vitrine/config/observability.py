"""The health check (/healthz, /livez) and the Prometheus exposition (/metrics).

/healthz says which dependency is down: the database (then 503: no page can be served), the cache
and the broker (then 200 "degraded": pages are served without them, slower, and emails and tasks
wait in the outbox; a load balancer must keep sending traffic). /livez only says the process
answers (a liveness probe that restarts nothing when PostgreSQL is down).

/metrics (with VITRINE_METRICS_TOKEN) adds to the web processes' own metrics
(vitrine.metrics.prometheus) figures read when scraped, each in one query or one broker call:
the outbox backlog and orders of the week per territory (from tenancy.TerritoryHealth, which beat
refreshes; `vitrine_territory_health_age_seconds` says how fresh), each Celery queue's length,
the migrations not applied to the public and template schemas, and each dependency's state.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
from collections.abc import Callable, Iterable
from functools import cache

import redis
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from vitrine.config.celery import app as celery_app
from vitrine.metrics.prometheus import territory_label
from vitrine.tenancy.models import TerritoryHealth
from vitrine.tenancy.schema_migrations import migrations_expected, schemas_lacking

CHECK_TIMEOUT = 1.0  # seconds a dependency has to answer


# --- Dependencies ------------------------------------------------------------------------


def database_check() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=CHECK_TIMEOUT, socket_connect_timeout=CHECK_TIMEOUT)


def cache_check() -> None:
    if settings.REDIS_URL:
        _redis(settings.REDIS_URL).ping()
    else:  # the file cache of one machine: a key written and read back
        store = caches["shared"]
        store.set("healthz", "ok", 30)
        if store.get("healthz") != "ok":
            raise OSError("the file cache keeps nothing")


def broker_check() -> None:
    url = celery_app.conf.broker_url or ""
    if url.startswith(("redis://", "rediss://")):
        _redis(url).ping()
        return
    with celery_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)


CHECKS: dict[str, Callable[[], None]] = {"database": database_check, "cache": cache_check, "broker": broker_check}
ESSENTIAL = frozenset({"database"})  # without it no page can be served


def dependencies_state() -> dict[str, str]:
    """Each dependency: "ok", or "down: <kind of error>" (never its message: this is public)."""
    state = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure to answer is "down"; its class says which
            state[name] = f"down: {type(error).__name__}"
        else:
            state[name] = "ok"
    return state


INTERNAL_SUFFIXES = (".svc", ".svc.cluster.local", ".internal", ".local")


def reached_directly(request: HttpRequest) -> bool:
    """Whether the request came to web from inside (a probe, Prometheus), not through a proxy.

    In the image, gunicorn also listens on VITRINE_INTERNAL_PORT (9100), which no proxy, Service
    or Ingress forwards: a request is internal when it arrived on that socket, whatever its Host
    (which a client can set to anything, even through an ingress that routes by the request
    line). Without that port (development, another server), it must name web by an internal
    address (an IP, a name without a dot, *.svc, *.internal, *.local, VITRINE_INTERNAL_HOSTS)
    and carry no X-Forwarded-For, which each proxy of infra/ and every ingress controller adds.
    """
    port = settings.VITRINE_INTERNAL_PORT
    sock = request.META.get("gunicorn.socket")
    if port and sock is not None:
        try:
            return sock.getsockname()[1] == port
        except (OSError, IndexError, TypeError):
            return False
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    host, _port = split_domain_port(request.META.get("HTTP_HOST", ""))
    if not host:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    return "." not in host or host.endswith(INTERNAL_SUFFIXES) or host in settings.VITRINE_INTERNAL_HOSTS


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok", 200 "degraded" (cache or broker down) or 503 "down" (database), naming each.

    Asked from outside (through the ingress or a proxy, by anyone), the same status and
    code without the dependencies' names and errors (reached_directly).
    """
    state = dependencies_state()
    down = {name for name, value in state.items() if value != "ok"}
    status = "down" if down & ESSENTIAL else "degraded" if down else "ok"
    body = json.dumps({"status": status, **state} if reached_directly(request) else {"status": status})
    return HttpResponse(body, status=503 if status == "down" else 200, content_type="application/json")


@never_cache
def livez(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


# --- Prometheus ----------------------------------------------------------------------------


def _app_labels(app_names: Iterable[str]) -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name in set(app_names)}


def migrations_pending(schema: str, app_names: Iterable[str]) -> int:
    """Migrations of these apps the code has and `schema` has not applied (as migrate_schemas reads them)."""
    labels = _app_labels(app_names)
    expected = {key: replaced for key, replaced in migrations_expected().items() if key[0] in labels}
    return len(schemas_lacking([schema], expected).get(schema, []))


def queue_lengths(queues: Iterable[str]) -> dict[str, int]:
    """Messages waiting in each Celery queue (a passive declare: creates nothing)."""
    lengths = {}
    with celery_app.connection_for_read() as broker:
        broker.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)
        channel = broker.default_channel
        for queue in queues:
            try:
                lengths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
            except Exception:  # a queue nobody declared yet holds nothing (AMQP answers 404)
                lengths[queue] = 0
    return lengths


class ScrapeCollector(Collector):
    """Figures read when Prometheus scrapes: from the public schema and the broker only."""

    def collect(self):
        state = dependencies_state()
        up = GaugeMetricFamily("vitrine_dependency_up", "1 if the dependency answers, 0 if not.", labels=["dependency"])
        for name, value in state.items():
            up.add_metric([name], 1.0 if value == "ok" else 0.0)
        yield up
        if state["database"] == "ok":
            yield from self._database_figures()
        if state["broker"] == "ok":
            try:
                lengths = queue_lengths(settings.VITRINE_METRICS_CELERY_QUEUES)
            except Exception:  # the broker went away between the check and now: no figure
                lengths = {}
            depth = GaugeMetricFamily(
                "vitrine_celery_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"]
            )
            for queue, length in lengths.items():
                depth.add_metric([queue], float(length))
            yield depth

    def _database_figures(self):
        previous = connection.schema_name
        connection.set_schema_to_public()
        try:
            outbox = GaugeMetricFamily(
                "vitrine_outbox_pending", "Emails waiting in a territory's outbox.", labels=["territory"]
            )
            orders = GaugeMetricFamily(
                "vitrine_orders_week", "Orders placed in a territory in the last 7 days.", labels=["territory"]
            )
            oldest = None
            rows = TerritoryHealth.objects.values_list(
                "territory__schema_name", "outbox_pending", "orders_week", "computed_at"
            )
            for schema, pending, week, computed_at in rows:
                label = territory_label(schema)
                outbox.add_metric([label], float(pending))
                orders.add_metric([label], float(week))
                oldest = computed_at if oldest is None else min(oldest, computed_at)
            yield outbox
            yield orders
            age = GaugeMetricFamily(
                "vitrine_territory_health_age_seconds",
                "Age of the oldest territory figures above (beat refreshes them every VITRINE_CONSOLE_HEALTH_SECONDS).",
            )
            age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
            yield age
            pending = GaugeMetricFamily(
                "vitrine_migrations_pending",
                "Migrations the code has that the schema has not applied (the template is migrated last).",
                labels=["schema"],
            )
            pending.add_metric(["public"], float(migrations_pending("public", settings.SHARED_APPS)))
            pending.add_metric(
                [settings.TENANT_BASE_SCHEMA],
                float(migrations_pending(settings.TENANT_BASE_SCHEMA, settings.TENANT_APPS)),
            )
            yield pending
        finally:
            connection.set_schema(previous)


def metrics_registry() -> CollectorRegistry:
    """This process's metrics, or every gunicorn worker's (PROMETHEUS_MULTIPROC_DIR), plus the scrape's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Delegate(REGISTRY))
    registry.register(ScrapeCollector())
    return registry


class _Delegate(Collector):
    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition, for the bearer of VITRINE_METRICS_TOKEN asking web directly (404 otherwise).

    Prometheus scrapes each pod or container on its internal port; through the ingress or a
    proxy the answer is a 404 even with the token (reached_directly).
    """
    token = settings.VITRINE_METRICS_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(sent.encode(), token.encode()):
        raise Http404
    if not reached_directly(request):
        raise Http404
    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)
