"""Drive Django's WSGI handler in-process, no network and no gunicorn: microseconds per request.

Run by test_routing_throughput in a subprocess per settings module, with the same
environment as gunicorn:  python wsgi_loop.py HOSTS_FILE PATH SECONDS REPEATS
Prints one JSON line: {"us_per_request": [...], "requests": n}. Every response must be 200.
"""

from __future__ import annotations

import io
import json
import sys
import time

import django
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections


def wsgi_environ(path: str, host: str, query: str = "", **meta: str) -> dict:
    """A GET's WSGI environ as gunicorn builds it, for `host`; `meta` adds headers (HTTP_COOKIE=...)."""
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        **meta,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def main() -> None:
    hosts_file, path, seconds, repeats = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    hosts = open(hosts_file).read().split()
    django.setup(set_prefix=False)
    app = WSGIHandler()
    # Open, as in a worker that has served any page: close_old_connections() then
    # checks it at the start and end of every request, whichever the settings.
    connections["default"].ensure_connection()
    statuses: set[str] = set()

    def start_response(status, headers, exc_info=None):
        statuses.add(status)

    def run(count: int, offset: int) -> None:
        for i in range(offset, offset + count):
            environ = wsgi_environ(path, hosts[i % len(hosts)])
            response = app(environ, start_response)
            b"".join(response)
            response.close()

    # warm-up: every host once (routes, templates), then about a second of requests
    run(len(hosts), 0)
    started = time.perf_counter()
    while time.perf_counter() - started < 1:
        run(200, 0)
    count = max(200, int(seconds * _rate(run, 500)))
    figures = []
    for _ in range(repeats):
        started = time.perf_counter()
        run(count, 0)
        figures.append((time.perf_counter() - started) / count * 1e6)
    assert statuses == {"200 OK"}, statuses
    print(json.dumps({"us_per_request": figures, "requests": count * repeats}))


def _rate(run, batch: int) -> float:
    """Requests per second, from one short timed batch."""
    started = time.perf_counter()
    run(batch, 0)
    return batch / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
