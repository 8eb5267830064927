"""PostgreSQL goes away under traffic: pages fail fast with the error page, then the same
web processes serve again as soon as the database is back, without a restart.

The database is taken away the way a restart does it to its clients, on the
test database only (the machine's server is shared with the test process): every
connection to it is terminated and new ones are refused for a few seconds.
The web server is gunicorn with DEBUG off, as in production.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

import psutil
import psycopg
import pytest
import requests
from django.db import connection

from vitrine.testing.helpers import TEST_VAR, free_port, process_stop, subprocess_env, wait_for
from vitrine.testing.processes import web_start

OUTAGE_SECONDS = 5.0
APPLICATION_NAME = "vitrine-fault-web"  # how the server under test's connections are told apart


@dataclass
class Answer:
    at: float
    status: int  # 0: no answer at all (connection error or timeout)
    seconds: float
    body: str


class Traffic:
    """Shoppers loading the home page, one request after the other, on two threads.

    Each asks an address of its own (`?visite=<n>`, which the page ignores): a page seen in the last
    minute would come whole from the page cache (common.pagecache), without the database.
    """

    def __init__(self, port: int, host: str) -> None:
        self.url, self.host = f"http://127.0.0.1:{port}/", host
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._visits = itertools.count()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(2)]

    def _run(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                visit = next(self._visits)
                response = session.get(f"{self.url}?visite={visit}", headers={"Host": self.host}, timeout=30)
                status, body = response.status_code, response.text
            except requests.RequestException as exc:
                status, body = 0, repr(exc)
            self.answers.append(Answer(started, status, time.monotonic() - started, body))
            time.sleep(0.05)

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=40)


def _maintenance_connection() -> psycopg.Connection:
    """A connection to the server's "postgres" database: a database cannot refuse connections to itself."""
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def _allow_connections(allowed: bool) -> None:
    with _maintenance_connection() as admin:
        admin.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" ALLOW_CONNECTIONS {str(allowed).lower()}')


def _database_away(seconds: float) -> tuple[float, float]:
    """Terminate the web server's connections and refuse new ones to the test database for `seconds`.

    Only the server under test loses its connections (other fixtures of the session keep theirs),
    as every client of a restarted server would.
    """
    _allow_connections(False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APPLICATION_NAME],
        )
    down_at = time.monotonic()
    time.sleep(seconds)
    _allow_connections(True)
    return down_at, time.monotonic()


def test_pages_fail_fast_while_postgresql_is_away_then_recover_without_a_restart(committed):
    # given gunicorn (DEBUG off) serving Nancy's home page to steady traffic
    port = free_port()
    env = subprocess_env()
    separator = "&" if "?" in env["DATABASE_URL"] else "?"
    env["DATABASE_URL"] += f"{separator}application_name={APPLICATION_NAME}"
    web = web_start(env, port=port, log_path=TEST_VAR / "fault-database-web.log", production=True)
    try:
        wait_for(
            lambda: requests.get(f"http://127.0.0.1:{port}/", headers={"Host": "nancy.localhost"}, timeout=10).ok,
            message="the home page",
        )
        # both workers forked (the port answers as soon as the first one is up; the second can be late)
        wait_for(lambda: len(psutil.Process(web.pid).children()) == 2, message="gunicorn's two workers")
        workers_before = {child.pid for child in psutil.Process(web.pid).children()}
        with Traffic(port, "nancy.localhost") as traffic:
            time.sleep(1.5)

            # when PostgreSQL drops every connection and refuses new ones for a while
            down_at, back_at = _database_away(OUTAGE_SECONDS)

            # then, once it is back, the same processes serve the page again
            wait_for(
                lambda: any(a.at > back_at and a.status == 200 for a in traffic.answers),
                timeout=30,
                message="a page served after the database came back",
            )
            time.sleep(1.5)
        answers = list(traffic.answers)
    finally:
        workers_after = {child.pid for child in psutil.Process(web.pid).children()} if web.poll() is None else set()
        process_stop(web)
        connection.close()

    before = [a for a in answers if a.at + a.seconds < down_at]
    during = [a for a in answers if down_at + 0.5 < a.at < back_at - 0.5]
    first_ok_after = min(a.at for a in answers if a.at > back_at and a.status == 200)
    late = [a for a in answers if a.at > first_ok_after]
    assert before and all(a.status == 200 for a in before)
    # during the outage every request got an answer, the error page and no details
    assert during, "no request was made while the database was away"
    assert all(a.status in (500, 503) for a in during), sorted({a.status for a in during})
    for answer in during:
        assert "Une erreur est survenue" in answer.body and "Traceback" not in answer.body
        assert "DATABASE" not in answer.body and "postgres" not in answer.body.lower()
    # after it, every request succeeds, served by the same gunicorn workers
    assert late and all(a.status == 200 for a in late), sorted({a.status for a in late})
    assert workers_after == workers_before
    slowest = max(a.seconds for a in during)
    recovery = first_ok_after - back_at
    # Shown with -s; the suite never gates on time (answers above are what a shopper relies on).
    print(  # noqa: T201
        f"database away {back_at - down_at:.1f} s: {len(during)} requests answered with the error page "
        f"(slowest {slowest * 1000:.0f} ms); first page served {recovery:.2f} s after it came back"
    )


@pytest.fixture(autouse=True)
def _database_allows_connections_again(committed):
    yield
    _allow_connections(True)
