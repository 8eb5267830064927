"""The routing through a real PgBouncer (Debian's package), in the pooling mode infra/pgbouncer.ini ships.

The routing sets `search_path` only when a connection changes territory and remembers it per
connection (tenancy/postgresql_backend). Session pooling keeps one server connection per client,
so what it set stays true: two territories' queries interleaved through PgBouncer never read each
other's rows. Transaction pooling hands each transaction whatever server connection is free, so the
`search_path` a client set may be another client's by its next query: the second test shows it
happening, which is why the shipped configuration is session mode (infra/README.md, "PgBouncer").

Without the `pgbouncer` binary these tests are skipped, unless VITRINE_REQUIRE_PGBOUNCER=1 (CI sets
it, and installs Debian's package).
"""

from __future__ import annotations

import configparser
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, connections

from vitrine.testing.helpers import free_port

INFRA_INI = Path(__file__).resolve().parents[2] / "infra" / "pgbouncer.ini"
PROBE = "pgbouncer_probe"


def _pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if found is None:
        reason = "pgbouncer is missing (apt-get install pgbouncer)"
        if os.environ.get("VITRINE_REQUIRE_PGBOUNCER") == "1":
            pytest.fail(f"{reason}; VITRINE_REQUIRE_PGBOUNCER=1, so this test may not be skipped", pytrace=False)
        pytest.skip(reason)
    return found


def _shipped_settings() -> dict[str, str]:
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",))
    parser.read(INFRA_INI)
    return dict(parser["pgbouncer"])


@contextmanager
def pgbouncer(*, pool_mode: str, pool_size: int) -> Iterator[int]:
    """A PgBouncer on a free port in front of the test database, with the shipped settings but
    `pool_mode` and the pool size; yields its port. Trust authentication, as the test PostgreSQL."""
    binary = _pgbouncer_binary()
    params = connection.settings_dict
    database = params["NAME"]
    settings = _shipped_settings()
    settings.pop("admin_users", None)
    settings.update(
        listen_addr="127.0.0.1",
        listen_port=str(free_port()),
        unix_socket_dir="",
        auth_type="trust",
        pool_mode=pool_mode,
        default_pool_size=str(pool_size),
        reserve_pool_size="0",
        min_pool_size="0",
        max_db_connections=str(pool_size),
    )
    folder = Path(tempfile.mkdtemp(prefix="vitrine-pgbouncer-"))
    folder.chmod(0o755)  # PgBouncer refuses to run as root: it runs as postgres and reads these
    userlist = folder / "userlist.txt"
    userlist.write_text(f'"{params.get("USER") or "postgres"}" ""\n')
    settings["auth_file"] = str(userlist)
    host = params.get("HOST") or "127.0.0.1"
    lines = [
        "[databases]",
        f"{database} = host={host} port={params.get('PORT') or 5432} dbname={database}",
        "[pgbouncer]",
    ]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    ini = folder / "pgbouncer.ini"
    ini.write_text("\n".join(lines) + "\n")
    for path in (userlist, ini):
        path.chmod(0o644)
    command = [binary, str(ini)]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    log = (folder / "pgbouncer.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    port = int(settings["listen_port"])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail(f"PgBouncer did not start: {(folder / 'pgbouncer.log').read_text()}")
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def probes(committed) -> Iterator[dict]:
    """A one-row table in each territory's schema holding that territory's name, committed."""
    with connection.cursor() as cursor:
        for schema in committed:
            cursor.execute(
                f'CREATE TABLE "{schema}".{PROBE} (territory text); INSERT INTO "{schema}".{PROBE} VALUES (%s)',
                [schema],
            )
    try:
        yield committed
    finally:
        with connection.cursor() as cursor:
            for schema in committed:
                cursor.execute(f'DROP TABLE IF EXISTS "{schema}".{PROBE}')


def routed_connection(port: int, alias: str):
    """A connection of Vitrine's database backend (the routing's), through PgBouncer."""
    settings = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(port), "CONN_MAX_AGE": None}
    return type(connections["default"])(settings, alias)


def read_probe(conn, territory) -> str:
    conn.set_tenant(territory)  # what the routing middleware does for each request
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT territory FROM {PROBE}")
        return cursor.fetchone()[0]


def interleave(port: int, territories: dict, rounds: int = 10) -> list[tuple[str, str]]:
    """Two clients, one per territory, take turns through PgBouncer; each turn is one request's
    query. Returns (territory asked, territory whose row was read) for every turn."""
    nancy_conn, limoges_conn = routed_connection(port, "pgbouncer_a"), routed_connection(port, "pgbouncer_b")
    reads = []
    try:
        for _ in range(rounds):
            for conn, schema in ((nancy_conn, "nancy"), (limoges_conn, "limoges")):
                reads.append((schema, read_probe(conn, territories[schema])))
    finally:
        nancy_conn.close()
        limoges_conn.close()
    return reads


def test_shipped_pgbouncer_pools_by_session():
    # given the example configuration shipped for production
    settings = _shipped_settings()

    # then it pools by session and wipes a connection's state before handing it to another client
    assert settings["pool_mode"] == "session"
    assert settings["server_reset_query"] == "DISCARD ALL"


def test_session_pooling_keeps_each_territory_on_its_own_rows(probes):
    # given the shipped session pooling, two server connections for two clients
    with pgbouncer(pool_mode="session", pool_size=2) as port:
        # when Nancy's and Limoges's requests take turns through it
        reads = interleave(port, probes)

        # and a third client then gets a server connection another territory's client used
        later = routed_connection(port, "pgbouncer_c")
        try:
            after_reuse = read_probe(later, probes["limoges"]), read_probe(later, probes["nancy"])
        finally:
            later.close()

    # then every query read its own territory's row
    assert reads and all(asked == read for asked, read in reads), reads
    assert after_reuse == ("limoges", "nancy")


def test_transaction_pooling_would_serve_a_territory_another_territorys_rows(probes):
    # given transaction pooling over one server connection (a busy pool behaves the same, by chance)
    with pgbouncer(pool_mode="transaction", pool_size=1) as port:
        # when Nancy's and Limoges's requests take turns through it
        reads = interleave(port, probes)

    # then some query runs on the search_path another client set: the routing sets it once per
    # connection, so transaction pooling would mix territories. This is why session mode ships;
    # if this assertion ever fails, PgBouncer restores search_path itself and the choice is open again.
    crossed = [(asked, read) for asked, read in reads if asked != read]
    assert crossed, reads
    assert reads[0] == ("nancy", "nancy")  # each client's first query sets the search_path and is right
