"""Helpers shared by the benchmarks: tables, committed database work, territories,
gunicorn on production settings, and a load generator (wrk, or Python as a fallback).

Benchmarks print figures and ratios measured in the same run; they never assert on
timings, only on correctness (status codes, bodies, provisioning methods).

Knobs (environment variables), for quick or longer runs:
  BENCH_DURATION=5        seconds per measured load run (after a 1 s warm-up)
  BENCH_REPEATS=3         measured runs per scenario; the table shows the median
  BENCH_CONNECTIONS=4     concurrent keep-alive connections
  BENCH_LOADGEN=wrk       or "python" to force the fallback load generator
  BENCH_TERRITORIES=10,1000   territory counts for the routing benchmark
  BENCH_PROVISION_N=5     territories provisioned per method
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, connections

from vitrine.config.env import VAR_DIR

BENCH_DIR = Path(__file__).resolve().parent
ROOT_DIR = BENCH_DIR.parents[1]
DURATION = float(os.environ.get("BENCH_DURATION", "5"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "1"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
GUNICORN_THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", "4"))


# --- Figures and tables ------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], notes: Iterable[str] = ()) -> str:
    """Print (and return) a plain-text table; numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_looks_numeric(row[i]) for row in cells[1:]) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric)).rstrip()

    out = ["", f"== {title} ==", line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells[1:]]
    out += [f"  {note}" for note in notes]
    text = "\n".join(out)
    print(text, flush=True)
    return text


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d,.]+\s*(ms|s|x|×|%)?|[-–]", text.strip())) if text.strip() else True


def machine_load() -> str:
    """Load average and CPU count: other work on the machine skews every figure."""
    one, five, _fifteen = os.getloadavg()
    return f"machine: {os.cpu_count()} CPUs, load average {one:.2f} (1 min), {five:.2f} (5 min)"


# --- Committed database work ---------------------------------------------------------


def assert_test_database() -> None:
    """Benchmarks create and drop schemas: refuse to run anywhere but a test database."""
    name = connections["default"].settings_dict["NAME"]
    assert name.startswith("test_"), (
        f"Benchmarks must run on pytest-django's test database, not {name!r}: mark the test with @pytest.mark.django_db"
    )


def run_committed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run fn in a thread of its own, on its own connections, in autocommit.

    A test marked django_db runs inside a transaction that is rolled back; work
    that must be committed (for gunicorn to see it, or to time provisioning as it
    really runs) goes through a fresh connection in another thread instead.
    """
    assert_test_database()

    def target() -> Any:
        try:
            connection.set_schema_to_public()
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(target).result()


# --- Territories ------------------------------------------------------------------------

SERVICE_SLUG = "bench{:04d}"


@dataclass
class TerritorySetup:
    hosts: list[tuple[str, str]]  # (primary domain, territory name)
    provisioned_now: int
    seconds: float
    methods: dict[str, int]
    in_database: int  # every territory, the benchmark's and the session's


def territories_ensure(count: int) -> TerritorySetup:
    """Make sure `count` benchmark territories exist (committed), made by the provisioning service.

    They are bench0001, bench0002... of their own, so that no other test's data
    (nancy and limoges belong to the whole session) changes what is measured.
    Idempotent: existing ones are kept.
    """
    from vitrine.console.services import territory_provision
    from vitrine.tenancy.models import Domain, Territory
    from vitrine.tenancy.services import default_domain
    from vitrine.testing.territories import territory_request

    methods: dict[str, int] = {}
    started = time.perf_counter()
    slugs = [SERVICE_SLUG.format(number) for number in range(1, count + 1)]
    existing = set(Territory.objects.filter(schema_name__in=slugs).values_list("schema_name", flat=True))
    for slug in slugs:
        if slug not in existing:
            result = territory_provision(request=territory_request(slug))
            assert result.created
            methods[result.method] = methods.get(result.method, 0) + 1
            if sum(methods.values()) % 250 == 0:
                # A PostgreSQL session keeps every relation it made in its caches: one that cloned 4,000
                # territories (1.2 million relations) held 776 MB and took 0.9 s a clone. A new session.
                connection.close()
    seconds = time.perf_counter() - started
    connection.set_schema_to_public()
    names = dict(Territory.objects.filter(schema_name__in=slugs).values_list("schema_name", "name"))
    hosts = [(default_domain(slug), names[slug]) for slug in slugs]
    assert Domain.objects.filter(domain__in=[h for h, _n in hosts], is_primary=True).count() == count
    return TerritorySetup(hosts, sum(methods.values()), seconds, methods, Territory.objects.count())


def schema_structure(schema: str) -> dict[str, set]:
    """Columns, constraints, indexes and migration records of a schema, its name left out."""
    queries = {
        "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = %s",
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = %s::regnamespace",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
    }
    structure = {}
    with connection.cursor() as cursor:
        for key, sql in queries.items():
            cursor.execute(sql, [schema])
            structure[key] = {
                tuple(str(v).replace(f'"{schema}".', "").replace(f"{schema}.", "") for v in row)
                for row in cursor.fetchall()
            }
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        structure["migrations"] = set(cursor.fetchall())
    return structure


# --- HTTP: checks and load ---------------------------------------------------------------


def http_get(port: int, path: str, host: str, *, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def visit_all(port: int, path: str, hosts: Sequence[str], check: Callable[[str, int, bytes], None]) -> None:
    """One request per host on one keep-alive connection: warms per-host caches, checks answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for host in hosts:
            status, body = http_get(port, path, host, conn=conn)
            check(host, status, body)
    finally:
        conn.close()


@dataclass
class LoadResult:
    rps: float
    requests: int
    seconds: float
    errors: int  # 4xx/5xx answers plus socket errors
    p50_ms: float
    p99_ms: float


class Wrk:
    """wrk, one thread, a few keep-alive connections; a Lua script rotates the Host header."""

    name = "wrk"

    def __init__(self, cpu: int | None) -> None:
        self.binary = shutil.which("wrk")
        self.cpu = cpu
        self._scripts: dict[tuple[str, ...], str] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="vitrine-bench-")

    def describe(self) -> str:
        version = subprocess.run([self.binary, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        return f"{version.split(' Copyright')[0]}, 1 thread, {CONNECTIONS} connections"

    def _script(self, hosts: Sequence[str]) -> str:
        key = tuple(hosts)
        if key not in self._scripts:
            path = Path(self._tmp.name) / f"hosts{len(self._scripts)}.lua"
            host_list = ",\n".join(f'  "{h}"' for h in hosts)
            path.write_text(
                f"local hosts = {{\n{host_list}\n}}\n"
                "local count = #hosts\n"
                "local i = 0\n"
                "request = function()\n"
                "  i = i % count + 1\n"
                '  return wrk.format("GET", nil, {["Host"] = hosts[i]})\n'
                "end\n"
            )
            self._scripts[key] = str(path)
        return self._scripts[key]

    def run(self, port: int, path: str, hosts: Sequence[str], seconds: float) -> LoadResult:
        command = [
            self.binary,
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            self._script(hosts),
            f"http://127.0.0.1:{port}{path}",
        ]
        if self.cpu is not None and shutil.which("taskset"):
            command = ["taskset", "-c", str(self.cpu), *command]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return self.parse(output)

    @staticmethod
    def parse(output: str) -> LoadResult:
        def number(pattern: str, default: float | None = None) -> float:
            match = re.search(pattern, output)
            if match is None:
                if default is None:
                    raise AssertionError(f"unexpected wrk output:\n{output}")
                return default
            return float(match.group(1))

        def latency(percent: str) -> float:
            match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
            if match is None:
                return float("nan")
            value, unit = float(match.group(1)), match.group(2)
            return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

        socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
        errors = int(number(r"Non-2xx or 3xx responses: (\d+)", 0))
        if socket_errors:
            errors += sum(int(g) for g in socket_errors.groups())
        return LoadResult(
            rps=number(r"Requests/sec:\s+([\d.]+)"),
            requests=int(number(r"(\d+) requests in")),
            seconds=number(r"requests in ([\d.]+)s"),
            errors=errors,
            p50_ms=latency("50"),
            p99_ms=latency("99"),
        )


class PythonLoad:
    """Fallback when wrk is absent: keep-alive http.client connections, one thread each.

    Much weaker than wrk (the GIL is shared by every connection), so the server
    may not be the bottleneck: compare ratios, not absolute figures.
    """

    name = "python"

    def __init__(self, cpu: int | None) -> None:
        self.cpu = cpu

    def describe(self) -> str:
        return f"Python http.client fallback, {CONNECTIONS} threads with keep-alive connections"

    def run(self, port: int, path: str, hosts: Sequence[str], seconds: float) -> LoadResult:
        if self.cpu is not None and hasattr(os, "sched_setaffinity"):
            before = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {self.cpu})
        else:
            before = None
        try:
            return self._run(port, path, hosts, seconds)
        finally:
            if before is not None:
                os.sched_setaffinity(0, before)

    @staticmethod
    def _run(port: int, path: str, hosts: Sequence[str], seconds: float) -> LoadResult:
        deadline = time.perf_counter() + seconds
        latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
        errors = [0] * CONNECTIONS

        def worker(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            i = n
            while (now := time.perf_counter()) < deadline:
                try:
                    conn.request("GET", path, headers={"Host": hosts[i % len(hosts)]})
                    response = conn.getresponse()
                    response.read()
                    if response.status >= 400:
                        errors[n] += 1
                except (OSError, http.client.HTTPException):
                    errors[n] += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                latencies[n].append(time.perf_counter() - now)
                i += CONNECTIONS
            conn.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        every = sorted(x for per_thread in latencies for x in per_thread)
        count = len(every)
        return LoadResult(
            rps=count / elapsed,
            requests=count,
            seconds=elapsed,
            errors=sum(errors),
            p50_ms=every[count // 2] * 1000 if count else float("nan"),
            p99_ms=every[min(count - 1, int(count * 0.99))] * 1000 if count else float("nan"),
        )


def load_generator(cpu: int | None) -> Wrk | PythonLoad:
    wanted = os.environ.get("BENCH_LOADGEN", "wrk")
    if wanted == "wrk" and shutil.which("wrk"):
        return Wrk(cpu)
    if wanted == "wrk":
        print(
            "\n!! wrk not found (apt-get install -y wrk): falling back to the Python load generator;"
            " its figures are lower and noisier than wrk's.",
            flush=True,
        )
    return PythonLoad(cpu)


def cpu_split() -> tuple[int | None, int | None]:
    """(server CPU, load generator CPU): pinned apart on a machine with 2+ cores and taskset."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) >= 2 and shutil.which("taskset"):
        return cpus[0], cpus[1]
    return None, None


# --- gunicorn on production settings -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(config: Any) -> str:
    """The URL of the test database pytest-django created, for gunicorn."""
    try:
        from vitrine.testing.helpers import test_database_url
    except ImportError:  # older layout: the helper lived in tests/conftest.py
        path = ROOT_DIR / "tests" / "conftest.py"
        plugins = config.pluginmanager.get_plugins()
        test_database_url = next(
            p for p in plugins if getattr(p, "__file__", None) and Path(p.__file__).resolve() == path
        ).test_database_url
    assert_test_database()
    return test_database_url()


@dataclass
class Gunicorn:
    """One gunicorn (1 worker, gthread) on production settings and the test database."""

    label: str
    settings_module: str
    database_url: str
    ready_host: str
    cpu: int | None = None
    log_dir: Path = field(default_factory=lambda: VAR_DIR / "bench-logs")
    port: int = 0
    process: subprocess.Popen | None = None

    def environment(self) -> dict[str, str]:
        return production_environment(self.settings_module, self.database_url)

    def start(self) -> Gunicorn:
        self.port = free_port()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.log_dir / f"gunicorn-{self.settings_module}.log"
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "vitrine.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            str(GUNICORN_THREADS),
            "--keep-alive",
            "30",
            "--no-control-socket",
            "--log-level",
            "warning",
        ]
        if self.cpu is not None and shutil.which("taskset"):
            command = ["taskset", "-c", str(self.cpu), *command]
        with open(self.log_path, "w") as log:  # gunicorn's and Django's logs (tracebacks of any 500)
            self.process = subprocess.Popen(
                command, env=self.environment(), cwd=ROOT_DIR, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = http_get(self.port, "/bench/ping", self.ready_host)
                assert (status, body) == (200, b"pong"), f"{self.label}: {status} {body[:300]!r}"
                return self
            except (OSError, http.client.HTTPException):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn ({self.label}) did not start:\n{self.log_path.read_text()}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def production_environment(settings_module: str, database_url: str) -> dict[str, str]:
    """What production settings need, on the test database, over plain HTTP."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "SENTRY_DSN")}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        PYTHONPATH=os.pathsep.join(filter(None, [str(BENCH_DIR), str(ROOT_DIR / "platform"), env.get("PYTHONPATH")])),
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=f"benchmark-only-{secrets.token_hex(24)}",
        CELERY_BROKER_URL=env.get("CELERY_BROKER_URL") or "memory://",
        EMAIL_URL=env.get("EMAIL_URL") or "consolemail://",
        BASE_DOMAIN="localhost",
        SECURE_SSL_REDIRECT="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def wsgi_loop(
    settings_module: str,
    database_url: str,
    path: str,
    hosts: Sequence[str],
    *,
    cpu: int | None,
    seconds: float = 1.0,
    repeats: int = 5,
) -> list[float]:
    """Microseconds per request through Django's WSGI handler alone (see wsgi_loop.py)."""
    import json

    with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as hosts_file:
        hosts_file.write("\n".join(hosts))
    try:
        command = [sys.executable, str(BENCH_DIR / "wsgi_loop.py"), hosts_file.name, path, str(seconds), str(repeats)]
        if cpu is not None and shutil.which("taskset"):
            command = ["taskset", "-c", str(cpu), *command]
        result = subprocess.run(
            command,
            env=production_environment(settings_module, database_url),
            cwd=ROOT_DIR,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"wsgi_loop {settings_module} {path}:\n{result.stderr[-3000:]}"
        return json.loads(result.stdout.strip().splitlines()[-1])["us_per_request"]
    finally:
        os.unlink(hosts_file.name)


_collected: set[str] = set()


def collectstatic(settings_module: str, database_url: str) -> None:
    """Production serves hashed static files from a manifest: build it once per run."""
    if settings_module in _collected:
        return
    subprocess.run(
        [sys.executable, str(ROOT_DIR / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=production_environment(settings_module, database_url),
        cwd=ROOT_DIR,
        check=True,
    )
    _collected.add(settings_module)
