"""Territory schemas: created by cloning a migrated template, or by migrations.

Cloning reads the template's catalogue once per process and replays it as one
batch of DDL: tables (columns, defaults, identity), then constraints and indexes
under their own names (so later migrations find them), then foreign keys, then
the rows the template holds. The template is never used by anyone: its rows are
exactly what migrations write (applied migrations, content types, permissions,
data migrations such as the seeded category tree), so a clone equals a migrated
schema. A template
holding objects this does not know how to copy (views, functions, triggers,
free sequences, custom types) is cloned by django-tenants' generic
`clone_schema()` instead, which is slower but copies everything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_context, schema_exists

logger = logging.getLogger(__name__)

TEMPLATE_SCHEMA: str = settings.TENANT_BASE_SCHEMA

# pg_advisory_lock(TEMPLATE_LOCK): shared by each provisioning from its template check to its commit,
# exclusive while the template is migrated (see template_lock()).
TEMPLATE_LOCK = 0x5654_5450
_ddl_lock = threading.Lock()
_ddl_cache: dict[int, list[str] | None] = {}  # template migration count -> statements
_template_current_at: int | None = None  # template migration count last found current


def _migrate(schema_name: str, *, fake: bool = False) -> None:
    call_command("migrate_schemas", tenant=True, schema_name=schema_name, fake=fake, interactive=False, verbosity=0)


def identifier_quote(name: str) -> str:
    """A PostgreSQL identifier (a schema's, a table's) quoted for a statement."""
    return '"' + name.replace('"', '""') + '"'


def _template_migration_count() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{identifier_quote(TEMPLATE_SCHEMA)}.django_migrations"])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT count(*) FROM {identifier_quote(TEMPLATE_SCHEMA)}.django_migrations")
        return cursor.fetchone()[0]


def template_is_current() -> bool:
    """Whether the template schema exists and has every tenant migration applied."""
    global _template_current_at
    count = _template_migration_count()
    if count is None:
        return False
    if count == _template_current_at:
        return True  # migrations only move forward: same count, same verdict
    with schema_context(TEMPLATE_SCHEMA):
        executor = MigrationExecutor(connection)
        current = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    if current:
        _template_current_at = count
    return current


class TemplateLockTimeout(RuntimeError):
    """The template's migration waited too long for provisionings (or restores) under way."""


@contextmanager
def template_lock(*, exclusive: bool, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the template lock on this connection: shared to clone, exclusive to migrate the template.

    Provisioning holds it shared from the moment it checks the template until its
    transaction commits (released with the transaction; outside one, at the end of
    the block). A migration of the template holds it exclusive, so it waits for the
    provisionings under way to commit, and a provisioning that starts meanwhile waits
    for the template to be current: no territory is cloned from a template half
    migrated (new migration records over old tables), and every territory committed
    before the template changed is listed by the migrate_schemas that changed it.

    The exclusive side tries rather than queues (a queued exclusive request would
    make every new provisioning wait behind it), says who it waits for, and gives up
    after `wait_seconds` (VITRINE_TEMPLATE_LOCK_WAIT_SECONDS) with TemplateLockTimeout.
    """
    in_transaction = connection.in_atomic_block
    xact = "_xact" if in_transaction else ""  # inside a transaction: held until it ends
    if exclusive:
        _exclusive_wait(xact, settings.VITRINE_TEMPLATE_LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds)
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory{xact}_lock_shared(%s)", [TEMPLATE_LOCK])
    try:
        yield
    finally:
        if not in_transaction:
            _session_unlock("pg_advisory_unlock" if exclusive else "pg_advisory_unlock_shared")


def _exclusive_wait(xact: str, wait_seconds: float) -> None:
    started = time.monotonic()
    said_at = None
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_try_advisory{xact}_lock(%s)", [TEMPLATE_LOCK])
            if cursor.fetchone()[0]:
                return
            cursor.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s "
                "AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "ORDER BY pid",
                [TEMPLATE_LOCK >> 32, TEMPLATE_LOCK & 0xFFFFFFFF],
            )
            holders = [row[0] for row in cursor.fetchall()]
        waited = time.monotonic() - started
        if waited >= wait_seconds:
            raise TemplateLockTimeout(
                f"The template schema was not migrated: {len(holders)} provisionings or restores still under way "
                f"after {wait_seconds:.0f} s (PostgreSQL sessions {holders}). Run migrate_schemas again."
            )
        if said_at is None or time.monotonic() - said_at >= 10:
            logger.warning(
                "Waiting for %d provisionings or restores under way (PostgreSQL sessions %s) to commit "
                "before migrating the template schema (%.0f s so far)",
                len(holders),
                holders,
                waited,
            )
            said_at = time.monotonic()
        time.sleep(0.1)


def _session_unlock(function: str) -> None:
    """Release a session-level lock; a session that is gone or broken is closed, which releases it too."""
    if connection.connection is None:
        return  # closed meanwhile (django-tenants closes it after a schema's migration): released then
    try:
        if connection.needs_rollback:
            raise DatabaseError("transaction aborted")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [TEMPLATE_LOCK])  # noqa: S608 (one of two names)
    except DatabaseError:
        connection.close()


def template_schema_ensure() -> bool:
    """Create or migrate the template schema that new territories are cloned from.

    Returns True when something had to be done. The migration waits for the
    provisionings under way to commit, and holds new ones until it is done.
    """
    if template_is_current():
        return False
    with template_lock(exclusive=True):
        if template_is_current():  # migrated by another process while this one waited
            return False
        if not schema_exists(TEMPLATE_SCHEMA):
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {identifier_quote(TEMPLATE_SCHEMA)}")
        _migrate(TEMPLATE_SCHEMA)
        connection.set_schema_to_public()
    logger.info("Template schema %s is current", TEMPLATE_SCHEMA)
    return True


UNSUPPORTED_OBJECTS_SQL = """
SELECT
  (SELECT count(*) FROM pg_class WHERE relnamespace = %(ns)s::regnamespace AND relkind IN ('v', 'm', 'f'))
+ (SELECT count(*) FROM pg_proc WHERE pronamespace = %(ns)s::regnamespace)
+ (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = %(ns)s::regnamespace AND NOT t.tgisinternal)
+ (SELECT count(*) FROM pg_class s WHERE s.relnamespace = %(ns)s::regnamespace AND s.relkind = 'S'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = s.oid AND d.deptype IN ('a', 'i')))
+ (SELECT count(*) FROM pg_type WHERE typnamespace = %(ns)s::regnamespace AND typtype IN ('e', 'd', 'r', 'm')
     OR (typnamespace = %(ns)s::regnamespace AND typtype = 'c'
         AND typrelid IN (SELECT oid FROM pg_class WHERE relkind = 'c')))
"""


def _template_ddl() -> list[str] | None:
    """Statements recreating the template in a schema named by the {schema} placeholder."""
    template = identifier_quote(TEMPLATE_SCHEMA)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path = pg_catalog")  # so every name comes out schema-qualified
        cursor.execute(UNSUPPORTED_OBJECTS_SQL, {"ns": TEMPLATE_SCHEMA})
        if cursor.fetchone()[0]:
            return None
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind IN ('r', 'p') "
            "ORDER BY relname",
            [TEMPLATE_SCHEMA],
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE connamespace = %s::regnamespace AND contype IN ('c', 'p', 'u', 'x', 'f') "
            "ORDER BY contype = 'f', conrelid::regclass::text, conname",
            [TEMPLATE_SCHEMA],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relnamespace = %s::regnamespace "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
            [TEMPLATE_SCHEMA],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        # Rows to copy: every table that has some, without generated columns.
        cursor.execute(
            "SELECT c.relname, array_agg(quote_ident(a.attname) ORDER BY a.attnum), "
            "array_agg(a.attname ORDER BY a.attnum) FILTER (WHERE a.attidentity <> '') "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p') "
            "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' GROUP BY c.relname ORDER BY c.relname",
            [TEMPLATE_SCHEMA],
        )
        columns = cursor.fetchall()
        filled = []
        for table, names, identities in columns:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {template}.{identifier_quote(table)})")
            if cursor.fetchone()[0]:
                filled.append((table, names, identities or []))
    connection.search_path_set_schemas = None  # SET LOCAL ended with the block: re-issue it
    prefix = f"{template}."
    like = "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS"
    statements = ["CREATE SCHEMA {schema}"]
    statements += [
        f"CREATE TABLE {{schema}}.{identifier_quote(t)} (LIKE {template}.{identifier_quote(t)} {like})" for t in tables
    ]
    for table, name, definition, _kind in constraints:
        table = table.removeprefix(prefix).removeprefix(f"{TEMPLATE_SCHEMA}.")
        definition = definition.replace(prefix, "{schema}.").replace(f"{TEMPLATE_SCHEMA}.", "{schema}.")
        statements.append(
            f"ALTER TABLE {{schema}}.{identifier_quote(table)} ADD CONSTRAINT {identifier_quote(name)} {definition}"
        )
    statements += [
        index.replace(f" ON {prefix}", " ON {schema}.").replace(f" ON {TEMPLATE_SCHEMA}.", " ON {schema}.")
        for index in indexes
    ]
    for table, names, identities in filled:
        column_list = ", ".join(names)
        statements.append(
            f"INSERT INTO {{schema}}.{identifier_quote(table)} ({column_list}) SELECT {column_list} FROM {template}.{identifier_quote(table)}"
        )
        for column in identities:
            statements.append(
                f"SELECT setval(pg_get_serial_sequence('{{schema}}.{identifier_quote(table)}', '{column}'), "
                f"coalesce((SELECT max({identifier_quote(column)}) FROM {{schema}}.{identifier_quote(table)}), 0) + 1, false)"
            )
    return [s.replace("{", "{{").replace("}", "}}").replace("{{schema}}", "{schema}") for s in statements]


def _clone_from_template(schema_name: str) -> str:
    count = _template_migration_count()
    with _ddl_lock:
        if count not in _ddl_cache:
            _ddl_cache.clear()
            _ddl_cache[count] = _template_ddl()
        statements = _ddl_cache[count]
    if statements is None:
        # DATA: the template's rows are what migrations wrote (applied migrations,
        # seeded categories); faking migrations instead would skip data migrations.
        CloneSchema().clone_schema(TEMPLATE_SCHEMA, schema_name, "DATA")
        return "clone (generic)"
    sql = ";\n".join(statement.format(schema=identifier_quote(schema_name)) for statement in statements)
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return "clone"


def territory_schema_create(*, schema_name: str, use_template: bool = True) -> str:
    """Create a territory's schema with every tenant migration applied; return how.

    Cloning the template is several times faster than running the migrations;
    when the template is missing or behind the code, migrations run.
    """
    with template_lock(exclusive=False):
        if use_template and template_is_current():
            method = _clone_from_template(schema_name)
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {identifier_quote(schema_name)}")
            _migrate(schema_name)
            method = "migrations"
        connection.set_schema_to_public()
    return method
