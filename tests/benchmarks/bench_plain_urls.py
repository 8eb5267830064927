"""Benchmark URLconf with no tenancy at all: /bench/ping only (see bench_plain_settings)."""
from bench_urls import ping
from django.urls import path

urlpatterns = [path("bench/ping", ping, name="bench-ping")]
