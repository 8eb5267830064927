"""What routing by host costs: requests per second under gunicorn with production settings.

Scenarios, each its own gunicorn (1 worker, gthread) on the test database:
  no tenancy             bench_plain_settings: Django's own backend, no routing middleware,
                         /bench/ping only; everything else as in production
  territory routing      bench_settings: production + /bench/ping; Host -> territory
  territory home page    bench_settings, "/": a real themed page
  stock django-tenants   bench_stock_settings: TenantMainMiddleware and the stock backend
                         (a Domain query and a SET search_path per request), for reference

Measured with 10 territories, then with 1,000 (BENCH_TERRITORIES). Requests rotate
the Host header over every territory; each server first gets one request per host
(which checks each answer: status, body, the territory's own name), then a warm-up
run; measured runs are interleaved across scenarios to spread drift. The table shows
the median of BENCH_REPEATS runs and ratios to the no-tenancy figure of the same
phase. A second table runs the same scenarios in-process (wsgi_loop.py: Django's
WSGI handler in a loop, no network), which isolates what routing adds in Python.
Timings are printed, never asserted.
"""

from __future__ import annotations

import os

import pytest
from benchlib import (
    DURATION,
    GUNICORN_THREADS,
    REPEATS,
    WARMUP,
    Gunicorn,
    LoadResult,
    collectstatic,
    cpu_split,
    database_url,
    load_generator,
    machine_load,
    median,
    print_table,
    run_committed,
    territories_ensure,
    visit_all,
    wsgi_loop,
)
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

TERRITORY_COUNTS = [int(n) for n in os.environ.get("BENCH_TERRITORIES", "10,1000").split(",")]
GOAL_RATIO = 0.9

SERVERS = {
    "plain": "bench_plain_settings",
    "routed": "bench_settings",
    "stock": "bench_stock_settings",
}
# (label, server, path)
SCENARIOS = [
    ("no tenancy: /bench/ping", "plain", "/bench/ping"),
    ("territory routing: /bench/ping", "routed", "/bench/ping"),
    ("territory home page: /", "routed", "/"),
    ("stock django-tenants: /bench/ping (reference)", "stock", "/bench/ping"),
]


def test_queries_per_routed_request(settings):
    """SQL per request once warm, in-process (test client, production middleware stack).

    On nancy and limoges, the session's territories: other benchmarks may have
    filled their catalogues, which changes the home page's figures, not its query count.
    """
    settings.ROOT_URLCONF = "bench_urls"
    nancy, limoges = Client(HTTP_HOST="nancy.localhost"), Client(HTTP_HOST="limoges.localhost")
    rows = []
    for path in ("/bench/ping", "/"):
        # warm: routes cached, templates compiled, connection open, for both hosts
        for client in (nancy, limoges, nancy):
            assert client.get(path).status_code == 200
        with CaptureQueriesContext(connection) as same_host:
            response = nancy.get(path)
            assert response.status_code == 200
        assert limoges.get(path).status_code == 200
        with CaptureQueriesContext(connection) as switched:
            response = nancy.get(path)
            assert response.status_code == 200
        for label, captured in (("nancy after nancy", same_host), ("nancy after limoges", switched)):
            sql = [q["sql"] for q in captured.captured_queries]
            rows.append([path, label, len(sql), "; ".join(s[:70] for s in sql) or "-"])
    print_table(
        "SQL queries per routed request once warm (Host: nancy.localhost)",
        ["path", "request", "queries", "statements"],
        rows,
        notes=["expected: 0 for /bench/ping (the route comes from the in-process cache, no schema is touched)"],
    )


def _checker(path: str, names: dict[str, str], server: str):
    def check(host: str, status: int, body: bytes) -> None:
        assert status == 200, f"{server} {host}{path}: {status} {body[:300]!r}"
        if path == "/bench/ping":
            assert body == b"pong", f"{server} {host}{path}: {body[:300]!r}"
        else:
            assert names[host].encode() in body, f"{host}{path} does not show its own territory's name"

    return check


def _phase(count: int, database_url: str, loadgen, server_cpu) -> tuple[dict, dict, object]:
    setup = run_committed(territories_ensure, count)
    names = dict(setup.hosts)
    hosts = list(names)
    servers: dict[str, Gunicorn] = {}
    try:
        for key, module in SERVERS.items():
            servers[key] = Gunicorn(key, module, database_url, ready_host=hosts[0], cpu=server_cpu).start()
        for _label, key, path in SCENARIOS:
            visit_all(servers[key].port, path, hosts, _checker(path, names, key))
        for server in servers.values():
            # concurrent requests reach every thread: each opens its database connection
            loadgen.run(server.port, "/bench/db", hosts, WARMUP)
        for _label, key, path in SCENARIOS:
            loadgen.run(servers[key].port, path, hosts, WARMUP)
        runs: dict[str, list[LoadResult]] = {label: [] for label, _key, _path in SCENARIOS}
        for _repeat in range(REPEATS):
            for label, key, path in SCENARIOS:
                result = loadgen.run(servers[key].port, path, hosts, DURATION)
                assert result.errors == 0, f"{label}: {result.errors} failed requests out of {result.requests}"
                assert result.requests > 0
                runs[label].append(result)
    finally:
        for server in servers.values():
            server.stop()
    in_process = {
        label: wsgi_loop(SERVERS[key], database_url, path, hosts, cpu=server_cpu) for label, key, path in SCENARIOS
    }
    return runs, in_process, setup


def test_routing_throughput(request):
    load_at_start = machine_load()
    url = database_url(request.config)
    server_cpu, load_cpu = cpu_split()
    loadgen = load_generator(load_cpu)
    collectstatic("bench_settings", url)

    phases, in_process, setups = {}, {}, {}
    for count in TERRITORY_COUNTS:
        phases[count], in_process[count], setups[count] = _phase(count, url, loadgen, server_cpu)

    rows = []
    ratios: dict[tuple[str, int], float] = {}
    overheads: dict[int, float] = {}
    for count, runs in phases.items():
        baseline = median(r.rps for r in runs[SCENARIOS[0][0]])
        for label, _key, _path in SCENARIOS:
            rps = [r.rps for r in runs[label]]
            ratio = median(rps) / baseline
            ratios[(label, count)] = ratio
            rows.append(
                [
                    label,
                    f"{count:,}",
                    f"{median(rps):,.0f}",
                    f"{min(rps):,.0f}-{max(rps):,.0f}",
                    f"{median(r.p50_ms for r in runs[label]):.2f}",
                    f"{median(r.p99_ms for r in runs[label]):.2f}",
                    f"{ratio:.2f}x",
                ]
            )
        routed = median(r.rps for r in runs[SCENARIOS[1][0]])
        overheads[count] = (1 / routed - 1 / baseline) * 1e6

    routed_label = SCENARIOS[1][0]
    notes = []
    for count in TERRITORY_COUNTS:
        ratio = ratios[(routed_label, count)]
        notes.append(
            f"goal: routing >= {GOAL_RATIO}x no tenancy with {count:,} territories -> "
            f"{'MET' if ratio >= GOAL_RATIO else 'NOT MET'} ({ratio:.3f}x; routing adds {overheads[count]:+.0f} us per request)"
        )
    if len(TERRITORY_COUNTS) > 1:
        small, large = TERRITORY_COUNTS[0], TERRITORY_COUNTS[-1]
        drift = ratios[(routed_label, large)] / ratios[(routed_label, small)] - 1
        notes.append(
            f"goal: routing overhead flat from {small:,} to {large:,} territories -> ratio {ratios[(routed_label, small)]:.2f}x"
            f" -> {ratios[(routed_label, large)]:.2f}x ({drift:+.1%}); overhead {overheads[small]:+.0f} us -> {overheads[large]:+.0f} us"
            f" per request ({'flat' if abs(drift) <= 0.05 else 'NOT flat'} within 5%)"
        )
    setup_notes = [
        f"{count:,} territories: {s.provisioned_now} provisioned now by territory_provision() in {s.seconds:.1f} s"
        + (
            f" ({', '.join(f'{n} by {m}' for m, n in s.methods.items())}, {s.seconds / s.provisioned_now * 1000:.0f} ms each)"
            if s.provisioned_now
            else ""
        )
        + f"; requests rotate over {len(s.hosts):,} hosts; {s.in_database:,} territories in the database"
        for count, s in setups.items()
    ]
    print_table(
        "Requests per second, gunicorn + production settings",
        ["scenario", "territories", "rps (median)", "rps min-max", "p50 ms", "p99 ms", "vs no tenancy"],
        rows,
        notes=notes
        + setup_notes
        + [
            f"load: {loadgen.describe()}; {REPEATS} runs of {DURATION:g} s after a {WARMUP:g} s warm-up, interleaved;"
            f" gunicorn 1 worker gthread x {GUNICORN_THREADS} threads"
            + (
                f"; gunicorn pinned to CPU {server_cpu}, load generator to CPU {load_cpu}"
                if server_cpu is not None
                else ""
            ),
            f"{machine_load()} (at start: {load_at_start})",
        ],
    )

    rows = []
    added: dict[int, float] = {}
    for count, figures in in_process.items():
        # min of the runs: on a CPU-bound loop, the run least disturbed by other work on the machine
        baseline = min(figures[SCENARIOS[0][0]])
        added[count] = min(figures[routed_label]) - baseline
        for label, _key, _path in SCENARIOS:
            us = figures[label]
            rows.append(
                [
                    label,
                    f"{count:,}",
                    f"{min(us):.1f}",
                    f"{median(us):.1f}",
                    f"{min(us) - baseline:+.1f}",
                    f"{baseline / min(us):.2f}x",
                ]
            )
    print_table(
        "Django stack alone, in-process (WSGI handler called in a loop: no network, no gunicorn)",
        ["scenario", "territories", "us/request (min)", "median", "vs no tenancy (us)", "throughput vs no tenancy"],
        rows,
        notes=[
            "same settings, environment and host rotation as above, the database connection open; 5 runs of"
            " about 1 s each after a warm-up, pinned to the server's CPU. It isolates what routing adds in Python.",
            "routing adds, in-process: "
            + ", ".join(f"{us:+.1f} us with {count:,} territories" for count, us in added.items()),
        ],
    )
