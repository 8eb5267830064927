"""django-tenants' migrate_schemas, migrating only the schemas that need it, in parallel.

Which migrations each schema lacks is read from the catalogue in a few queries
(vitrine.tenancy.schema_migrations); the public schema, then the template that
new territories are cloned from, then the territories that lack something are
migrated, the territories in a pool of worker processes (`--workers`, each
replaced after `--recycle` schemas to keep memory flat), with a progress bar and
a summary. Every schema that fails is named, the others are completed, and the
command exits non-zero. A schema with nothing to apply is not touched (no
migrate, so no post_migrate signal either).

django-tenants' options keep their meaning: `--shared`, `--tenant`, `-s/--schema`,
`--fake`, `--fake-initial`, `--plan`, `--run-syncdb`, `--check` (answered from the
catalogue, without running anything); `--executor=standard` migrates in this
process, one schema after another. A target (`app_label [migration_name]`) or
`--prune` is handed to django-tenants' command unchanged, in every schema.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections import Counter

from django.conf import settings
from django.core.management.base import CommandError, OutputWrapper
from django.db import connections
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.utils import (
    get_public_schema_name,
    get_tenant_migration_order,
    get_tenant_model,
    has_multi_type_tenants,
    schema_exists,
)

from vitrine.tenancy.schema_migrations import (
    Outcome,
    migrate_in_workers,
    migrate_schema,
    migrations_expected,
    schemas_lacking,
)
from vitrine.tenancy.schemas import TEMPLATE_SCHEMA, TemplateLockTimeout, template_schema_ensure

RECYCLE_DEFAULT = 50  # schemas a worker migrates before it is replaced by a fresh process


class Progress:
    """One line redrawn on a terminal; otherwise a line every tenth of the way."""

    def __init__(self, stream: OutputWrapper, total: int, enabled: bool):
        self.stream, self.total, self.enabled = stream, total, enabled
        self.done = self.failed = 0
        self.started = time.perf_counter()
        self.tty = enabled and hasattr(stream, "isatty") and stream.isatty()
        self._next_line = 0

    def step(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += not outcome.ok
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r" + self._line(), ending="\n" if self.done == self.total else "")
        elif self.done >= self._next_line or self.done == self.total:
            self.stream.write(self._line())
            self._next_line = self.done + max(1, self.total // 10)
        self.stream.flush()

    def _line(self) -> str:
        width = 30
        filled = width * self.done // max(1, self.total)
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        failed = f", {self.failed} failed" if self.failed else ""
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} schemas{failed}"
            f" ({elapsed:.0f} s, {rate:.1f}/s, {left:.0f} s left)"
        )


class Command(MigrateSchemasCommand):
    help = (
        "Applies the migrations each schema lacks (public, the template, then the territories in parallel); "
        "schemas already up to date are not touched."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes migrating territories at once (default: the CPU count).",
        )
        parser.add_argument(
            "--recycle",
            type=int,
            default=None,
            help=f"Schemas a worker migrates before it is replaced, to keep memory flat (default {RECYCLE_DEFAULT}).",
        )

    def handle(self, *args, **options):
        targeted = options.get("app_label") or options.get("migration_name") or options.get("prune")
        if targeted or has_multi_type_tenants():
            self._handle_like_django_tenants(*args, **options)
            return
        SyncCommon.handle(self, *args, **options)
        public = get_public_schema_name()
        if self.sync_public and not self.schema_name:
            self.schema_name = public
        verbosity = int(options.get("verbosity", 1))
        # Each schema's migrate: the system checks ran once, for this command.
        schema_options = {**options, "skip_checks": True}

        database = options["database"]
        keep_template = self.sync_tenant and self.schema_name in (None, "", public)
        expected = migrations_expected()
        # The public schema first: the territories are listed from its tables.
        lacking = schemas_lacking([public], expected, using=database) if self.sync_public else {}
        if options.get("check_unapplied"):
            if self.sync_tenant and not lacking:
                lacking.update(schemas_lacking(self._tenant_schemas(), expected, using=database))
            if keep_template:
                lacking.update(schemas_lacking([TEMPLATE_SCHEMA], expected, using=database))
            self._check(lacking)
            return
        if public in lacking:
            migrate_schema(public, args, schema_options, capture=False, in_worker=False)
        if not self.sync_tenant:
            return
        # Then the template, so that territories provisioned meanwhile are cloned current.
        if keep_template and self._template_ensure() and verbosity:
            self.stdout.write("Template schema migrated.")

        started = time.perf_counter()
        tenants = self._tenant_schemas()
        lacking = schemas_lacking(tenants, expected, using=database)
        todo = [schema for schema in tenants if schema in lacking]
        if verbosity:
            self.stdout.write(self._plan_line(len(tenants), todo, lacking, time.perf_counter() - started))
        if todo:
            outcomes = self._migrate(todo, args, schema_options, verbosity)
            self._summary(outcomes, lacking, verbosity, time.perf_counter() - started)

    # --- What to migrate ---------------------------------------------------------------

    def _handle_like_django_tenants(self, *args, **options):
        super().handle(*args, **options)
        if self.sync_tenant and self.schema_name in (None, "", get_public_schema_name()):
            if self._template_ensure() and options.get("verbosity", 1):
                self.stdout.write("Template schema migrated.")

    def _template_ensure(self) -> bool:
        try:
            return template_schema_ensure()
        except TemplateLockTimeout as exc:
            raise CommandError(str(exc)) from None

    def _tenant_schemas(self) -> list[str]:
        public = get_public_schema_name()
        if self.schema_name and self.schema_name != public:
            if not schema_exists(self.schema_name, self.options.get("database")):
                raise CommandError(f'Schema "{self.schema_name}" does not exist')
            return [self.schema_name]
        territories = get_tenant_model().objects.exclude(schema_name=public)
        order = get_tenant_migration_order()
        territories = territories.order_by(*order) if order else territories.order_by("schema_name")
        return [name for name in territories.values_list("schema_name", flat=True) if name != TEMPLATE_SCHEMA]

    def _check(self, lacking: dict) -> None:
        """Like migrate --check: name what is unapplied and exit 1, running nothing."""
        if not lacking:
            return
        for schema, keys in sorted(lacking.items()):
            shown = ", ".join(f"{app}.{name}" for app, name in keys[:5]) + (", ..." if len(keys) > 5 else "")
            self.stderr.write(f"{schema}: {len(keys)} unapplied ({shown})")
        sys.exit(1)

    def _plan_line(self, total: int, todo: list[str], lacking, seconds: float) -> str:
        groups = Counter(tuple(lacking[schema]) for schema in todo)
        described = "; ".join(f"{count} lacking {_keys(keys)}" for keys, count in groups.most_common(3)) + (
            "; ..." if len(groups) > 3 else ""
        )
        line = f"{total} territory schemas read in {seconds:.2f} s: {total - len(todo)} up to date"
        return line + (f", {len(todo)} to migrate ({described})" if todo else "")

    # --- Migrating ------------------------------------------------------------------------

    def _workers(self, count: int) -> int:
        wanted = self.options.get("workers")
        if wanted is None:
            wanted = getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", None) or os.cpu_count() or 1
        in_transaction = connections[self.options["database"]].in_atomic_block  # children would not see it
        if self.options.get("executor") == "standard" or self.options.get("plan") or in_transaction:
            return 1
        return max(1, min(wanted, count))

    def _migrate(self, todo: list[str], args, options: dict, verbosity: int) -> list[Outcome]:
        workers = self._workers(len(todo))
        recycle = self.options.get("recycle") or RECYCLE_DEFAULT
        self._pool = (workers, recycle)
        outcomes: list[Outcome] = []
        progress = Progress(self.stdout, len(todo), enabled=verbosity >= 1 and len(todo) > 1)

        def done(outcome: Outcome) -> None:
            outcomes.append(outcome)
            if verbosity >= 2 and outcome.output:
                self.stdout.write(outcome.output.rstrip("\n"))
            if not outcome.ok:
                error = outcome.error.rstrip() if verbosity >= 2 else outcome.error.rstrip().splitlines()[-1]
                self.stderr.write(f"{outcome.schema}: migration failed: {error}")
            progress.step(outcome)

        if workers == 1:
            for schema in todo:
                started = time.perf_counter()
                try:
                    outcome = migrate_schema(schema, args, options, capture=False, in_worker=False)
                except Exception:
                    if connections[self.options["database"]].in_atomic_block:
                        raise  # the caller's transaction is broken: let it see why
                    outcome = Outcome(schema, False, time.perf_counter() - started, error=traceback.format_exc())
                done(outcome)
        else:
            migrate_in_workers(todo, args, options, workers=workers, recycle=recycle, on_outcome=done)
        return outcomes

    def _summary(self, outcomes: list[Outcome], lacking, verbosity: int, seconds: float) -> None:
        failed = sorted(o.schema for o in outcomes if not o.ok)
        applied = sum(len(lacking[o.schema]) for o in outcomes if o.ok)
        if verbosity and self.options.get("plan"):
            self.stdout.write(f"Planned {len(outcomes)} schemas (nothing applied).")
        elif verbosity:
            workers, recycle = self._pool
            first: dict[int, int] = {}  # each worker's memory after its first schema
            for outcome in outcomes:
                first.setdefault(outcome.pid, outcome.rss_kb)
            largest = max((o.rss_kb for o in outcomes), default=0)
            memory = (
                f"; worker memory {max(first.values()) / 1024:.0f} MB after a first schema,"
                f" {largest / 1024:.0f} MB at most ({len(first)} processes)"
                if largest and workers > 1
                else ""
            )
            pool = f"{workers} workers (each replaced after {recycle} schemas)" if workers > 1 else "in this process"
            self.stdout.write(
                f"Migrated {len(outcomes) - len(failed)} of {len(outcomes)} schemas ({applied} migrations applied),"
                f" {len(failed)} failed, in {seconds:.1f} s; {pool}{memory}."
            )
        if failed:
            raise CommandError(f"Migrations failed in {len(failed)} schemas: {', '.join(failed)}")


def _keys(keys: tuple) -> str:
    shown = ", ".join(f"{app}.{name}" for app, name in keys[:3])
    return shown + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
