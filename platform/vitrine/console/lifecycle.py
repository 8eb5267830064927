"""A territory's life cycle (issue #13): export it as one archive, restore an archive under a new
identifier, archive it (read-only), delete it for good.

The archive (`<slug>-<UTC time>.tar.gz`, format FORMAT_VERSION) holds:

- `manifest.json`: the format, the Vitrine version, the territory's row, its domains, the tenant
  migrations applied in its schema, each table's row count and columns, and the SHA-256 of every
  other file in the archive;
- `README.txt`: what each file is, every table with its columns (in French, for whoever opens it);
- `data/<table>.csv`: every table of the territory's schema (PostgreSQL CSV, a header row);
- `public/<table>.json`: the territory's rows in the public schema (Django's JSON serialisation):
  its row, domains, announcements, health figures, the console's log lines naming it, provisioning
  jobs, Stripe accounts routed to it and Stripe events received for it;
- `schema.sql`: `pg_dump -n <schema> --no-owner --no-privileges` (structure and data), taken in the
  same snapshot as the CSV files; absent, with the reason in the manifest, when no pg_dump is found;
- `media/<schema>/...`: every file under the territory's media prefix.

A restore reads `schema.sql` with the schema's name rewritten (outside the COPY data), under an
allow-list of statements, in one transaction with the public rows; media are copied under the
new prefix, and every file column (and the renditions beside it) renamed to match. An archive
without `schema.sql` (taken where pg_dump was missing) is restored from its CSV files into this
code's tables, when its schema had exactly the migrations this code has.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import get_public_schema_name, schema_exists, tenant_context

from vitrine.accounts.models import User
from vitrine.common.cache import territory_keys_delete
from vitrine.common.pagecache import pages_forget
from vitrine.console.health import territory_health_compute
from vitrine.console.permissions import operator_check
from vitrine.console.services import RESERVED_SLUGS, SLUG_RE
from vitrine.metrics.counting import buffer_discard
from vitrine.payments.inbox.models import StripeAccountRoute, StripeEvent
from vitrine.tenancy.models import (
    Announcement,
    AuditEntry,
    Domain,
    ProvisioningJob,
    Territory,
    TerritoryExport,
    TerritoryHealth,
)
from vitrine.tenancy.routing import routing_invalidate
from vitrine.tenancy.schemas import TEMPLATE_SCHEMA, identifier_quote, template_lock, territory_schema_create
from vitrine.tenancy.services import console_log_record, default_domain, domain_check

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
ProgressCallback = Callable[[str, int], None]
# Public rows that belong to a territory, exported with it and deleted with it.
TERRITORY_FILE_FIELDS = ("logo", "hero_image", "favicon", "social_image")
# What schema.sql may contain: pg_dump's statements for one schema's tables, sequences and data.
ALLOWED_STATEMENT = re.compile(
    r"^(SET |SELECT pg_catalog\.set_config\(|SELECT pg_catalog\.setval\(|CREATE SCHEMA |CREATE TABLE |"
    r"CREATE SEQUENCE |CREATE (UNIQUE )?INDEX |ALTER TABLE |ALTER SEQUENCE |ALTER INDEX |COMMENT ON |COPY )"
)
COPY_RE = re.compile(r"^COPY (?P<table>\S+) \((?P<columns>.*)\) FROM stdin;$")


class ArchiveError(ValidationError):
    """An archive that cannot be restored: the message says why, in the operator's language."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    size: int
    sha256: str
    manifest: dict


# --- Helpers ---------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def exports_dir() -> Path:
    path = Path(settings.VITRINE_EXPORTS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def vitrine_version() -> str:
    try:
        return metadata.version("vitrine")
    except metadata.PackageNotFoundError:
        return "unknown"


def pg_dump_path() -> str | None:
    """pg_dump: VITRINE_PG_DUMP, else the one on PATH, else the embedded server's (pgserver ships one)."""
    if settings.VITRINE_PG_DUMP:
        return settings.VITRINE_PG_DUMP
    found = shutil.which("pg_dump")
    if found:
        return found
    spec = find_spec("pgserver")  # located, not imported: the embedded server is an optional extra
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / "pginstall" / "bin" / "pg_dump"
        if bundled.exists():
            return str(bundled)
    return None


def _storage_walk(prefix: str) -> Iterator[str]:
    """Every file name under a storage folder (file system or bucket alike)."""
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{prefix}/{name}"
    for folder in sorted(folders):
        yield from _storage_walk(f"{prefix}/{folder}")


def _tenant_models() -> list[type[models.Model]]:
    tenant_apps = set(settings.TENANT_APPS)
    return [m for m in apps.get_models() if m._meta.app_config.name in tenant_apps and m._meta.managed]


def _public_rows(territory: Territory) -> dict[str, models.QuerySet]:
    """The territory's rows in the public schema, by table: what an export carries and a deletion removes."""
    return {
        "tenancy_territory": Territory.objects.filter(pk=territory.pk),
        "tenancy_domain": Domain.objects.filter(tenant=territory),
        "tenancy_announcement": Announcement.objects.filter(territory=territory),
        "tenancy_territoryhealth": TerritoryHealth.objects.filter(territory=territory),
        "tenancy_auditentry": AuditEntry.objects.filter(territory=territory),
        "tenancy_provisioningjob": ProvisioningJob.objects.filter(territory=territory),
        "payments_inbox_stripeaccountroute": StripeAccountRoute.objects.filter(schema_name=territory.schema_name),
        "payments_inbox_stripeevent": StripeEvent.objects.filter(schema_name=territory.schema_name),
    }


README_HEAD = """Archive d'un territoire Vitrine
===============================

Territoire : {name} (identifiant « {slug} »), exporté le {when} (UTC) par Vitrine {version}.
Format d'archive : {format}.

Fichiers
--------
manifest.json        le format, la version de Vitrine, la ligne du territoire et ses domaines, les
                     migrations appliquées à son schéma, le nombre de lignes et les colonnes de
                     chaque table, l'empreinte SHA-256 de chaque autre fichier de l'archive.
schema.sql           sauvegarde PostgreSQL du schéma « {slug} » (structure et données), faite par
                     pg_dump --no-owner --no-privileges dans le même instantané que les CSV.
                     {schema_sql_note}
data/<table>.csv     une table du schéma du territoire : CSV de PostgreSQL (UTF-8, virgule,
                     guillemets doubles), une ligne d'en-tête avec le nom des colonnes ; une
                     valeur vide sans guillemets est NULL ; dates en ISO 8601 avec fuseau.
public/<table>.json  les lignes du territoire dans le schéma commun de la plateforme
                     (sérialisation JSON de Django) : le territoire, ses domaines, annonces,
                     indicateurs, les lignes du journal de la console qui le nomment, ses
                     créations, les comptes Stripe qui le désignent et les événements Stripe reçus
                     pour lui.
media/{slug}/...     les fichiers déposés (logos, photos, imports), sous leur nom d'origine.

Restaurer
---------
Dans une plateforme Vitrine (la même ou une autre, de même version ou plus récente) :
    python manage.py territory_restore {slug}-....tar.gz --slug NOUVEL_IDENTIFIANT
Le schéma est recréé sous le nouvel identifiant depuis schema.sql, les fichiers copiés sous le
nouveau préfixe, le territoire et son domaine créés ; tout ou rien. Sans schema.sql, les tables de
la version de Vitrine en place sont remplies depuis les CSV : possible seulement dans une Vitrine
qui a exactement les migrations de l'archive (voir manifest.json).

Tables du schéma
----------------
"""


def _readme(manifest: dict) -> str:
    territory = manifest["territory"]
    note = (
        "Présent."
        if manifest["schema_sql"]["present"]
        else f"ABSENT de cette archive : {manifest['schema_sql']['reason']}"
    )
    text = README_HEAD.format(
        name=territory["name"],
        slug=territory["slug"],
        when=manifest["created_at"],
        version=manifest["vitrine_version"],
        format=manifest["format_version"],
        schema_sql_note=note,
    )
    for table, info in manifest["tables"].items():
        described = f" — {info['model']}" if info.get("model") else ""
        text += f"\ndata/{table}.csv ({info['rows']} lignes){described}\n"
        for column in info["columns"]:
            text += f"    {column['name']:<32} {column['type']}{'' if column['nullable'] else ', obligatoire'}\n"
    text += "\nLignes du schéma commun\n-----------------------\n"
    for table, count in manifest["public"].items():
        text += f"public/{table}.json ({count} lignes)\n"
    return text


# --- Export ------------------------------------------------------------------------------


def territory_export(
    *, territory: Territory, out_dir: Path | None = None, on_progress: ProgressCallback | None = None
) -> ExportResult:
    """Write the territory's archive into `out_dir` (VITRINE_EXPORTS_DIR by default); return where.

    The schema's tables and schema.sql are read in one snapshot (pg_dump joins the export's
    transaction with --snapshot), so they agree with each other even while the site takes orders.
    """
    progress = on_progress or (lambda step, percent: None)
    out_dir = Path(out_dir) if out_dir else exports_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    schema = territory.schema_name
    if not schema_exists(schema):
        raise ValidationError(_("The schema of %(slug)s does not exist.") % {"slug": schema})
    created = datetime.now(UTC)
    work = Path(tempfile.mkdtemp(prefix=f".export-{schema}-", dir=out_dir))
    try:
        progress(gettext_noop("Reading the territory's tables"), 10)
        manifest: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "vitrine_version": vitrine_version(),
            "created_at": created.isoformat(timespec="seconds"),
            "territory": {"slug": schema, "name": territory.name, "status": territory.status},
            "domains": [{"domain": d.domain, "is_primary": d.is_primary} for d in territory.domains.order_by("domain")],
        }
        models_by_table = {m._meta.db_table: m for m in _tenant_models()}
        (work / "data").mkdir()
        raw = connection.get_new_connection(connection.get_connection_params())
        try:
            raw.autocommit = False
            with raw.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                manifest["migrations"] = _schema_migrations(cursor, schema)
                manifest["tables"] = _tables_write(cursor, schema, work / "data", models_by_table)
            progress(gettext_noop("Dumping the schema with pg_dump"), 40)
            manifest["schema_sql"] = _pg_dump(schema, snapshot=snapshot, out=work / "schema.sql")
        finally:
            raw.close()
        progress(gettext_noop("Copying the territory's rows of the platform"), 55)
        (work / "public").mkdir()
        manifest["public"] = {}
        for table, queryset in _public_rows(territory).items():
            rows = list(queryset)
            (work / "public" / f"{table}.json").write_text(serializers.serialize("json", rows, indent=1))
            manifest["public"][table] = len(rows)
        progress(gettext_noop("Copying the media"), 65)
        media_count = media_bytes = 0
        for name in _storage_walk(schema):
            target = work / "media" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(name, "rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            media_count += 1
            media_bytes += target.stat().st_size
        manifest["media"] = {"files": media_count, "bytes": media_bytes}
        progress(gettext_noop("Writing the archive"), 85)
        manifest["files"] = {
            path.relative_to(work).as_posix(): _sha256_file(path) for path in sorted(work.rglob("*")) if path.is_file()
        }
        (work / "README.txt").write_text(_readme(manifest), encoding="utf-8")
        manifest["files"]["README.txt"] = _sha256_file(work / "README.txt")
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        final = out_dir / f"{schema}-{created:%Y%m%d-%H%M%S}.tar.gz"
        partial = final.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / "manifest.json", arcname="manifest.json")
            for relative in sorted(manifest["files"]):
                archive.add(work / relative, arcname=relative)
        os.chmod(partial, 0o600)  # password hashes and two-factor secrets: for the operator's account only
        os.replace(partial, final)  # a reader never sees half an archive
    finally:
        shutil.rmtree(work, ignore_errors=True)
    progress(gettext_noop("Ready"), 100)
    return ExportResult(path=final, size=final.stat().st_size, sha256=_sha256_file(final), manifest=manifest)


# Tables whose rows no archive takes: live sign-in sessions (each one a way into an account) and the
# lockouts' records of failed sign-ins (addresses, for a few hours). Their tables come, empty.
DATA_LEFT_OUT = frozenset({"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"})


def _schema_migrations(cursor, schema: str) -> list[list[str]]:
    cursor.execute(f"SELECT app, name FROM {identifier_quote(schema)}.django_migrations ORDER BY app, name")  # noqa: S608 (names quoted from the catalogue)
    return [[app, name] for app, name in cursor.fetchall()]


def _tables_write(cursor, schema: str, folder: Path, models_by_table: dict) -> dict[str, dict]:
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind IN ('r', 'p') ORDER BY relname",
        [schema],
    )
    tables = [row[0] for row in cursor.fetchall()]
    described = {}
    for table in tables:
        cursor.execute(
            "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            [schema, table],
        )
        columns = [{"name": name, "type": kind, "nullable": nullable} for name, kind, nullable in cursor.fetchall()]
        rows = "WHERE false" if table in DATA_LEFT_OUT else ""  # its columns only: nothing to take away
        with (folder / f"{table}.csv").open("wb") as sink:
            with cursor.copy(
                f"COPY (SELECT * FROM {identifier_quote(schema)}.{identifier_quote(table)} {rows}) TO STDOUT WITH (FORMAT csv, HEADER true)"  # noqa: S608 (names quoted from the catalogue)
            ) as copy:
                for block in copy:
                    sink.write(block)
        cursor.execute(f"SELECT count(*) FROM {identifier_quote(schema)}.{identifier_quote(table)} {rows}")  # noqa: S608 (names quoted from the catalogue)
        model = models_by_table.get(table)
        described[table] = {
            "rows": cursor.fetchone()[0],
            "model": f"{model._meta.app_label}.{model.__name__} ({model._meta.verbose_name})" if model else "",
            "columns": columns,
        }
    return described


def _pg_dump(schema: str, *, snapshot: str, out: Path) -> dict:
    binary = pg_dump_path()
    if binary is None:
        return {
            "present": False,
            "reason": "pg_dump introuvable (installez postgresql-client ou réglez VITRINE_PG_DUMP)",
        }
    db = connection.settings_dict
    command = [
        binary,
        "--no-owner",
        "--no-privileges",
        "--schema",
        schema,
        *(f"--exclude-table-data={schema}.{table}" for table in sorted(DATA_LEFT_OUT)),
        f"--snapshot={snapshot}",
        "--file",
        str(out),
    ]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [option, str(db[key])]
    command += ["--dbname", db["NAME"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)  # noqa: S603 (pg_dump with our own arguments)
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {result.stderr.strip()[:2000]}")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603 (pg_dump with our own arguments)
    return {"present": True, "pg_dump": version}


# --- Restore -----------------------------------------------------------------------------


def _archive_members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for member in archive.getmembers():
        path = PurePosixPath(member.name)
        if not member.isfile() or path.is_absolute() or ".." in path.parts:
            raise ArchiveError(_("The archive holds an unexpected entry: %(name)s.") % {"name": member.name})
        members[member.name] = member
    return members


def _archive_read(path: Path) -> tuple[tarfile.TarFile, dict, dict[str, tarfile.TarInfo]]:
    """Open an archive, check its format and every file's checksum; return it with its manifest."""
    try:
        archive = tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError):
        raise ArchiveError(_("“%(name)s” is not a territory archive (a .tar.gz).") % {"name": path.name}) from None
    try:
        members = _archive_members(archive)
        if "manifest.json" not in members:
            raise ArchiveError(_("The archive has no manifest.json: it is not a territory archive."))
        manifest = json.loads(archive.extractfile(members["manifest.json"]).read())  # type: ignore[union-attr]
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ArchiveError(
                _("This archive's format (%(found)s) is not the one this Vitrine reads (%(expected)s).")
                % {"found": manifest.get("format_version"), "expected": FORMAT_VERSION}
            )
        listed = manifest.get("files", {})
        if set(members) - {"manifest.json"} != set(listed):
            raise ArchiveError(_("The archive's files are not those its manifest lists."))
        for name, expected in listed.items():
            digest = hashlib.sha256()
            source = archive.extractfile(members[name])
            while chunk := source.read(1 << 20):  # type: ignore[union-attr]
                digest.update(chunk)
            if digest.hexdigest() != expected:
                raise ArchiveError(_("The file %(name)s of the archive is damaged (checksum).") % {"name": name})
    except (ValueError, KeyError, tarfile.TarError, EOFError, OSError) as exc:
        archive.close()
        raise ArchiveError(_("The archive is damaged: %(error)s") % {"error": exc}) from None
    except ArchiveError:
        archive.close()
        raise
    return archive, manifest, members


def migrations_check(manifest: dict) -> list[tuple[str, str]]:
    """Refuse an archive whose schema has migrations this code does not know; return those it lacks."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    tenant_labels = {app.label for app in apps.get_app_configs() if app.name in settings.TENANT_APPS}
    applied = {(app, name) for app, name in manifest.get("migrations", [])}
    unknown = sorted(m for m in applied if m not in known)
    if unknown:
        raise ArchiveError(
            _(
                "This archive comes from a newer Vitrine: its schema has migrations this one does not know "
                "(%(names)s). Update this Vitrine first."
            )
            % {"names": ", ".join(f"{app}.{name}" for app, name in unknown[:5])}
        )
    return sorted(m for m in known if m[0] in tenant_labels and m not in applied)


def _slug_check(slug: str) -> None:
    if not SLUG_RE.match(slug):
        raise ArchiveError(
            _("The identifier must be 2 to 40 lowercase letters or digits, starting with a letter (for example nancy).")
        )
    if slug in RESERVED_SLUGS or slug.startswith("pg") or slug == settings.TENANT_BASE_SCHEMA:
        raise ArchiveError(_("“%(slug)s” is reserved; choose another identifier.") % {"slug": slug})
    existing = Territory.objects.filter(schema_name=slug).first()
    if existing is not None:
        raise ArchiveError(
            _("The identifier “%(slug)s” is already used by the territory %(name)s.")
            % {"slug": slug, "name": existing.name}
        )
    if schema_exists(slug):
        raise ArchiveError(_("A database schema named “%(slug)s” already exists.") % {"slug": slug})
    if next(_storage_walk(slug), None) is not None:
        raise ArchiveError(
            _("Media files already exist under “%(slug)s/”; choose another identifier.") % {"slug": slug}
        )


_TOKEN = re.compile(r'"(?:[^"]|"")*"|[A-Za-z_][\w$]*|\S')


def _code_of(sql: str) -> str:
    """The statement without its string literals and comments (quoted names kept): what PostgreSQL
    would read as SQL rather than as data."""
    code, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "'":
            escapes = i > 0 and sql[i - 1] in "eE"
            i += 1
            while i < n:
                if escapes and sql[i] == "\\":
                    i += 2
                    continue
                if sql[i] == "'":
                    if i + 1 < n and sql[i + 1] == "'":
                        i += 2
                        continue
                    break
                i += 1
            code.append("''")
            i += 1
        elif c == "$" and (tag := re.match(r"\$[A-Za-z_]*\$", sql[i:])):
            end = sql.find(tag.group(), i + len(tag.group()))
            if end < 0:
                raise ArchiveError(
                    _("schema.sql holds a statement a territory dump never has: %(sql)s") % {"sql": sql[:80]}
                )
            code.append("''")
            i = end + len(tag.group())
        elif sql.startswith("--", i):
            i = sql.find("\n", i) if "\n" in sql[i:] else n
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == '"':
            end = i + 1
            while end < n and not (sql[end] == '"' and not sql.startswith('""', end)):
                end += 2 if sql.startswith('""', end) else 1
            code.append(sql[i : end + 1])
            i = end + 1
        else:
            code.append(c)
            i += 1
    return "".join(code)


def _statement_check(sql: str, *, new: str) -> None:
    """One statement, on the new schema's objects only: the archive is data, never code to trust.

    A second statement after a `;`, or a name qualified with another schema than the territory's
    (or pg_catalog's functions), refuses the whole restore.
    """
    code = _code_of(sql)
    refused = code.count(";") != 1 or not code.rstrip().endswith(";")
    tokens = _TOKEN.findall(code)
    for before, dot in zip(tokens, tokens[1:], strict=False):
        if dot == "." and (before[0] == '"' or before[0].isalpha() or before[0] == "_"):  # `before` qualifies a name
            schema = before[1:-1].replace('""', '"') if before.startswith('"') else before
            if schema not in (new, "pg_catalog"):
                refused = True
    if refused:
        raise ArchiveError(_("schema.sql holds a statement a territory dump never has: %(sql)s") % {"sql": sql[:80]})


def schema_sql_rewrite(text: str, *, old: str, new: str) -> Iterator[tuple[str, bytes | None]]:
    """pg_dump's statements with the schema renamed: (statement, None) or (COPY statement, its data).

    Only statement text is rewritten, never the rows of a COPY block; every statement must be of a
    kind pg_dump writes for one schema's tables (ALLOWED_STATEMENT), or the whole restore is refused.
    """
    qualified = re.compile(rf'(?<![\w$"])(?:{re.escape(old)}|"{re.escape(old)}")\.')
    schema_named = re.compile(rf'^(CREATE SCHEMA) (?:{re.escape(old)}|"{re.escape(old)}");$')
    lines = iter(text.split("\n"))
    statement: list[str] = []
    for line in lines:
        if not statement and (not line.strip() or line.startswith("--")):
            continue
        if not statement and line.startswith(("\\restrict ", "\\unrestrict ")):
            continue  # psql's guard around a dump (pg_dump since 15.14): nothing to run
        statement.append(line)
        if not line.rstrip().endswith(";"):
            continue
        sql = "\n".join(statement)
        statement = []
        if not ALLOWED_STATEMENT.match(sql):
            raise ArchiveError(
                _("schema.sql holds a statement a territory dump never has: %(sql)s") % {"sql": sql[:80]}
            )
        sql = schema_named.sub(rf"\1 {identifier_quote(new)};", sql)
        sql = qualified.sub(f"{identifier_quote(new)}.", sql)
        if sql.startswith("CREATE SCHEMA ") and sql != f"CREATE SCHEMA {identifier_quote(new)};":
            raise ArchiveError(_("schema.sql creates another schema than the territory's."))
        _statement_check(sql, new=new)
        copy = COPY_RE.match(sql)
        if copy:
            data = []
            for row in lines:
                if row == "\\.":
                    break
                data.append(row + "\n")
            else:
                raise ArchiveError(_("schema.sql ends in the middle of a table's rows."))
            yield sql, "".join(data).encode()
        else:
            yield sql, None
    if any(line.strip() for line in statement):
        raise ArchiveError(_("schema.sql ends in the middle of a statement."))


def _schema_load(sql_text: str, *, old: str, new: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path = pg_catalog")  # pg_dump qualifies every name
        for statement, data in schema_sql_rewrite(sql_text, old=old, new=new):
            if statement.startswith("SET ") or statement.startswith("SELECT pg_catalog.set_config("):
                continue  # the session's settings stay Django's; pg_dump's defaults are PostgreSQL's own
            if data is None:
                cursor.execute(statement)  # no parameters: a % is taken as it is
            else:
                with cursor.cursor.copy(statement) as copy:
                    copy.write(data)
    connection.search_path_set_schemas = None  # type: ignore[attr-defined]  # SET LOCAL above: re-issue it


def _csv_header(archive: tarfile.TarFile, member: tarfile.TarInfo) -> list[str]:
    """The file's first line, as column names (COPY's HEADER MATCH then checks COPY reads the same)."""
    source = archive.extractfile(member)
    try:
        line = source.readline(64 * 1024).decode() if source else ""
    except UnicodeDecodeError:
        line = ""
    return next(csv.reader([line]), [])


def _schema_from_csv(archive: tarfile.TarFile, members: dict, manifest: dict, *, schema: str) -> None:
    """Recreate the schema from the archive's CSV files: this code's tables (a new territory's
    schema), emptied of the template's rows, then each table's rows, its sequences moved past them.

    The archive's tables must be exactly the schema's, and each file's columns the table's;
    generated columns (the search vector) are computed again. Foreign keys are checked once every
    table is in, and the records of applied migrations must be this code's.
    """
    territory_schema_create(schema_name=schema)
    try:
        _tables_from_csv(archive, members, manifest, schema=schema)
    except (IntegrityError, DataError) as exc:
        raise ArchiveError(
            _("The archive's rows do not hold together: %(error)s") % {"error": str(exc).splitlines()[0]}
        ) from None
    # The records of applied migrations came from the file too: they must be this code's, exactly.
    expected = {(app, name) for app, name in manifest.get("migrations", [])}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {identifier_quote(schema)}.django_migrations")  # noqa: S608 (a checked slug)
        restored = set(cursor.fetchall())
        cursor.execute(f"SELECT app, name FROM {identifier_quote(TEMPLATE_SCHEMA)}.django_migrations")  # noqa: S608 (settings)
        current = set(cursor.fetchall())
    if restored != expected or restored != current:
        raise ArchiveError(
            _(
                "The archive's record of applied migrations is not this Vitrine's: it cannot be restored from its CSV files."
            )
        )


def _tables_from_csv(archive: tarfile.TarFile, members: dict, manifest: dict, *, schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_agg(a.attname ORDER BY a.attnum), "
            "array_agg(a.attname ORDER BY a.attnum) FILTER (WHERE a.attgenerated = '') "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
            "AND NOT a.attisdropped GROUP BY c.relname",
            [schema],
        )
        columns = {table: (set(every), stored) for table, every, stored in cursor.fetchall()}
        listed = set(manifest.get("tables", {}))
        if listed != set(columns) or any(f"data/{table}.csv" not in members for table in columns):
            differ = sorted(listed ^ set(columns)) or sorted(t for t in columns if f"data/{t}.csv" not in members)
            raise ArchiveError(
                _("The archive's tables are not this Vitrine's (%(tables)s).") % {"tables": ", ".join(differ[:5])}
            )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the clone's rows checked now, so they can be emptied
        cursor.execute(
            "TRUNCATE " + ", ".join(f"{identifier_quote(schema)}.{identifier_quote(t)}" for t in sorted(columns))
        )  # noqa: S608 (names from the catalogue)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # the tables are filled in name order
        for number, table in enumerate(sorted(columns)):
            member = members[f"data/{table}.csv"]
            header = _csv_header(archive, member)
            every, stored = columns[table]
            unknown = [name for name in header if name not in every]
            if unknown or len(set(header)) != len(header):
                raise ArchiveError(
                    _("The file data/%(table)s.csv has columns the table does not have: %(columns)s.")
                    % {"table": table, "columns": ", ".join(unknown[:5]) or _("a column twice")}
                )
            target, staging = f"{identifier_quote(schema)}.{identifier_quote(table)}", f"pg_temp.restore_rows_{number}"
            # Into a copy without the generated expressions first: the file holds their values too.
            cursor.execute(f"CREATE TEMP TABLE restore_rows_{number} (LIKE {target}) ON COMMIT DROP")
            listed_columns = ", ".join(identifier_quote(name) for name in header)
            source = archive.extractfile(member)
            try:
                with cursor.cursor.copy(
                    f"COPY {staging} ({listed_columns}) FROM STDIN WITH (FORMAT csv, HEADER MATCH)"  # noqa: S608 (names checked against the catalogue)
                ) as copy:
                    while block := source.read(1 << 20):  # type: ignore[union-attr]
                        copy.write(block)
            except Exception as exc:
                raise ArchiveError(
                    _("The file data/%(table)s.csv cannot be read: %(error)s") % {"table": table, "error": exc}
                ) from None
            kept = ", ".join(identifier_quote(name) for name in stored if name in header)
            cursor.execute(
                f"INSERT INTO {target} ({kept}) OVERRIDING SYSTEM VALUE SELECT {kept} FROM {staging}"  # noqa: S608 (names checked against the catalogue)
            )
            cursor.execute(f"DROP TABLE {staging}")
            # Sequences (identity or serial) after the highest key, as pg_dump's setval() would.
            for name in stored:
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [target, name])
                sequence = cursor.fetchone()[0]
                if sequence:
                    cursor.execute(
                        f"SELECT setval(%s, coalesce((SELECT max({identifier_quote(name)}) FROM {target}), 0) + 1, false)",  # noqa: S608 (names from the catalogue)
                        [sequence],
                    )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a broken reference is said here, not at commit


def _media_names_rename(*, schema: str, old: str) -> None:
    """Point every file column (and the renditions stored beside it) at the new media prefix."""
    with connection.cursor() as cursor:
        for model in _tenant_models():
            files = [f.column for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
            if not files:
                continue
            table = f"{identifier_quote(schema)}.{identifier_quote(model._meta.db_table)}"
            for column in files:
                cursor.execute(
                    f"UPDATE {table} SET {identifier_quote(column)} = %s || substr({identifier_quote(column)}, %s) "  # noqa: S608 (names quoted from the catalogue)
                    f"WHERE {identifier_quote(column)} LIKE %s",
                    [f"{schema}/", len(old) + 2, f"{old}/%"],
                )
            for field in model._meta.concrete_fields:
                if isinstance(field, models.JSONField):
                    column = identifier_quote(field.column)
                    cursor.execute(
                        f"UPDATE {table} SET {column} = replace({column}::text, %s, %s)::jsonb "  # noqa: S608 (names quoted from the catalogue)
                        f"WHERE {column}::text LIKE %s",
                        [f'"{old}/', f'"{schema}/', f'%"{old}/%'],
                    )


def _row_counts_check(manifest: dict, schema: str) -> None:
    with connection.cursor() as cursor:
        for table, info in manifest["tables"].items():
            cursor.execute(f"SELECT count(*) FROM {identifier_quote(schema)}.{identifier_quote(table)}")  # noqa: S608 (names quoted from the catalogue)
            found = cursor.fetchone()[0]
            if found != info["rows"]:
                raise ArchiveError(
                    _("The table %(table)s has %(found)s rows after the restore, the archive says %(rows)s.")
                    % {"table": table, "found": found, "rows": info["rows"]}
                )


def _public_objects(archive: tarfile.TarFile, members: dict, table: str) -> list:
    member = members.get(f"public/{table}.json")
    if member is None:
        return []
    text = archive.extractfile(member).read().decode()  # type: ignore[union-attr]
    return [item.object for item in serializers.deserialize("json", text, ignorenonexistent=True)]


def territory_restore(
    *,
    archive_path: Path,
    slug: str,
    name: str = "",
    domains: list[str] | None = None,
    actor: User | None = None,
    on_progress: ProgressCallback | None = None,
) -> Territory:
    """Recreate an exported territory under `slug`: schema, rows, domains and media, all or nothing.

    Refused, with nothing created, when the identifier is taken, the archive is damaged or not
    one, or comes from a Vitrine with migrations this one does not know. An archive older than the
    code is restored, then its schema migrated forward.
    """
    progress = on_progress or (lambda step, percent: None)
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' connection
    slug = slug.strip().lower()
    domains = sorted({d.strip().lower().rstrip(".") for d in domains or [] if d.strip()})
    progress(gettext_noop("Checking the archive"), 5)
    archive, manifest, members = _archive_read(Path(archive_path))
    saved: list[str] = []
    try:
        _slug_check(slug)
        for domain in [default_domain(slug), *domains]:
            errors = domain_check(domain)
            if errors:
                raise ArchiveError(errors)
        behind = migrations_check(manifest)
        from_csv = "schema.sql" not in members
        if from_csv and behind:
            raise ArchiveError(
                _(
                    "This archive has no schema.sql (%(reason)s) and its schema lacks migrations this Vitrine "
                    "has (%(names)s): its CSV files fit only a Vitrine of its own version (%(version)s). Restore it "
                    "there, export it again with pg_dump available, and restore that archive here."
                )
                % {
                    "reason": manifest.get("schema_sql", {}).get("reason", ""),
                    "names": ", ".join(f"{app}.{name}" for app, name in behind[:5]),
                    "version": manifest.get("vitrine_version", "?"),
                }
            )
        old = manifest["territory"]["slug"]
        source_rows = _public_objects(archive, members, "tenancy_territory")
        if len(source_rows) != 1:
            raise ArchiveError(_("The archive does not hold its territory's row."))
        source: Territory = source_rows[0]
        with transaction.atomic(), template_lock(exclusive=False):  # as a provisioning: see template_lock
            progress(gettext_noop("Recreating the schema"), 20)
            if from_csv:
                _schema_from_csv(archive, members, manifest, schema=slug)
            else:
                sql_text = archive.extractfile(members["schema.sql"]).read().decode()  # type: ignore[union-attr]
                _schema_load(sql_text, old=old, new=slug)
            _row_counts_check(manifest, slug)
            progress(gettext_noop("Recreating the territory"), 60)
            territory = source
            territory.pk = None
            territory.id = None
            territory.schema_name = slug
            territory.name = name.strip() or source.name
            territory.status = Territory.Status.ACTIVE
            territory.archived_at = None
            for field in TERRITORY_FILE_FIELDS:
                stored = getattr(territory, field).name
                if stored and stored.startswith(f"{old}/"):
                    setattr(territory, field, f"{slug}/{stored[len(old) + 1 :]}")
            territory._state.adding = True
            territory.save()
            Domain.objects.create(domain=default_domain(slug), tenant=territory, is_primary=True)
            for domain in domains:
                if domain != default_domain(slug):
                    Domain.objects.create(domain=domain, tenant=territory, is_primary=False)
            for announcement in _public_objects(archive, members, "tenancy_announcement"):
                announcement.pk = None
                announcement.territory = territory
                announcement._state.adding = True
                announcement.save()
            for route in _public_objects(archive, members, "payments_inbox_stripeaccountroute"):
                # A Stripe account routes to one territory: taken over only when nobody else has it
                # (restored into another Vitrine, or after the original was deleted).
                if not StripeAccountRoute.objects.filter(account_id=route.account_id).exists():
                    StripeAccountRoute.objects.create(
                        account_id=route.account_id, schema_name=slug, shop_id=route.shop_id
                    )
            progress(gettext_noop("Copying the media"), 75)
            for member_name, member in members.items():
                if member_name.startswith(f"media/{old}/"):
                    target = f"{slug}/{member_name[len(f'media/{old}/') :]}"
                    content = archive.extractfile(member).read()  # type: ignore[union-attr]
                    stored_as = default_storage.save(target, ContentFile(content))
                    saved.append(stored_as)
                    if stored_as != target:
                        raise ArchiveError(_("The media file %(name)s already exists.") % {"name": target})
            if behind:
                progress(gettext_noop("Applying this Vitrine's newer migrations"), 85)
                _schema_migrate(slug)
            _media_names_rename(schema=slug, old=old)  # after the migrations: the code's columns exist
            console_log_record(
                actor=actor,
                action="territory.restore",
                territory=territory,
                details={"slug": slug, "from": old, "archive": Path(archive_path).name},
            )
            with tenant_context(territory):
                territory_health_compute()
            transaction.on_commit(routing_invalidate)
    except BaseException:
        for name_saved in saved:  # the rows rolled back; the files are removed by hand
            default_storage.delete(name_saved)
        raise
    finally:
        archive.close()
        connection.set_schema_to_public()  # type: ignore[attr-defined]
    progress(gettext_noop("Ready"), 100)
    logger.info("Restored territory %s from %s", slug, archive_path)
    return territory


def _schema_migrate(schema: str) -> None:
    # Inside the restore's transaction: a failing migration undoes the whole restore.
    from django.core.management import call_command  # a command run as a step of the service: only here

    call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()  # type: ignore[attr-defined]


# --- Export jobs, archiving and deletion ---------------------------------------------------


def grace_days() -> int:
    return int(settings.VITRINE_ARCHIVE_GRACE_DAYS)


def territory_deletable_at(territory: Territory) -> datetime | None:
    """When an archived territory may be deleted for good (None when it is not archived)."""
    if not territory.is_archived or territory.archived_at is None:
        return None
    return territory.archived_at + timedelta(days=grace_days())


def territory_export_request(
    *, territory: Territory, actor: User | None, reason: str = TerritoryExport.Reason.MANUAL
) -> TerritoryExport:
    """Record an export to make; the caller sends its task after commit (vitrine.console.tasks)."""
    if actor is not None:
        operator_check(actor)
    export = TerritoryExport.objects.create(
        territory=territory, slug=territory.schema_name, reason=reason, requested_by=actor
    )
    console_log_record(
        actor=actor, action="territory.export_requested", territory=territory, details={"export": export.pk}
    )
    return export


def export_file_path(export: TerritoryExport) -> Path | None:
    """The export's archive on disk, when it was made and is still there."""
    if export.status != TerritoryExport.Status.SUCCEEDED or not export.file_name:
        return None
    path = exports_dir() / export.file_name
    return path if path.is_file() else None


@transaction.atomic
def territory_archive(*, territory: Territory, actor: User, reason: str = "") -> TerritoryExport:
    """Archive a territory: its pages still read, every write is refused; an export is made and kept.

    It can be deleted for good VITRINE_ARCHIVE_GRACE_DAYS later, from the console.
    """
    operator_check(actor)
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    if territory.is_archived:
        raise ValidationError(_("%(name)s is already archived.") % {"name": territory.name})
    territory.status = Territory.Status.ARCHIVED
    territory.archived_at = timezone.now()
    territory.save(update_fields=["status", "archived_at", "updated_at"])
    console_log_record(
        actor=actor, action="territory.archive", territory=territory, details={"reason": reason} if reason else {}
    )
    transaction.on_commit(routing_invalidate)
    return territory_export_request(territory=territory, actor=actor, reason=TerritoryExport.Reason.ARCHIVE)


@transaction.atomic
def territory_unarchive(*, territory: Territory, actor: User) -> Territory:
    """Take a territory out of the archive (before its deletion): open again, writes accepted."""
    operator_check(actor)
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    if not territory.is_archived:
        raise ValidationError(_("%(name)s is not archived.") % {"name": territory.name})
    territory.status = Territory.Status.ACTIVE
    territory.archived_at = None
    territory.save(update_fields=["status", "archived_at", "updated_at"])
    console_log_record(actor=actor, action="territory.unarchive", territory=territory)
    transaction.on_commit(routing_invalidate)
    return territory


def _media_delete(prefix: str) -> None:
    for name in list(_storage_walk(prefix)):
        default_storage.delete(name)
    root = getattr(default_storage, "location", None)
    if root:  # the file system keeps empty folders: remove the territory's
        folder = Path(root) / prefix
        if folder.is_dir() and folder.resolve().parent == Path(root).resolve():
            shutil.rmtree(folder, ignore_errors=True)


@transaction.atomic
def territory_delete(*, territory: Territory, actor: User, confirmation: str, keep_exports: bool = True) -> None:
    """Delete an archived territory for good: its schema, its rows in the public schema, its media.

    Only an operator, only once the grace period after archiving has passed, only with the
    identifier typed again. The console's log keeps one line saying it was deleted (the
    identifier, nothing of its data); its exports are kept unless `keep_exports` is False.
    """
    operator_check(actor)
    if connection.schema_name != get_public_schema_name():  # type: ignore[attr-defined]
        raise RuntimeError("Territories are deleted from the console (public schema).")
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    slug = territory.schema_name
    if confirmation.strip() != slug:
        raise ValidationError(
            {"confirmation": _("Type the identifier “%(slug)s” exactly to confirm the deletion.") % {"slug": slug}}
        )
    deletable_at = territory_deletable_at(territory)
    if deletable_at is None:
        raise ValidationError(_("Only an archived territory can be deleted: archive it first."))
    if timezone.now() < deletable_at:
        raise ValidationError(
            _("%(name)s can be deleted from %(date)s, at the end of its grace period.")
            % {"name": territory.name, "date": timezone.localtime(deletable_at).strftime("%d/%m/%Y %H:%M")}
        )
    exports = list(TerritoryExport.objects.filter(territory=territory))
    archived_at = territory.archived_at or timezone.now()
    if not any(e.status == TerritoryExport.Status.SUCCEEDED and e.created_at >= archived_at for e in exports):
        # A territory that leaves takes its data with it: never delete it with no archive of it as it ended.
        raise ValidationError(
            _("No export made since %(name)s was archived is ready: export it first, then delete it.")
            % {"name": territory.name}
        )
    with connection.cursor() as cursor:
        # Deferred foreign-key checks still pending in this transaction would forbid the drop: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP SCHEMA {identifier_quote(slug)} CASCADE")
    for queryset in _public_rows(territory).values():
        if queryset.model is not Territory:
            queryset.delete()
    if keep_exports:
        TerritoryExport.objects.filter(territory=territory).update(territory=None)
    else:
        TerritoryExport.objects.filter(territory=territory).delete()
    Territory.objects.filter(pk=territory.pk).delete()  # the queryset's delete: the schema is already gone
    console_log_record(actor=actor, action="territory.delete", details={"slug": slug, "exports_kept": keep_exports})

    def after() -> None:
        _media_delete(slug)
        buffer_discard(schema_name=slug)  # visits counted meanwhile: a slug used again starts from nothing
        territory_keys_delete(slug)  # its cached values and rate-limit counters in Redis
        pages_forget(slug)
        if not keep_exports:
            for export in exports:
                if export.file_name:
                    (exports_dir() / export.file_name).unlink(missing_ok=True)
        routing_invalidate()

    transaction.on_commit(after)
    logger.info("Deleted territory %s for good", slug)
