"""Many territories in one database (issue #13): migrate_schemas, provisioning, disk.

For each size of BENCH_SCALE_TERRITORIES (default "10,100"; the README's figures were taken
with "10,100,1000"), smallest first:

1. territories bench0001... are provisioned up to that size (committed, kept for the next size;
   the routing benchmark uses the same ones);
2. provisioning at that size: BENCH_SCALE_PROBES (20) more territories made by
   territory_provision(), each timed (p50/p95), then deleted;
3. a migrate_schemas with nothing to do, as an operator runs it (a process of its own, default
   verbosity): Vitrine's command, then django-tenants' own on the same database
   (stock_migrate_schemas.py; skipped above BENCH_SCALE_STOCK_MAX=1000 territories, as it takes
   5-8 minutes at 1,000), then Vitrine's again;
4. Vitrine's command with work to do: BENCH_SCALE_LACKING (10) territories are first migrated back
   one migration (orders' newest), so it runs Django's migrate in those alone; its summary gives
   the workers' memory;
5. disk: one empty territory's relations (TOAST included) and their size, and the database's
   growth per territory provisioned in this run (catalogue rows included).

Prints figures; asserts only that each command succeeded and did what it said.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from benchlib import ROOT_DIR, SERVICE_SLUG, machine_load, print_table, run_committed, territories_ensure
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from vitrine.console.services import territory_provision
from vitrine.tenancy.models import Territory
from vitrine.testing.helpers import subprocess_env
from vitrine.testing.territories import territory_request

SIZES = [int(n) for n in os.environ.get("BENCH_SCALE_TERRITORIES", "10,100").split(",")]
PROBES = int(os.environ.get("BENCH_SCALE_PROBES", "20"))
STOCK_MAX = int(os.environ.get("BENCH_SCALE_STOCK_MAX", "1000"))
LACKING = int(os.environ.get("BENCH_SCALE_LACKING", "10"))
GOAL_NOOP_S = 60
GOAL_PROVISION_MS = 1000


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _load() -> float:
    return os.getloadavg()[0]


def _command(argv: list[str]) -> tuple[float, str, float]:
    """(seconds, stdout, load average before) of one command run to completion, which must succeed."""
    load = _load()
    started = time.perf_counter()
    result = subprocess.run(argv, cwd=ROOT_DIR, env=subprocess_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return seconds, result.stdout, load


def _ours() -> tuple[float, str, float]:
    return _command([sys.executable, "manage.py", "migrate_schemas"])


def _stock() -> tuple[float, str, float]:
    return _command([sys.executable, "tests/benchmarks/stock_migrate_schemas.py"])


def _probe(size: int) -> list[float]:
    """Milliseconds of PROBES provisionings with `size` territories present; the probes are deleted after."""
    timings, slugs = [], []
    for i in range(PROBES):
        slug = f"probe{size}x{i}"
        started = time.perf_counter()
        result = territory_provision(request=territory_request(slug))
        timings.append((time.perf_counter() - started) * 1000)
        assert result.created and result.method == "clone", (slug, result.method)
        slugs.append(slug)
    connection.set_schema_to_public()
    for territory in Territory.objects.filter(schema_name__in=slugs):
        territory.delete(force_drop=True)
    return timings


def _database() -> tuple[int, int]:
    """(bytes, relations) of the whole database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database()), (SELECT count(*) FROM pg_class)")
        return cursor.fetchone()


def _footprint(schema: str) -> tuple[int, int, int]:
    """(relations in the schema, the same with their TOAST tables and indexes, bytes of all of them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) + 2 * count(*) FILTER (WHERE reltoastrelid <> 0), coalesce(sum(CASE "
            "WHEN relkind IN ('r', 'p', 'm') THEN pg_total_relation_size(oid) "
            "WHEN relkind = 'S' THEN pg_relation_size(oid) ELSE 0 END), 0) "
            "FROM pg_class WHERE relnamespace = %s::regnamespace",
            [schema],
        )
        return cursor.fetchone()


def _newest_orders_migration() -> tuple[str, str, str]:
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    leaf = next(node for node in graph.leaf_nodes() if node[0] == "orders")
    (parent,) = [p.key for p in graph.node_map[leaf].parents if p.key[0] == "orders"]
    return leaf[0], leaf[1], parent[1]


def _unapply(schemas: list[str]) -> None:
    app, _newest, previous = _newest_orders_migration()
    for schema in schemas:
        call_command("migrate_schemas", app, previous, schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def _grow(size: int) -> dict:
    before = _database()
    setup = territories_ensure(size)
    after = _database()
    return {"made": setup.provisioned_now, "seconds": setup.seconds, "before": before, "after": after}


def _ours_figures(stdout: str) -> dict:
    read = re.search(r"territory schemas read in ([\d.]+) s", stdout)
    summary = re.search(r"Migrated (\d+) of (\d+) schemas .*", stdout)
    memory = re.search(r"worker memory (\d+) MB after a first schema, (\d+) MB at most \((\d+) processes\)", stdout)
    return {
        "read_s": float(read.group(1)) if read else float("nan"),
        "migrated": int(summary.group(1)) if summary else 0,
        "summary": summary.group(0) if summary else "",
        "memory": memory.groups() if memory else None,
    }


@pytest.mark.django_db
def test_migrate_schemas_and_provisioning_at_scale():
    app, newest, _previous = _newest_orders_migration()
    run_committed(lambda: _probe(0))  # warm-up: imports, the template's DDL read once
    results = []
    for size in SIZES:
        grown = run_committed(_grow, size)
        provisioning = run_committed(_probe, size)
        provision_load = _load()

        ours_first = _ours()
        stock = _stock() if size <= STOCK_MAX else None
        ours_second = _ours()
        for _seconds, stdout, _l in (ours_first, ours_second):
            noop = re.search(r"(\d+) territory schemas read in [\d.]+ s: (\d+) up to date\n", stdout)
            assert noop and noop.group(1) == noop.group(2) and int(noop.group(1)) >= size, stdout
        if stock is not None:
            assert f"standard:{SERVICE_SLUG.format(size)}]" in stock[1], stock[1][-2000:]

        lacking = [SERVICE_SLUG.format(n) for n in range(1, size + 1, max(1, size // LACKING))][:LACKING]
        run_committed(_unapply, lacking)
        work = _ours()
        work_figures = _ours_figures(work[1])
        assert work_figures["migrated"] == len(lacking), work[1]
        assert f"{len(lacking)} lacking {app}.{newest}" in work[1], work[1]

        relations, with_toast, schema_bytes = run_committed(_footprint, SERVICE_SLUG.format(1))
        made = grown["made"]
        growth = (grown["after"][0] - grown["before"][0]) / made if made else None
        result = {
            "size": size,
            "schemas": int(noop.group(1)),  # with the session's territories
            "made": made,
            "grow_s": grown["seconds"],
            "p50": _percentile(provisioning, 50),
            "p95": _percentile(provisioning, 95),
            "provision_load": provision_load,
            "ours": [ours_first, ours_second],
            "ours_read": [_ours_figures(ours_first[1])["read_s"], _ours_figures(ours_second[1])["read_s"]],
            "stock": stock,
            "work": work,
            "work_figures": work_figures,
            "lacking": len(lacking),
            "relations": relations,
            "with_toast": with_toast,
            "schema_mb": schema_bytes / 2**20,
            "growth_mb": growth / 2**20 if growth is not None else None,
            "database": grown["after"],
        }
        results.append(result)
        _print_size(result)
    _print_summary(results)


def _print_size(r: dict) -> None:
    (first_s, _o, first_load), (second_s, _o2, second_load) = r["ours"]
    rows = [
        ["Vitrine's migrate_schemas, nothing to do", f"{first_s:.1f}", f"{first_load:.1f}"],
        ["django-tenants' migrate_schemas, nothing to do", f"{r['stock'][0]:.1f}" if r["stock"] else "-",
         f"{r['stock'][2]:.1f}" if r["stock"] else "-"],
        ["Vitrine's migrate_schemas, nothing to do (again)", f"{second_s:.1f}", f"{second_load:.1f}"],
        [f"Vitrine's migrate_schemas, {r['lacking']} territories lacking one migration", f"{r['work'][0]:.1f}",
         f"{r['work'][2]:.1f}"],
    ]  # fmt: skip
    notes = [
        f"catalogue read (which schemas lack what): {r['ours_read'][0]:.2f} s and {r['ours_read'][1]:.2f} s",
        f"with work: {r['work_figures']['summary']}",
        f"provisioning with {r['size']} territories present ({PROBES} more, by territory_provision()): "
        f"p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms (load {r['provision_load']:.1f})",
        f"grown by {r['made']} territories in {r['grow_s']:.0f} s; database {r['database'][0] / 2**30:.2f} GiB,"
        f" {r['database'][1]} relations",
        f"one empty territory: {r['relations']} relations ({r['with_toast']} with TOAST), {r['schema_mb']:.2f} MiB;"
        + (f" database growth per territory made: {r['growth_mb']:.2f} MiB" if r["growth_mb"] is not None else ""),
        machine_load(),
    ]
    if r["stock"]:
        notes.insert(0, f"django-tenants / Vitrine (nothing to do): {r['stock'][0] / min(first_s, second_s):.1f}x")
    print_table(
        f"migrate_schemas with {r['size']} territories ({r['schemas']} in the database)",
        ["command", "seconds", "load"],
        rows,
        notes=notes,
    )


def _print_summary(results: list[dict]) -> None:
    rows = []
    for r in results:
        ours = min(s for s, _o, _l in r["ours"])
        rows.append(
            [
                r["size"],
                f"{ours:.1f}",
                f"{r['stock'][0]:.1f}" if r["stock"] else "-",
                f"{r['stock'][0] / ours:.0f}x" if r["stock"] else "-",
                f"{r['work'][0]:.1f} ({r['lacking']})",
                f"{r['p50']:.0f} / {r['p95']:.0f}",
                f"{max(_l for _s, _o, _l in r['ours']):.1f}",
            ]
        )
    largest = results[-1]
    print_table(
        "Scale: migrate_schemas (s, a process each) and provisioning (ms)",
        [
            "territories",
            "no-op, Vitrine",
            "no-op, django-tenants",
            "ratio",
            "with work, Vitrine (schemas lacking)",
            "provisioning p50 / p95",
            "load",
        ],
        rows,
        notes=[
            f"goal: no-op under {GOAL_NOOP_S} s at 1,000 territories; provisioning under {GOAL_PROVISION_MS} ms",
            f"workers' memory at {largest['size']} (after a first schema, at most, processes): "
            f"{largest['work_figures']['memory']}",
            machine_load(),
        ],
    )
