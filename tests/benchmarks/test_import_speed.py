"""How fast a catalogue import runs: a generated 5,000-row CSV, read, checked and committed.

Runs the real services in-process on nancy (inside the test transaction, which the
import's own transaction nests in): read the file, check every row (the preview), then
the commit as the worker runs it (check again, then bulk writes). Once for a new
catalogue (every product created), once for the same file with every price changed
(every product updated), once unchanged. Prints rows per second and query counts;
never asserts on timings. Goal on a 2-core machine: above 500 rows/s for the whole
import (check + commit).
"""

from __future__ import annotations

import os
import time

from benchlib import machine_load, print_table
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, Product
from vitrine.imports.services import _plan_apply, catalog_import_plan
from vitrine.imports.spreadsheets import table_read
from vitrine.imports.testing import catalogue_rows, csv_bytes
from vitrine.testing.factories import ShopFactory

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "5000"))
GOAL_ROWS_PER_SECOND = 500


class _QueryCounter:
    """Counts SQL statements (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)

    def __len__(self) -> int:
        return self.count


def _timed(fn):
    with _QueryCounter() as queries:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return result, seconds, len(queries)


def _run(shop, data: bytes, actor) -> dict:
    table, read_s, _ = _timed(lambda: table_read(data))
    plan, check_s, check_q = _timed(lambda: catalog_import_plan(shop=shop, table=table))
    assert not plan.errors, plan.errors[:3]

    def commit():
        again = catalog_import_plan(shop=shop, table=table)
        _plan_apply(shop=shop, plan=again, actor=actor)
        return again

    _, commit_s, commit_q = _timed(commit)
    total = read_s + check_s + read_s + commit_s  # the worker reads the stored file again before committing
    return {
        "summary": plan.summary,
        "read": read_s,
        "check": check_s,
        "check_q": check_q,
        "commit": commit_s,
        "commit_q": commit_q,
        "total": total,
    }


def test_import_speed_for_a_5000_row_csv(nancy):
    with tenant_context(nancy):
        shop = ShopFactory(category=Category.objects.get(slug="decoration"))
        rows = catalogue_rows(ROWS, prefix="bench")
        new = csv_bytes(rows)
        repriced = csv_bytes([{**row, "prix": "99,90"} if row.get("prix") else row for row in rows])
        results = [
            ("create", _run(shop, new, shop.owner_user)),
            ("update prices", _run(shop, repriced, shop.owner_user)),
            ("unchanged", _run(shop, repriced, shop.owner_user)),
        ]
        products = Product.objects.filter(shop=shop).count()
    table = []
    for name, r in results:
        s = r["summary"]
        table.append(
            [
                name,
                s["rows"],
                f"{s['create']}/{s['update']}/{s['unchanged']}",
                f"{r['read'] * 1000:.0f}",
                f"{r['check']:.2f}",
                r["check_q"],
                f"{s['rows'] / r['check']:.0f}",
                f"{r['commit']:.2f}",
                r["commit_q"],
                f"{s['rows'] / r['total']:.0f}",
            ]
        )
    print_table(
        f"Catalogue import, {ROWS}-row CSV ({products} products in the shop)",
        [
            "run",
            "rows",
            "create/update/same",
            "read ms",
            "check s",
            "check SQL",
            "check rows/s",
            "commit s",
            "commit SQL",
            "whole import rows/s",
        ],
        table,
        notes=[
            "check = the preview (every row checked, nothing written); commit = checked again + bulk writes, "
            "in one transaction",
            f"whole import = read + check + read + commit; goal above {GOAL_ROWS_PER_SECOND} rows/s",
            machine_load(),
        ],
    )
