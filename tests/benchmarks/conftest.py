"""Shared by the in-process page benchmarks: Django's WSGI handler called in a loop."""

from __future__ import annotations

import time

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from wsgi_loop import wsgi_environ


class Server:
    """Django's WSGI handler, called in-process with a territory's Host header."""

    def __init__(self, host: str):
        self.app, self.host = WSGIHandler(), host

    def get(
        self, path: str, query: str = "", cookie: str = "", agent: str = "", headers: dict | None = None
    ) -> tuple[int, bytes, float]:
        """(status, body, milliseconds) of one request (cookie: a Cookie header, e.g. the session's;
        agent: a User-Agent header, which decides whether the visit is counted; headers: more, as
        WSGI keys)."""
        status = []
        environ = wsgi_environ(
            path,
            self.host,
            query,
            HTTP_ACCEPT_LANGUAGE="fr",
            HTTP_COOKIE=cookie,
            HTTP_USER_AGENT=agent,
            **(headers or {}),
        )
        started = time.perf_counter()
        response = self.app(environ, lambda line, headers, exc_info=None: status.append(line))
        body = b"".join(response)
        response.close()
        return int(status[0].split()[0]), body, (time.perf_counter() - started) * 1000


@pytest.fixture
def server(nancy):
    # The test runs in a transaction: keep Django from closing its connection between
    # requests (the test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Server(nancy.get_primary_domain().domain)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
