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
from django.db import connection

from benchlib import median, print_table, run_committed
from vitrine.tenancy.models import Territory
from vitrine.tenancy.schemas import TEMPLATE_SCHEMA, template_is_current
from vitrine.tenancy.services import territory_provision
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
        rows.append([
            method, len(totals), f"{median(totals):.0f}", f"{min(totals):.0f}", f"{max(totals):.0f}",
            f"{median(steps):.0f}", f"{measured['warmup'][method]:.0f}",
        ])
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
            "schema step = territory_schema_create() (clone + fake-migrate, or CREATE SCHEMA + migrate);"
            " the rest is validation, rows, admin, invitation, audit and commit",
        ],
    )
