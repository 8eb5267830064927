"""migrate_schemas migrates the schemas that lack a migration, leaves the others alone, names failures.

Run as an operator runs it: `manage.py migrate_schemas` in a process of its own, on the
test database, with territories committed here (and deleted after) beside the session's.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext

from vitrine.tenancy.models import Territory
from vitrine.tenancy.schema_migrations import migrate_schema
from vitrine.tenancy.schemas import TEMPLATE_SCHEMA
from vitrine.testing.helpers import ROOT_DIR, subprocess_env
from vitrine.testing.territories import territory_make

# Django's migrate with no target, as migrate_schemas hands it to each schema.
MIGRATE_OPTIONS = {
    "verbosity": 0,
    "interactive": False,
    "database": "default",
    "skip_checks": True,
    "run_syncdb": False,
    "fake": False,
    "fake_initial": False,
    "plan": False,
    "check_unapplied": False,
    "prune": False,
    "app_label": None,
    "migration_name": None,
    "force_color": False,
    "no_color": True,
    "traceback": False,
}


def _manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "migrate_schemas", *args],
        cwd=ROOT_DIR,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _last_orders_migration() -> tuple[tuple[str, str], str]:
    """The newest orders migration (nothing depends on it) and the one before it."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    leaf = next(node for node in graph.leaf_nodes() if node[0] == "orders")
    (parent,) = [p.key for p in graph.node_map[leaf].parents if p.key[0] == "orders"]
    return leaf, parent[1]


def _unapply(schema: str, app: str, migration: str) -> None:
    """Migrate one schema back to `migration` of `app` (django-tenants' command, in this process)."""
    call_command("migrate_schemas", app, migration, schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def _applied(schema: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id, app, name, applied FROM "{schema}".django_migrations ORDER BY id')
        return cursor.fetchall()


def _indexes(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = %s", [schema])
        return set(cursor.fetchall())


@pytest.fixture
def made(committed):
    """Territories committed for one test; deleted with their schemas afterwards."""
    slugs: list[str] = []

    def make(slug: str) -> Territory:
        slugs.append(slug)
        return territory_make(slug)

    yield make
    connection.set_schema_to_public()
    for territory in Territory.objects.filter(schema_name__in=slugs):
        territory.delete(force_drop=True)


def test_only_the_schema_lacking_a_migration_is_migrated(made):
    # given territories up to date, and one that lacks the newest orders migration
    leaf, previous = _last_orders_migration()
    made("migra")
    made("migrb")
    _unapply("migra", leaf[0], previous)
    assert leaf not in {(app, name) for _i, app, name, _a in _applied("migra")}
    assert _indexes("migra") != _indexes("migrb")
    others = ["nancy", "limoges", "migrb", TEMPLATE_SCHEMA]
    before = {schema: _applied(schema) for schema in others}

    # when the operator checks, then migrates every schema
    check = _manage("--check")
    migrate = _manage("-v", "2")

    # then the check named the schema lacking the migration and changed nothing
    assert check.returncode == 1, check.stdout + check.stderr
    assert "migra: 1 unapplied (orders." in check.stderr
    assert "migrb" not in check.stderr and "nancy" not in check.stderr
    # and the migration ran in that schema alone: its index is back, its record too
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert f"1 to migrate (1 lacking {leaf[0]}.{leaf[1]})" in migrate.stdout
    assert f"[vitrine:migra]   Applying {leaf[0]}.{leaf[1]}... OK" in migrate.stdout
    assert "Migrated 1 of 1 schemas (1 migrations applied), 0 failed" in migrate.stdout
    assert leaf in {(app, name) for _i, app, name, _a in _applied("migra")}
    assert _indexes("migra") == _indexes("migrb")
    # and Django's migrate never started in the others: their records are as they were
    migrated = {match.group(1) for match in re.finditer(r"^\[(?:[^\]]*:)?([^\]:]+)\] ", migrate.stdout, re.MULTILINE)}
    assert migrated == {"migra"}
    assert {schema: _applied(schema) for schema in others} == before


def test_failing_schemas_are_named_and_the_others_completed(made):
    # given three territories lacking the newest orders migration, two of them broken
    # (their record of applied migrations is gone: migrate would replay every migration and fail)
    leaf, previous = _last_orders_migration()
    for slug in ("migrc", "migrd", "migre"):
        made(slug)
        _unapply(slug, leaf[0], previous)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE migrd.django_migrations RENAME TO django_migrations_lost")
        cursor.execute("ALTER TABLE migre.django_migrations RENAME TO django_migrations_lost")

    # when every schema is migrated by two workers
    result = _manage("--workers", "2")

    # then the command fails, naming both broken schemas
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Migrations failed in 2 schemas: migrd, migre" in result.stderr
    assert "migrd: migration failed:" in result.stderr and "migre: migration failed:" in result.stderr
    assert "Migrated 1 of 3 schemas (1 migrations applied), 2 failed" in result.stdout
    assert "2 workers" in result.stdout
    # and the healthy one was completed
    assert leaf in {(app, name) for _i, app, name, _a in _applied("migrc")}


def test_migrating_one_schema_never_lists_every_territorys_tables(made):
    # given a territory lacking the newest orders migration
    leaf, previous = _last_orders_migration()
    made("migrf")
    _unapply("migrf", leaf[0], previous)

    # when Django's migrate runs in it, as migrate_schemas runs it in each schema that needs it
    with CaptureQueriesContext(connection) as queries:
        migrate_schema("migrf", [], MIGRATE_OPTIONS, capture=True, in_worker=False)

    # then it was migrated without one scan of pg_class for the visible tables (a scan that grows with
    # the territories: 1.66 million relations at 5,000, four of them a schema, seconds each)
    assert leaf in {(app, name) for _i, app, name, _a in _applied("migrf")}
    scans = [q["sql"] for q in queries.captured_queries if "pg_table_is_visible" in q["sql"]]
    assert scans == []


def test_the_migration_records_are_looked_for_in_the_schema_alone(committed):
    # given a schema without a record of migrations, on a connection whose search path also holds public's
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA migrempty")
    try:
        connection.set_schema("migrempty")  # include_public: public.django_migrations is on the path
        # then the recorder says the schema has none (it would otherwise record into public's)
        assert MigrationRecorder(connection).has_table() is False
        connection.set_schema("nancy")
        assert MigrationRecorder(connection).has_table() is True
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA migrempty CASCADE")
