"""How long a territory's export, restore and deletion take, for a territory with a real catalogue.

A territory is provisioned and given BENCH_LIFE_SHOPS shops of BENCH_LIFE_PRODUCTS products each
(`bench_catalogue_seed`: bulk inserts, photos shared from a small pool), committed; it is exported
(the CSV tables and pg_dump's step timed apart through the progress marks), restored under a new
identifier, and both are deleted for good. Prints figures; never asserts on them.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from benchlib import machine_load, print_table, run_committed
from django.db import connection
from django.utils import timezone

from vitrine.accounts.models import User
from vitrine.console.lifecycle import territory_delete, territory_export, territory_restore
from vitrine.console.services import console_user_delete
from vitrine.devtools.bench import bench_catalogue_seed
from vitrine.tenancy.models import AuditEntry, Territory, TerritoryExport
from vitrine.testing.territories import territory_make

SHOPS = int(os.environ.get("BENCH_LIFE_SHOPS", "40"))
PRODUCTS = int(os.environ.get("BENCH_LIFE_PRODUCTS", "100"))


def _delete(slug: str, operator: User) -> float:
    connection.set_schema_to_public()
    Territory.objects.filter(schema_name=slug).update(
        status=Territory.Status.ARCHIVED, archived_at=timezone.now() - timedelta(days=365)
    )
    territory = Territory.objects.get(schema_name=slug)
    TerritoryExport.objects.create(territory=territory, slug=slug, status=TerritoryExport.Status.SUCCEEDED)
    started = time.perf_counter()
    territory_delete(
        territory=Territory.objects.get(schema_name=slug), actor=operator, confirmation=slug, keep_exports=False
    )
    return time.perf_counter() - started


def _measure() -> dict:
    source = territory_make("lifebench", name="Banc du cycle de vie")
    seeded = bench_catalogue_seed(territory=source, shops=SHOPS, products=PRODUCTS)
    operator = User.objects.create_superuser(email="lifebench@vitrine.example.fr", password="x")
    folder = Path(tempfile.mkdtemp(prefix="lifebench-"))
    try:
        marks: dict[int, float] = {}
        started = time.perf_counter()
        result = territory_export(
            territory=source, out_dir=folder, on_progress=lambda _s, p: marks.setdefault(p, time.perf_counter())
        )
        export_s = time.perf_counter() - started
        started = time.perf_counter()
        territory_restore(archive_path=result.path, slug="lifebenchcopy")
        restore_s = time.perf_counter() - started
        delete_copy_s = _delete("lifebenchcopy", operator)
        delete_source_s = _delete("lifebench", operator)
        return {
            "seeded": seeded,
            "rows": sum(t["rows"] for t in result.manifest["tables"].values()),
            "media": result.manifest["media"],
            "size": result.size,
            "export": export_s,
            "tables": marks[40] - marks[10],
            "pg_dump": marks[55] - marks[40],
            "media_copy": marks[85] - marks[65],
            "restore": restore_s,
            "delete": (delete_copy_s + delete_source_s) / 2,
        }
    finally:
        for slug in ("lifebench", "lifebenchcopy"):
            if Territory.objects.filter(schema_name=slug).exists():
                _delete(slug, operator)
        AuditEntry.objects.filter(actor=operator).delete()
        console_user_delete(user=operator)
        for path in folder.glob("*"):
            path.unlink()
        folder.rmdir()


@pytest.mark.django_db
def test_export_restore_and_delete_times():
    figures = run_committed(_measure)
    print_table(
        f"Territory life cycle: {SHOPS} shops x {PRODUCTS} products ({figures['rows']} rows in the schema, "
        f"{figures['media']['files']} media files, {figures['media']['bytes'] / 1e6:.1f} MB)",
        ["step", "seconds"],
        [
            ["export (whole)", f"{figures['export']:.2f}"],
            ["  tables to CSV", f"{figures['tables']:.2f}"],
            ["  pg_dump", f"{figures['pg_dump']:.2f}"],
            ["  media copy", f"{figures['media_copy']:.2f}"],
            ["restore under a new slug", f"{figures['restore']:.2f}"],
            ["delete for good (mean of two)", f"{figures['delete']:.2f}"],
        ],
        notes=[f"archive: {figures['size'] / 1e6:.1f} MB", f"load: {machine_load()}"],
    )
