"""Shared fixtures: two territories provisioned once per session, tenant switching,
and real subprocesses (web server, Celery worker) on the test database."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context
from vitrine.config.env import ROOT_DIR
from vitrine.tenancy.routing import routes
from vitrine.testing.helpers import (
    TEST_VAR,
    free_port,
    host_client,
    process_stop,
    subprocess_env,
)
from vitrine.testing.territories import territory_make


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database (migrated, template schema included) plus two territories."""
    with django_db_blocker.unblock():
        territory_make("nancy", name="Achetez Grand Nancy", kind="metropole", primary_color="#7a1f3d")
        territory_make("limoges", name="Limoges en boutiques", kind="city", theme="terroir")
    yield


@pytest.fixture(autouse=True)
def _public_schema_and_fresh_routes():
    """Each test starts on the public schema with an empty route cache."""
    routes.clear()
    connection.set_schema_to_public()
    yield
    routes.clear()
    connection.set_schema_to_public()


@pytest.fixture
def nancy(db):
    from vitrine.tenancy.models import Territory

    return Territory.objects.get(schema_name="nancy")


@pytest.fixture
def limoges(db):
    from vitrine.tenancy.models import Territory

    return Territory.objects.get(schema_name="limoges")


@pytest.fixture
def in_territory():
    """Switch the connection to a territory's schema: `with in_territory(nancy): ...`."""
    return tenant_context


@pytest.fixture
def console_client(db) -> Client:
    from vitrine.accounts.models import User

    connection.set_schema_to_public()
    operator = User.objects.create_superuser(email="operator@vitrine.example.fr", password="operator-pass-1")
    client = host_client(f"console.{settings.BASE_DOMAIN}")
    client.force_login(operator)
    client.operator = operator
    return client


# --- Real processes on the test database -------------------------------------------

@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """A real Celery worker on the test database and the configured broker."""
    shutil.rmtree(TEST_VAR / "celery", ignore_errors=True)
    shutil.rmtree(TEST_VAR / "mail", ignore_errors=True)
    (TEST_VAR / "celery" / "queue").mkdir(parents=True, exist_ok=True)
    (TEST_VAR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    log = open(TEST_VAR / "celery-worker.log", "w")
    with django_db_blocker.unblock():
        env = subprocess_env()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "vitrine.config.celery", "worker", "--pool", "solo",
         "--loglevel", "info", "--without-gossip", "--without-mingle", "--purge"],
        env=env, cwd=ROOT_DIR, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while "ready." not in (TEST_VAR / "celery-worker.log").read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("The Celery worker did not start:\n" + (TEST_VAR / "celery-worker.log").read_text())
        time.sleep(0.2)
    yield process
    process_stop(process)
    log.close()


@pytest.fixture(scope="session")
def web_server(django_db_setup, django_db_blocker, celery_worker) -> Iterator[int]:
    """The web server (runserver, threaded) on the test database; yields its port."""
    port = free_port()
    log = open(TEST_VAR / "web-server.log", "w")
    with django_db_blocker.unblock():
        env = subprocess_env(SITE_PORT=str(port), DJANGO_DEBUG="1")
    process = subprocess.Popen(
        [sys.executable, str(ROOT_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env, cwd=ROOT_DIR, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The web server did not start:\n" + (TEST_VAR / "web-server.log").read_text())
            time.sleep(0.2)
    yield port
    process_stop(process)
    log.close()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Database access without the test transaction, so subprocesses see the rows.

    Yields the session's territories by slug. Such a test cleans up after itself;
    it must not also request `db` (or fixtures using it), which would wrap it in
    a transaction again.
    """
    from vitrine.tenancy.models import Territory

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        yield {t.schema_name: t for t in Territory.objects.filter(schema_name__in=["nancy", "limoges"])}
        connection.set_schema_to_public()


