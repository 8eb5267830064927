"""How long provisioning a territory takes: cloning the template schema vs running migrations.

Times the real service, territory_provision(), end to end (validation, schema,
domain, first admin and its invitation, audit, commit), committed on the test
database as the console's Celery task would run it; the schema step alone is
timed too (progress 20% -> 70%). Each method gets one unmeasured warm-up call
(imports, migration graph), then N measured calls, alternating which goes first.
Every territory made here is dropped afterwards. Prints figures; never asserts on them.
"""

from __future__ import annotations

import os
import time

import pytest
from benchlib import machine_load, median, print_table, run_committed
from django.db import connection

from vitrine.console.services import territory_provision
from vitrine.tenancy.models import Territory
from vitrine.tenancy.schemas import TEMPLATE_SCHEMA, template_is_current
from vitrine.testing.territories import territory_request

N = int(os.environ.get("BENCH_PROVISION_N", "5"))
METHODS = {"clone": True, "migrations": False}
GOAL_CLONE_MS = 1000
GOAL_RATIO = 10


def _provision_timed(slug: str, *, use_template: bool) -> tuple[float, float, str]:
    """Provision one territory; return (total ms, schema step ms, method used), then drop it."""
    marks: dict[int, float] = {}
    started = time.perf_counter()
    result = territory_provision(
        request=territory_request(slug),
        use_template=use_template,
        on_progress=lambda _step, percent: marks.setdefault(percent, time.perf_counter()),
    )
    total = (time.perf_counter() - started) * 1000
    schema_step = (marks[70] - marks[20]) * 1000
    assert result.created, f"{slug} already existed"
    connection.set_schema_to_public()
    Territory.objects.get(pk=result.territory.pk).delete(force_drop=True)
    return total, schema_step, result.method


def _context() -> dict[str, int]:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace")
        schemas = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_class WHERE relnamespace = %s::regnamespace", [TEMPLATE_SCHEMA])
        template_relations = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{TEMPLATE_SCHEMA}".django_migrations')
        tenant_migrations = cursor.fetchone()[0]
    return {"schemas": schemas, "template_relations": template_relations, "tenant_migrations": tenant_migrations}


def _measure() -> dict:
    assert template_is_current(), "the template schema is missing or behind: cloning would fall back to migrations"
    context = _context()
    warmup = {}
    for method, use_template in METHODS.items():
        total, _schema, used = _provision_timed(f"provwarm{method[0]}", use_template=use_template)
        assert used == method
        warmup[method] = total
    runs: dict[str, list[tuple[float, float]]] = {method: [] for method in METHODS}
    for i in range(N):
        order = list(METHODS.items()) if i % 2 == 0 else list(reversed(METHODS.items()))
        for method, use_template in order:
            total, schema_step, used = _provision_timed(f"prov{method[0]}{i}", use_template=use_template)
            assert used == method, f"asked for {method}, provisioning used {used}"
            runs[method].append((total, schema_step))
    leftovers = Territory.objects.filter(schema_name__startswith="prov").count()
    assert leftovers == 0
    assert _context()["schemas"] == context["schemas"], "a benchmark schema was left behind"
    return {"context": context, "warmup": warmup, "runs": runs}


@pytest.mark.django_db
def test_provisioning_speed_clone_vs_migrations():
    measured = run_committed(_measure)

    runs, context = measured["runs"], measured["context"]
    rows = []
    medians = {}
    for method, figures in runs.items():
        totals = [t for t, _s in figures]
        steps = [s for _t, s in figures]
        medians[method] = median(totals)
        rows.append(
            [
                method,
                len(totals),
                f"{median(totals):.0f}",
                f"{min(totals):.0f}",
                f"{max(totals):.0f}",
                f"{median(steps):.0f}",
                f"{measured['warmup'][method]:.0f}",
            ]
        )
    ratio = medians["migrations"] / medians["clone"]
    clone_ok = medians["clone"] < GOAL_CLONE_MS
    ratio_ok = ratio >= GOAL_RATIO
    print_table(
        f"Provisioning one territory with territory_provision(), committed (N={N} per method)",
        ["method", "runs", "median ms", "min ms", "max ms", "schema step median ms", "warm-up call ms"],
        rows,
        notes=[
            f"ratio migrations / clone (medians): {ratio:.2f}x",
            f"goal: clone under {GOAL_CLONE_MS} ms -> {'MET' if clone_ok else 'NOT MET'} ({medians['clone']:.0f} ms)",
            f"goal: cloning >= {GOAL_RATIO}x faster than migrations -> {'MET' if ratio_ok else 'NOT MET'} ({ratio:.2f}x)",
            f"context: {context['tenant_migrations']} tenant migrations recorded in {TEMPLATE_SCHEMA}, "
            f"{context['template_relations']} relations in it, {context['schemas']} schemas in the database",
            "schema step = territory_schema_create() (the template replayed as DDL, or CREATE SCHEMA + migrations);"
            " the rest is validation, rows, admin, invitation, audit and commit",
            machine_load(),
        ],
    )


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _measure_schema_step() -> dict:
    """The schema step on its own, three ways (N runs each, schemas dropped)."""
    from benchlib import schema_structure
    from django.core.management import call_command
    from django_tenants.clone import CloneSchema

    from vitrine.tenancy.schemas import territory_schema_create

    def sql(statement: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement)

    def generic_clone(schema: str) -> None:
        CloneSchema().clone_schema(TEMPLATE_SCHEMA, schema, "NODATA")
        call_command("migrate_schemas", tenant=True, schema_name=schema, fake=True, interactive=False, verbosity=0)
        connection.set_schema_to_public()

    labels = {
        "clone": "territory_schema_create(use_template=True)",
        "generic": "generic fallback: clone_schema() SQL function + migrate --fake",
        "migrations": "territory_schema_create(use_template=False): migrations",
    }
    parts: dict[str, list[float]] = {label: [] for label in labels.values()}
    methods: set[str] = set()
    template = schema_structure(TEMPLATE_SCHEMA)
    renamed: set[tuple[str, str]] = set()
    for i in range(N):
        schema = f"stepc{i}"
        started = time.perf_counter()
        methods.add(territory_schema_create(schema_name=schema, use_template=True))
        parts[labels["clone"]].append((time.perf_counter() - started) * 1000)
        cloned = schema_structure(schema)
        assert cloned == template, f"{schema} differs from {TEMPLATE_SCHEMA}"
        sql(f'DROP SCHEMA "{schema}" CASCADE')

        schema = f"stepg{i}"
        started = time.perf_counter()
        generic_clone(schema)
        parts[labels["generic"]].append((time.perf_counter() - started) * 1000)
        cloned = schema_structure(schema)
        assert cloned["columns"] == template["columns"] and cloned["migrations"] == template["migrations"]
        assert _definitions(cloned["constraints"]) == _definitions(template["constraints"])
        renamed |= set(
            zip(
                sorted(name for _t, name, _d in template["constraints"] - cloned["constraints"]),
                sorted(name for _t, name, _d in cloned["constraints"] - template["constraints"]),
            )
        )
        sql(f'DROP SCHEMA "{schema}" CASCADE')

        schema = f"stepm{i}"
        started = time.perf_counter()
        assert territory_schema_create(schema_name=schema, use_template=False) == "migrations"
        parts[labels["migrations"]].append((time.perf_counter() - started) * 1000)
        assert schema_structure(schema)["columns"] == template["columns"]
        sql(f'DROP SCHEMA "{schema}" CASCADE')
    return {"parts": parts, "methods": methods, "renamed": sorted(renamed)}


def _definitions(constraints: set[tuple]) -> set[tuple[str, str]]:
    return {(table, definition) for table, _name, definition in constraints}


@pytest.mark.django_db
def test_schema_step_breakdown():
    measured = run_committed(_measure_schema_step)
    parts = measured["parts"]
    rows = [[name, len(v), f"{median(v):.0f}", f"{min(v):.0f}", f"{max(v):.0f}"] for name, v in parts.items()]
    fast, generic, migrations = (median(v) for v in parts.values())
    notes = [
        f"method reported by the clone path: {', '.join(sorted(measured['methods']))}; every clone matched"
        f" {TEMPLATE_SCHEMA} exactly (columns, constraint and index names and definitions, migration records)",
        f"migrations / clone: {migrations / fast:.1f}x; generic fallback / clone: {generic / fast:.1f}x",
    ]
    if measured["renamed"]:
        examples = ", ".join(f"{a} -> {b}" for a, b in measured["renamed"][:2])
        notes.append(
            f"generic fallback renames {len(measured['renamed'])} unique constraints ({examples}, ...):"
            " a later migration dropping one by name would not find it in schemas cloned that way"
        )
    print_table(
        f"The schema step alone (N={N} each, committed)",
        ["way", "runs", "median ms", "min ms", "max ms"],
        rows,
        notes=[*notes, machine_load()],
    )
