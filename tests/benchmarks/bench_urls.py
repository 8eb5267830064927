"""Benchmark URLconf for territory hosts: the territory's own URLs plus /bench/ping.

/bench/ping is the cheapest possible view, so a benchmark on it measures what the
request path costs around a view (middleware, routing), not the view itself.
Loaded by bench_settings (gunicorn) and by the in-process query count.
"""
from django.http import HttpRequest, HttpResponse
from django.urls import path
from vitrine.config import urls_territory


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pong")


# First, so URL resolution costs the same here as in bench_plain_urls.
urlpatterns = [path("bench/ping", ping, name="bench-ping"), *urls_territory.urlpatterns]
