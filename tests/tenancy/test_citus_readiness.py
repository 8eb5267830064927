"""What Citus 12's schema-based sharding needs of the database, checked on the test database.

`citus_schema_distribute('<territory>')` moves a whole schema to one node. Citus refuses it when a
table of the schema has a foreign key to another schema (unless the target is a reference table),
when another schema's table has a foreign key into it, and for inherited or foreign tables
(Citus's EnsureTenantTable). Each territory schema must also be able to grow: every key is 64-bit,
save a few third-party tables whose size the code bounds. Citus itself cannot be installed here;
infra/README.md ("Past one database: Citus") is the step-by-step guide.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import connection

# Third-party tables keeping 32-bit keys (their apps choose AutoField, and changing another app's
# column outside its migrations would drift from its models). Each reason says what bounds the rows.
SMALL_KEY_TABLES = {
    "auth_group": "groups are not used; bounded by code",
    "auth_group_permissions": "groups are not used; bounded by code",
    "auth_permission": "four per model: bounded by code",
    "django_content_type": "one per model: bounded by code",
    "axes_accessattempt": "one row per (account, address) failing to sign in, deleted on success",
    "axes_accessattemptexpiration": "one per access attempt, deleted with it",
    "axes_accesslog": "never written: AXES_DISABLE_ACCESS_LOG",
    "axes_accessfailurelog": "never written: the failure log is off",
    "otp_static_staticdevice": "at most one per account (recovery codes)",
    "otp_static_statictoken": "ten per account's recovery-code device, replaced when renewed",
    "otp_totp_totpdevice": "at most one per account (authenticator app)",
}

FOREIGN_KEYS = """
SELECT c.conname, src_ns.nspname, src.relname, dst_ns.nspname, dst.relname
FROM pg_constraint c
JOIN pg_class src ON src.oid = c.conrelid JOIN pg_namespace src_ns ON src_ns.oid = src.relnamespace
JOIN pg_class dst ON dst.oid = c.confrelid JOIN pg_namespace dst_ns ON dst_ns.oid = dst.relnamespace
WHERE c.contype = 'f' AND src_ns.nspname = ANY(%s)
"""

SMALL_KEYS = """
SELECT DISTINCT n.nspname, t.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(c.conkey)
WHERE c.contype IN ('p', 'f') AND n.nspname = ANY(%s) AND a.atttypid IN ('int2'::regtype, 'int4'::regtype)
"""


def schemas() -> list[str]:
    """public, the template new territories are cloned from, and every territory."""
    from vitrine.tenancy.models import Territory

    territories = list(Territory.objects.values_list("schema_name", flat=True))
    assert {"nancy", "limoges"} <= set(territories)
    return ["public", settings.TENANT_BASE_SCHEMA, *territories]


def query(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_no_foreign_key_leaves_its_schema(db):
    # given every foreign key of the public, template and territory schemas
    keys = query(FOREIGN_KEYS, [schemas()])
    assert len(keys) > 50  # the catalogue was really read

    # then each points into its own schema: none from a territory to public or another
    # territory, none from public into a territory (Citus refuses both kinds)
    crossing = [key for key in keys if key[1] != key[3]]
    assert crossing == []


def test_territory_schemas_hold_only_plain_tables(db):
    # given the template and the territories (public stays on the coordinator, undistributed)
    territory_schemas = schemas()[1:]

    # then no table inherits or is inherited, none is a foreign table, none belongs to an extension,
    inherited = query(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid IN (i.inhrelid, i.inhparent) "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s)",
        [territory_schemas],
    )
    foreign = query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'f' AND n.nspname = ANY(%s)",
        [territory_schemas],
    )
    from_extension = query(
        "SELECT c.relname FROM pg_depend d JOIN pg_class c ON c.oid = d.objid AND d.classid = 'pg_class'::regclass "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE d.deptype = 'e' AND n.nspname = ANY(%s)",
        [territory_schemas],
    )
    # and every table has a primary key: moving a schema to another node copies it by logical
    # replication, which refuses updates and deletes on a table without one
    without_key = query(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')",
        [territory_schemas],
    )
    assert (inherited, foreign, from_extension, without_key) == ([], [], [], [])
    assert "public" not in territory_schemas  # Citus never distributes public


def test_every_key_that_grows_is_64_bit(db):
    # given every primary- and foreign-key column of 16 or 32 bits, in every schema
    small = query(SMALL_KEYS, [schemas()])
    tables = {table for _schema, table, _column, _type in small}

    # then Vitrine's own default is 64-bit, and the only small keys are the listed third-party
    # tables, each of which really is small-keyed (an entry left after a fix is removed)
    assert settings.DEFAULT_AUTO_FIELD == "django.db.models.BigAutoField"
    owners = {model._meta.db_table: model._meta.app_config.name for model in apps.get_models(include_auto_created=True)}
    vitrine_tables = {table for table in tables if owners.get(table, "").startswith("vitrine.")}
    # accounts_user_groups / _user_permissions are Django's many-to-many tables on our user:
    # their own id is 64-bit, only the columns pointing at auth_group and auth_permission are not
    assert {(table, column) for _schema, table, column, _type in small if table in vitrine_tables} <= {
        ("accounts_user_groups", "group_id"),
        ("accounts_user_user_permissions", "permission_id"),
    }
    assert tables - vitrine_tables - set(SMALL_KEY_TABLES) == set()
    assert set(SMALL_KEY_TABLES) - tables == set()
    assert settings.AXES_DISABLE_ACCESS_LOG is True  # the reason given for axes_accesslog
    assert getattr(settings, "AXES_ENABLE_ACCESS_FAILURE_LOG", False) is False
