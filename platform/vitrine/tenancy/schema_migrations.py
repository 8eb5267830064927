"""Migrating a thousand schemas: find which lack what, migrate only those, in parallel.

django-tenants' migrate_schemas runs Django's migrate in every schema in turn, even
when there is nothing to apply (about a third of a second each: 5-8 minutes for 1,000
territories on a 2-core machine). Here the migrations the code has are listed once
from the migration files, and every schema's applied migrations are compared with
them in a few catalogue queries (one UNION ALL per chunk of schemas, returning only
what is missing). Django's migrate then runs only in the schemas that lack
something, in a pool of forked worker processes: bounded in number, each recycled
after a number of schemas so that memory stays flat, a failing schema reported
without stopping the others.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from functools import cache, partial

from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.migration_executors.base import run_migrations

from vitrine.tenancy.schemas import identifier_quote

Key = tuple[str, str]  # (app label, migration name)

CHUNK = 200  # schemas per catalogue query


def _recorder_has_table(recorder: MigrationRecorder) -> bool:
    """Whether django_migrations exists in the connection's schema: one catalogue lookup by name.

    Django's own has_table lists every table visible to the connection, a scan of pg_class,
    whose rows grow with the territories (1.66 million relations at 5,000): four such scans
    made Django's migrate in one schema cost seconds, whatever it had to do.
    """
    if recorder._has_table:
        return True
    schema = getattr(recorder.connection, "schema_name", None)
    if not schema:
        return _django_has_table(recorder)
    table = f"{identifier_quote(schema)}.{recorder.connection.ops.quote_name(recorder.Migration._meta.db_table)}"
    with recorder.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        recorder._has_table = cursor.fetchone()[0]
    return recorder._has_table


_django_has_table = MigrationRecorder.has_table


def migration_recorder_speedup() -> None:
    """Make Django's migration recorder find its table by name (called once, by the tenancy app)."""
    MigrationRecorder.has_table = _recorder_has_table  # type: ignore[method-assign]


@cache
def migrations_expected() -> dict[Key, tuple[Key, ...]]:
    """Every migration the code has (what `migrate` with no target applies), with what each replaces.

    Read from the migration files alone, without a database, once per process (the files do not
    change under it): a squashed migration stands for the ones it replaces. Not to be modified.
    """
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: tuple(tuple(r) for r in migration.replaces) for key, migration in loader.graph.nodes.items()}


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def schemas_lacking(
    schemas: Sequence[str], expected: dict[Key, tuple[Key, ...]], *, using: str = "default", chunk: int = CHUNK
) -> dict[str, list[Key]]:
    """The schemas that lack some expected migration, with what each lacks (sorted).

    A schema that is up to date is absent from the answer; one without a
    django_migrations table lacks everything. A squashed migration counts as
    applied when all the migrations it replaces are.
    """
    names = sorted(set(expected) | {r for replaced in expected.values() for r in replaced})
    missing: dict[str, set[Key]] = {}
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        recorded = {row[0] for row in cursor.fetchall()}
        for schema in schemas:
            if schema not in recorded:
                missing[schema] = set(names)
        present = [schema for schema in schemas if schema in recorded]
        for part in _chunks(present, chunk):
            # Schema names are identifiers: quoted into the statement, passed as values too.
            branches = " UNION ALL ".join(
                "SELECT %s, e.app, e.name FROM expected e WHERE NOT EXISTS "  # noqa: S608 (quoted identifiers)
                f"(SELECT 1 FROM {identifier_quote(schema)}.django_migrations m WHERE m.app = e.app AND m.name = e.name)"
                for schema in part
            )
            cursor.execute(
                "WITH expected (app, name) AS MATERIALIZED (SELECT * FROM unnest(%s::text[], %s::text[])) "  # noqa: S608
                + branches,
                [[app for app, _n in names], [name for _a, name in names], *part],
            )
            for schema, app, name in cursor.fetchall():
                missing.setdefault(schema, set()).add((app, name))
    lacking = {}
    for schema, absent in missing.items():
        keys = sorted(
            key
            for key, replaced in expected.items()
            if key in absent and not (replaced and not any(r in absent for r in replaced))
        )
        if keys:
            lacking[schema] = keys
    return lacking


@dataclass
class Outcome:
    """What happened in one schema."""

    schema: str
    ok: bool
    seconds: float
    output: str = ""  # migrate's output, when captured (in a worker)
    error: str = ""  # the traceback, when it failed
    pid: int = 0
    rss_kb: int = 0  # the process's resident memory after this schema


def _rss_kb() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def migrate_schema(schema: str, args: Sequence[str], options: dict, *, capture: bool, in_worker: bool) -> Outcome:
    """Run Django's migrate in one schema (django-tenants' runner: its signals and prefixed output)."""
    started = time.perf_counter()
    out = io.StringIO()
    try:
        if capture:
            with redirect_stdout(out), redirect_stderr(out):
                run_migrations(args, options, "vitrine", schema, allow_atomic=not in_worker)
        else:
            run_migrations(args, options, "vitrine", schema, allow_atomic=not in_worker)
    except Exception:
        if not in_worker:
            raise
        # The connection may be left in a failed transaction: the next schema gets a new one.
        connections.close_all()
        return Outcome(
            schema, False, time.perf_counter() - started, out.getvalue(), traceback.format_exc(), os.getpid(), _rss_kb()
        )
    return Outcome(schema, True, time.perf_counter() - started, out.getvalue(), "", os.getpid(), _rss_kb())


def _worker_migrate(args: Sequence[str], options: dict, schema: str) -> Outcome:
    return migrate_schema(schema, args, options, capture=True, in_worker=True)


def migrate_in_workers(
    schemas: Iterable[str],
    args: Sequence[str],
    options: dict,
    *,
    workers: int,
    recycle: int,
    on_outcome: Callable[[Outcome], None],
) -> None:
    """Migrate the schemas in a pool of `workers` forked processes, each replaced after `recycle` schemas.

    The workers inherit the loaded project (fork) and open a connection each; a
    schema that fails is reported to on_outcome like the others, and the rest go on.
    """
    # The caller's output streams stay here (a worker's output is captured and returned).
    options = {key: value for key, value in options.items() if key not in ("stdout", "stderr")}
    connections.close_all()  # never share a connection with the children
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=workers, maxtasksperchild=recycle) as pool:
        for outcome in pool.imap_unordered(partial(_worker_migrate, list(args), options), schemas, chunksize=1):
            on_outcome(outcome)
