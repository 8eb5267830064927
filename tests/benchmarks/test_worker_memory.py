"""A web worker's memory after serving many territories (issue #13, item 4; goal: 300 MB or less).

Provisions N territories (BENCH_MEMORY_TERRITORIES, 1,000 by default) by cloning, committed, half on each
theme; starts one gunicorn worker (gthread, production settings); then asks each territory in turn for
its home page and a search, and reads the worker's resident memory (VmRSS, /proc) every tenth of the
way; a second pass over every territory shows whether it still grows once each has been seen. Every
per-territory cache must be bounded for the figure to flatten: routing (10,000 hosts), compiled
templates (shared per theme unless a territory has its own folder), the stylesheets (256), the search
cache (per territory, bounded), the territory files (1,024).

Prints the table; asserts only that every page answered 200. The territories are dropped afterwards.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import requests
from benchlib import Gunicorn, collectstatic, database_url, machine_load, print_table
from django.db import connection

from vitrine.console.services import territory_provision
from vitrine.tenancy.models import Territory
from vitrine.testing.territories import territory_request
from vitrine.theming.services import theme_names

N = int(os.environ.get("BENCH_MEMORY_TERRITORIES", "1000"))
GOAL_MB = 300
PREFIX = "memb"


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def _worker_pid(master: int) -> int:
    children = [
        int(c) for task in Path(f"/proc/{master}/task").iterdir() for c in (task / "children").read_text().split()
    ]
    assert len(children) == 1, children
    return children[0]


@pytest.mark.usefixtures("committed")
def test_a_worker_that_served_every_territory_keeps_its_memory_bounded(request):
    themes = theme_names()
    connection.set_schema_to_public()
    Territory.objects.filter(schema_name__startswith=PREFIX).delete()  # a run that died midway
    started = time.perf_counter()
    slugs = []
    for n in range(N):
        slug = f"{PREFIX}{n:04d}"
        result = territory_provision(request=territory_request(slug, theme=themes[n % len(themes)]))
        assert result.created
        slugs.append(slug)
        connection.set_schema_to_public()
    provisioning = time.perf_counter() - started
    db_url = database_url(request.config)
    collectstatic("bench_settings", db_url)
    server = Gunicorn("production", "bench_settings", db_url, ready_host=f"{slugs[0]}.localhost").start()
    rows = []
    try:
        pid = _worker_pid(server.process.pid)
        rows.append(["started (one territory's ping)", 1, f"{_rss_mb(pid):.0f}"])
        session = requests.Session()
        every = max(1, N // 10)
        for lap in (1, 2):
            for n, slug in enumerate(slugs, start=1):
                host = {"Host": f"{slug}.localhost", "X-Forwarded-Proto": "https"}
                for path in ("/", "/recherche/?q=pain"):
                    response = session.get(f"http://127.0.0.1:{server.port}{path}", headers=host, timeout=60)
                    assert response.status_code == 200, (slug, path, response.status_code)
                if n % every == 0 or n == N:
                    rows.append([f"pass {lap}, territories seen", n, f"{_rss_mb(pid):.0f}"])
    finally:
        server.stop()
        connection.set_schema_to_public()
        for territory in Territory.objects.filter(schema_name__startswith=PREFIX):
            territory.delete(force_drop=True)
    print_table(
        f"One gunicorn worker's memory, home page and a search in each of {N} territories",
        ["moment", "territories", "RSS MB"],
        rows,
        notes=[
            f"goal: {GOAL_MB} MB or less after every territory; themes: {', '.join(themes)}",
            f"{N} territories provisioned by cloning in {provisioning:.0f} s; {machine_load()}",
        ],
    )
