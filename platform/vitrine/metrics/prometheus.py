"""Prometheus metrics made by the web processes: requests (counts and latency) and orders placed.

The territory is a label only where its values are bounded: it is the schema of a territory the
router found (a row of tenancy.Territory, so at most as many values as territories), `public` for
the console and `none` for a request no territory served (an unknown host, /healthz). A host
someone makes up never becomes a label. Past `VITRINE_METRICS_MAX_TERRITORIES` distinct values in
one process (2,000 by default) further territories are counted as `other`, so a runaway can never
blow up the series. Latency is labelled by view (bounded by the code), not by territory: per
territory, `vitrine_http_territory_request_seconds` keeps a count and a sum (the mean).

Under gunicorn each worker is a process: with `PROMETHEUS_MULTIPROC_DIR` set (the image's gunicorn
configuration sets it, vitrine.config.gunicorn), prometheus_client writes the values to files
there and /metrics adds up every worker's (vitrine.config.observability).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram, Summary

UNROUTED = "none"  # no territory served the request (unknown host, health check)
OVERFLOW = "other"

REQUESTS = Counter(
    "vitrine_http_requests",
    "Requests answered, by territory and status class (2xx, 3xx, 4xx, 5xx).",
    ["territory", "status"],
)
LATENCY = Histogram(
    "vitrine_http_request_duration_seconds",
    "Time to answer a request, by view (its URL name).",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0),
)
TERRITORY_LATENCY = Summary(
    "vitrine_http_territory_request_seconds",
    "Time to answer a request, by territory (count and sum: the mean).",
    ["territory"],
)
request_log = logging.getLogger("vitrine.requests")

ORDERS_PLACED = Counter("vitrine_orders_placed", "Orders placed at checkout, one per shop of a cart.", ["territory"])

_seen: set[str] = {UNROUTED, "public"}


def territory_label(schema_name: str | None) -> str:
    """The label for a schema the router or a task is on: bounded (see the module's docstring)."""
    if not schema_name:
        return UNROUTED
    if schema_name in _seen:
        return schema_name
    if len(_seen) >= settings.VITRINE_METRICS_MAX_TERRITORIES:
        return OVERFLOW
    _seen.add(schema_name)
    return schema_name


def _request_territory(request: HttpRequest) -> str:
    if not hasattr(request, "tenant"):  # the router answered before choosing (unknown host)
        return UNROUTED
    if request.path_info in ("/healthz", "/livez", "/metrics"):
        return UNROUTED
    tenant = request.tenant
    return territory_label(tenant.schema_name if tenant is not None else "public")


class RequestMetricsMiddleware:
    """Count and time every request; first in the chain, so the routing's own time is in it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        territory = _request_territory(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match is not None else "unmatched"
        REQUESTS.labels(territory=territory, status=f"{response.status_code // 100}xx").inc()
        LATENCY.labels(view=view).observe(elapsed)
        TERRITORY_LATENCY.labels(territory=territory).observe(elapsed)
        if settings.VITRINE_REQUEST_LOG:  # one line per request, with its territory (replaces gunicorn's)
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "view": view,
                    "territory": territory,
                },
            )
        return response


def orders_placed_count(count: int) -> None:
    """Count orders placed in the territory the connection is on (called once they are committed)."""
    ORDERS_PLACED.labels(territory=territory_label(connection.schema_name)).inc(count)
