"""The fresh-machine path: no DATABASE_URL means the embedded PostgreSQL (pgserver).

CI runs `make test-embedded` (the tests marked `embedded`) with DATABASE_URL,
CELERY_BROKER_URL and REDIS_URL unset, so this path cannot silently break.
"""

import os

import pytest
from django.db import connection

from vitrine.config.env import VAR_DIR

pytestmark = pytest.mark.embedded

embedded_only = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="DATABASE_URL is set: the embedded server is not in use"
)


@embedded_only
def test_without_database_url_the_suite_runs_on_the_embedded_postgresql(db):
    # then the connection goes through the Unix socket of the server under var/
    host = connection.settings_dict["HOST"]
    assert host.startswith(str(VAR_DIR)) or "python_PostgresServer" in host, host
    assert connection.pg_version >= 160000  # pgserver ships PostgreSQL 16


@embedded_only
def test_embedded_server_has_no_contrib_extensions(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_available_extensions WHERE name IN ('unaccent', 'pg_trgm')")
        assert cursor.fetchone()[0] == 0


@embedded_only
def test_without_broker_url_celery_uses_the_filesystem_transport(settings):
    assert settings.CELERY_BROKER_URL == "filesystem://"
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"].startswith(str(VAR_DIR))
