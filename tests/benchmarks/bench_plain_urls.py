"""Benchmark URLconf with no tenancy at all: /bench/ping and /bench/db only (see bench_plain_settings)."""

from bench_urls import bench_patterns

urlpatterns = list(bench_patterns)
