"""Helpers for tests: clients by host, polling, and real subprocesses on the test database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from vitrine.accounts.two_factor import two_factor_required
from vitrine.config.env import ROOT_DIR, VAR_DIR
from vitrine.testing.two_factor import session_verify

TEST_VAR = VAR_DIR / "test"  # the test settings put the broker and mail folders here


def host_client(host: str) -> Client:
    """A Django test client whose requests carry the given Host."""
    return Client(HTTP_HOST=host)


def client_on(territory, user=None) -> Client:
    """A client on the territory's host, signed in as `user` (an account of that territory) when given."""
    client = host_client(f"{territory.schema_name}.localhost")
    if user is not None:
        with tenant_context(territory):
            sign_in_as(client, user)
    return client


def sign_in_as(client: Client, user) -> None:
    """Sign the client in as `user` (current schema), past the code step for those who need one."""
    client.force_login(user)
    if two_factor_required(user):  # the team's and operators' sessions gave their code, as at sign-in
        session_verify(client, user)


def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.2, message: str = "condition"):
    """Poll until predicate() is truthy; return its value, or raise after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {message}")


def test_database_url() -> str:
    """A URL for the test database that pytest-django created (TCP or Unix socket)."""
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or ""
    if host.startswith("/"):
        return f"postgres://{user}{password}@/{params['NAME']}?host={host}"
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{user}{password}@{host or '127.0.0.1'}{port}/{params['NAME']}"


test_database_url.__test__ = False  # not a test, despite its name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a web server or worker on the test database."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="vitrine.config.django.test",
        DATABASE_URL=test_database_url(),
        VITRINE_PROGRESS_DB="progress",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def process_start(
    args: list[str], *, env: dict, log_path: Path, ready: Callable[[], bool], name: str, timeout: float = 30.0
) -> subprocess.Popen:
    """Start a process logging to log_path and wait until ready() says so."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(args, env=env, cwd=ROOT_DIR, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            process_stop(process)
            raise RuntimeError(f"{name} did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    return process


def process_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
