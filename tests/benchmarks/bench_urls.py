"""Benchmark URLconf for territory hosts: the territory's own URLs plus /bench/ping.

/bench/ping is the cheapest possible view, so a benchmark on it measures what the
request path costs around a view (middleware, routing), not the view itself.
/bench/db runs SELECT 1: warm-up only, so that every server thread holds an open
database connection, as a production worker that has served any page does.
Loaded by bench_settings (gunicorn) and by the in-process query count.
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from vitrine.config import urls_territory


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pong")


def db_ping(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("pong")


bench_patterns = [path("bench/ping", ping, name="bench-ping"), path("bench/db", db_ping, name="bench-db")]
# First, so URL resolution costs the same here as in bench_plain_urls.
urlpatterns = [*bench_patterns, *urls_territory.urlpatterns]
