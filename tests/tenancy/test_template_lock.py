"""Provisioning and the template's migration never overlap (tenancy.schemas.template_lock).

A territory cloned while the template is being migrated could get the template's new
migration records over its old tables; one provisioned from the old template and
committed after migrate_schemas listed the territories would be left unmigrated. So a
provisioning holds the template lock shared until it commits, and the template's
migration takes it exclusive. Shown here with committed rows, a real `manage.py
migrate_schemas` process and provisionings in threads of their own.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

from vitrine.console.services import territory_provision
from vitrine.tenancy.models import AuditEntry, Territory
from vitrine.tenancy.schemas import TEMPLATE_LOCK, TEMPLATE_SCHEMA, template_lock, template_schema_ensure
from vitrine.testing.helpers import ROOT_DIR, subprocess_env
from vitrine.testing.territories import territory_request

WAIT_S = 60


def _in_thread(pool: ThreadPoolExecutor, fn: Callable, *args, **kwargs) -> Future:
    def run():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()  # this thread's own connections

    return pool.submit(run)


def _waiting_for_template_lock() -> int:
    """Sessions of this database queued for the template lock (pg_locks: a bigint key is classid:objid)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid = %s AND objid = %s AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [TEMPLATE_LOCK >> 32, TEMPLATE_LOCK & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0]


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT_S} s for {what}"
        time.sleep(0.05)


def _newest_orders_migration() -> tuple[str, str, str]:
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    leaf = next(node for node in graph.leaf_nodes() if node[0] == "orders")
    (parent,) = [p.key for p in graph.node_map[leaf].parents if p.key[0] == "orders"]
    return leaf[0], leaf[1], parent[1]


def _template_has(app: str, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {TEMPLATE_SCHEMA}.django_migrations WHERE app = %s AND name = %s", [app, name]
        )
        return cursor.fetchone()[0] == 1


def _provision_pausing(slug: str, reached: threading.Event, release: threading.Event):
    """Provision `slug`, stopping inside its transaction once its schema exists, until released."""

    def progress(_step: str, percent: int) -> None:
        if percent == 70:  # schema made, domains next: the transaction is still open
            reached.set()
            assert release.wait(WAIT_S), "never released"

    return territory_provision(request=territory_request(slug), on_progress=progress)


@contextmanager
def _provisioning_paused(slug: str) -> Iterator[tuple[Future, threading.Event]]:
    """A provisioning of `slug` in a thread, stopped inside its transaction; released at the latest on leaving."""
    reached, release = threading.Event(), threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        provisioning = _in_thread(pool, _provision_pausing, slug, reached, release)
        try:
            assert reached.wait(WAIT_S), provisioning.exception(timeout=0) if provisioning.done() else "not reached"
            yield provisioning, release
        finally:
            release.set()
        provisioning.result(timeout=WAIT_S)


@pytest.fixture
def cleanup(committed):
    slugs: list[str] = []
    yield slugs
    connection.set_schema_to_public()
    for territory in Territory.objects.filter(schema_name__in=slugs):
        territory.delete(force_drop=True)
    AuditEntry.objects.filter(details__slug__in=slugs).delete()
    template_schema_ensure()  # current again for the tests after this one
    connection.set_schema_to_public()


def _template_behind() -> tuple[str, str]:
    """Make the template lack the newest orders migration, as right after a deploy; (app, that migration)."""
    app, newest, previous = _newest_orders_migration()
    call_command("migrate_schemas", app, previous, schema_name=TEMPLATE_SCHEMA, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    assert not _template_has(app, newest)
    return app, newest


def _migrate_schemas(log: Path, **env: str) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "migrate_schemas"],
            cwd=ROOT_DIR,
            env=subprocess_env(**env),
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )


def test_the_template_migration_waits_for_a_provisioning_under_way_then_lists_it(cleanup, tmp_path):
    # given a template that lacks the newest orders migration (the code was just deployed)
    app, newest = _template_behind()
    # and a territory being provisioned, its transaction still open
    cleanup.append("lockp")
    log = tmp_path / "migrate.log"
    with _provisioning_paused("lockp") as (provisioning, release):
        # when the operator runs migrate_schemas meanwhile
        command = _migrate_schemas(log)
        try:
            # then it waits for the provisioning before touching the template, and says so
            _until(lambda: "Waiting for 1 provisionings" in log.read_text() or command.poll() is not None, "the wait")
            assert command.poll() is None, log.read_text()
            assert not _template_has(app, newest)
            # without holding new provisionings back meanwhile (it tries, it does not queue)
            assert _waiting_for_template_lock() == 0
            release.set()
            result = provisioning.result(timeout=WAIT_S)
            command.wait(timeout=600)
        finally:
            if command.poll() is None:
                command.kill()

    # and once the territory is committed, it migrates the template and lists every territory, the new one too
    output = log.read_text()
    assert result.created
    assert command.returncode == 0, output
    assert "Template schema migrated." in output
    assert _template_has(app, newest)
    territories = Territory.objects.exclude(schema_name="public").count()
    assert f"{territories} territory schemas read in" in output, output
    assert f": {territories} up to date" in output, output


def test_the_template_migration_gives_up_naming_what_it_waited_for(cleanup, tmp_path):
    # given a template behind the code and a provisioning that does not end
    app, newest = _template_behind()
    cleanup.append("lockt")
    log = tmp_path / "migrate.log"
    with _provisioning_paused("lockt") as (provisioning, release):
        # when migrate_schemas may wait 2 seconds
        command = _migrate_schemas(log, VITRINE_TEMPLATE_LOCK_WAIT_SECONDS="2")
        command.wait(timeout=600)

    # then it fails, saying why and to run it again, and the template is as it was
    output = log.read_text()
    assert command.returncode == 1, output
    assert "The template schema was not migrated: 1 provisionings or restores still under way" in output
    assert "Run migrate_schemas again." in output and "Traceback" not in output
    assert not _template_has(app, newest)


def test_a_provisioning_waits_while_the_template_is_migrated(cleanup):
    # given the template locked for its migration by another session
    cleanup.append("lockq")
    locked, unlock = threading.Event(), threading.Event()

    def migrating_template():
        with template_lock(exclusive=True):
            locked.set()
            assert unlock.wait(WAIT_S), "never unlocked"

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = _in_thread(pool, migrating_template)
        assert locked.wait(WAIT_S)

        # when a territory is provisioned meanwhile
        provisioning = _in_thread(pool, territory_provision, request=territory_request("lockq"))

        # then it waits for the template
        _until(lambda: _waiting_for_template_lock() == 1 or provisioning.done(), "the provisioning to wait")
        time.sleep(0.5)
        assert not provisioning.done(), provisioning.result()
        # and goes on, by cloning, once the migration is over
        unlock.set()
        holder.result(timeout=WAIT_S)
        result = provisioning.result(timeout=WAIT_S)
    assert result.created and result.method == "clone"
    assert Territory.objects.filter(schema_name="lockq").exists()
    assert _waiting_for_template_lock() == 0
