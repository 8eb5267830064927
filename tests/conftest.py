"""Shared fixtures: two territories provisioned once per session, tenant switching,
and real subprocesses (web server, Celery worker) on the test database."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from vitrine.tenancy.routing import routes
from vitrine.testing.helpers import (
    TEST_VAR,
    free_port,
    host_client,
    process_stop,
    sign_in_as,
    subprocess_env,
)
from vitrine.testing.processes import web_start, worker_start
from vitrine.testing.territories import territory_make


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """The test database (migrated, template schema included) plus two territories.

    Replaces pytest-django's, which creates the database only when a collected
    test asks for `db`: the tests that commit for a worker or a browser do not,
    and must never write to the development database.
    """
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default", "progress"})
        assert connection.settings_dict["NAME"].startswith("test_"), connection.settings_dict["NAME"]
        territory_make("nancy", name="Achetez Grand Nancy", kind="metropole", primary_color="#7a1f3d")
        territory_make("limoges", name="Limoges en boutiques", kind="city", theme="terroir")
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        teardown_databases(config, verbosity=0)


@pytest.fixture(autouse=True)
def _public_schema_and_fresh_routes():
    """Each test starts on the public schema with an empty route cache, at the routing generation of now,
    and with no page or fragment kept from another test (this process's caches: the database was rolled back)."""
    routes.restart()
    caches["pages"].clear()
    caches["fragments"].clear()
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
    sign_in_as(client, operator)
    client.operator = operator
    return client


# --- Real processes on the test database -------------------------------------------


@pytest.fixture(scope="session")
def stripe_fake_server():
    """The local fake of the Stripe API for the real web server and worker of the session.

    Online payment is on in those processes, Stripe being this fake; a territory still pays at
    pickup until its team offers online payment. The web server, once started, is its webhook target.
    """
    from vitrine.testing.stripe_fake import StripeFake

    with StripeFake() as fake:
        yield fake


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, stripe_fake_server) -> Iterator[subprocess.Popen]:
    """A real Celery worker on the test database and the configured broker."""
    shutil.rmtree(TEST_VAR / "celery", ignore_errors=True)
    shutil.rmtree(TEST_VAR / "mail", ignore_errors=True)
    (TEST_VAR / "celery" / "queue").mkdir(parents=True, exist_ok=True)
    (TEST_VAR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock():
        env = subprocess_env(**stripe_fake_server.settings())
    process = worker_start(env, log_path=TEST_VAR / "celery-worker.log", purge=True)
    yield process
    process_stop(process)


@pytest.fixture(scope="session")
def web_server(django_db_setup, django_db_blocker, celery_worker, stripe_fake_server) -> Iterator[int]:
    """The web server (runserver, threaded) on the test database; yields its port."""
    from vitrine.testing.stripe_fake import WebhookEndpoint, Webhooks

    port = free_port()
    with django_db_blocker.unblock():
        env = subprocess_env(SITE_PORT=str(port), DJANGO_DEBUG="1", **stripe_fake_server.settings())
    process = web_start(env, port=port, log_path=TEST_VAR / "web-server.log")
    secrets = stripe_fake_server.settings()
    stripe_fake_server.webhooks = Webhooks(
        platform=WebhookEndpoint(
            f"http://127.0.0.1:{port}/stripe/webhooks/plateforme/",
            secrets["STRIPE_WEBHOOK_SECRET_PLATFORM"],
            host=f"console.{settings.BASE_DOMAIN}",
        ),
        connect=WebhookEndpoint(
            f"http://127.0.0.1:{port}/stripe/webhooks/comptes/",
            secrets["STRIPE_WEBHOOK_SECRET_CONNECT"],
            host=f"console.{settings.BASE_DOMAIN}",
        ),
    )
    yield port
    process_stop(process)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Database access without the test transaction, so subprocesses see the rows.

    Yields the session's territories by slug. Such a test cleans up after itself;
    it must not also request `db` (or fixtures using it), which would wrap it in
    a transaction again.
    """
    from vitrine.catalog.models import Category
    from vitrine.tenancy.models import Territory

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        territories = {t.schema_name: t for t in Territory.objects.filter(schema_name__in=["nancy", "limoges"])}
        last_category = {}
        for slug, territory in territories.items():
            with tenant_context(territory):
                last_category[slug] = Category.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        yield territories
        # The categories factories made along the way go too, once nothing uses them: the next
        # tests' pages (and their screenshots) show the territory's own tree, not "Catégorie 21".
        for slug, territory in territories.items():
            with tenant_context(territory):
                deleted = 1
                while deleted:  # a parent is free once its children are gone
                    deleted, _kinds = Category.objects.filter(
                        pk__gt=last_category[slug], products__isnull=True, shops__isnull=True, children__isnull=True
                    ).delete()
        connection.set_schema_to_public()
