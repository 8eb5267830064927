"""Real processes for tests that break things: web servers, Celery workers, a Redis server
and a mail server of the test's own, which the test can stop, kill and start again."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from vitrine.config.env import ROOT_DIR
from vitrine.testing.helpers import port_open, process_start, process_stop, wait_for


def web_start(env: dict, *, port: int, log_path: Path, production: bool = False) -> subprocess.Popen:
    """A web server on 127.0.0.1:port: Django's runserver, or gunicorn as in production.

    `production` runs gunicorn (two workers, four threads each) with DEBUG off,
    so the pages a shopper would get during a fault are the real error pages.
    """
    if production:
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "vitrine.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
        ]
        env = {**env, "DJANGO_DEBUG": "0"}
    else:
        args = [sys.executable, str(ROOT_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"]
    return process_start(args, env=env, log_path=log_path, ready=lambda: port_open(port), name="The web server")


def worker_start(env: dict, *, log_path: Path, beat_schedule: Path | None = None, purge: bool = False):
    """A Celery worker (solo pool, as in the demo), with beat when given a schedule file."""
    args = [sys.executable, "-m", "celery", "-A", "vitrine.config.celery", "worker", "--pool", "solo"]
    if beat_schedule is not None:
        args += ["--beat", "--schedule", str(beat_schedule)]
    args += ["--loglevel", "info", "--without-gossip", "--without-mingle"]
    if purge:
        args.append("--purge")
    return process_start(
        args, env=env, log_path=log_path, ready=lambda: "ready." in log_path.read_text(), name="The Celery worker"
    )


def guest_checkout_over_http(
    port: int, host: str, product_ids: list[int], *, session: requests.Session | None = None, strict: bool = True
) -> requests.Response | None:
    """A shopper's browser without JavaScript: add to cart, open checkout, pick the first slots, submit.

    Returns the answer to the order form. `strict` asserts each step went as a shopper
    expects; without it (a load test, where stock runs out), returns None when the cart
    did not take every product.
    """
    base = f"http://127.0.0.1:{port}"  # the territory is chosen by the Host header, as behind a proxy
    session = session or requests.Session()
    session.headers["Host"] = f"{host}:{port}"
    session.get(base + "/", timeout=60)
    # The home page has no form that posts (it may come whole from the page cache, common.pagecache):
    # the CSRF cookie and token come from a page with one, as a product page's "add to cart".
    sign_in = session.get(base + "/compte/connexion/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', sign_in.text)[1]
    for product_id in product_ids:
        added = session.post(
            f"{base}/panier/ajouter/{product_id}/",
            data={"csrfmiddlewaretoken": token, "quantity": "1"},
            headers={"Referer": base + "/"},
            timeout=60,
        )
        if strict:
            assert "est dans votre panier" in added.text, added.text[:2000]
    form = session.get(base + "/panier/commande/", timeout=60).text
    if not strict and 'name="idempotency_key"' not in form:
        return None  # the cart took nothing (sold out): there is no order form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    data = {
        "csrfmiddlewaretoken": token,
        "name": "Claire Blaison",
        "email": "claire@example.fr",
        "phone": "0612345678",
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', form)[1],
    }
    for select in re.finditer(r'<select id="(slot-\d+)" name="slot-\d+"[^>]*>(.*?)</select>', form, re.S):
        data[select[1]] = re.search(r'<option value="([^"]+)"', select[2])[1]
    if len(data) != 5 + len(product_ids):
        assert not strict, form[:3000]
        return None
    return session.post(
        base + "/panier/commande/", data=data, headers={"Referer": base + "/panier/commande/"}, timeout=60
    )


class RedisServer:
    """A throwaway Redis on its own port, without persistence, that the test stops and starts."""

    def __init__(self, port: int) -> None:
        self.port: int = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), timeout=10, message="redis-server to listen")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            process_stop(self.process)
        wait_for(lambda: not port_open(self.port), timeout=10, message="redis-server to stop")


@dataclass
class ReceivedEmail:
    message_id: str
    to: list[str]
    subject: str


@dataclass
class MailServer:
    """An SMTP server (aiosmtpd) on its own port that records what it accepts.

    `refusing` answers every recipient with 451 (try again later), as a mail
    server that is overloaded or greylisting; `delay` slows each accepted message.
    """

    port: int
    refusing: bool = False
    delay: float = 0.0
    received: list[ReceivedEmail] = field(default_factory=list)
    refused: int = 0

    def start(self) -> None:
        # aiosmtpd is a test dependency: only the tests that run a mail server import it.
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook name)
        if self.refusing:
            self.refused += 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.delay:
            await asyncio.sleep(self.delay)
        text = envelope.content.decode("utf-8", "replace")
        headers = text.split("\r\n\r\n", 1)[0]
        message_id = re.search(r"^Message-ID: (.*)$", headers, re.M | re.I)
        subject = re.search(r"^Subject: (.*)$", headers, re.M)
        with _lock:
            self.received.append(
                ReceivedEmail(
                    message_id=message_id[1].strip() if message_id else "",
                    to=list(envelope.rcpt_tos),
                    subject=subject[1].strip() if subject else "",
                )
            )
        return "250 Message accepted for delivery"


_lock = threading.Lock()


def process_kill(process: subprocess.Popen) -> None:
    """SIGKILL a process and its children at once (a worker with beat has a child), as a crash would."""
    # psutil ships with the embedded server's package and the dev tools: only crash tests use it.
    import psutil

    parent = psutil.Process(process.pid)
    for member in [parent, *parent.children(recursive=True)]:
        try:
            member.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    process.wait(timeout=10)


def private_broker_env(folder: Path) -> dict[str, str]:
    """Environment for workers on a file-system broker of the test's own, which no other worker reads."""
    return {"CELERY_BROKER_URL": "filesystem://", "VITRINE_CELERY_DIR": str(folder)}


@contextmanager
def celery_broker_used(extra_env: dict[str, str]):
    """Make this test process publish its tasks to the broker that `extra_env` gives workers."""
    # The Celery app is configured once per process: the test's own publishing is pointed
    # at the private broker for the block, then back, so no other worker sees these tasks.
    from vitrine.config.celery import app

    folder = extra_env["VITRINE_CELERY_DIR"]
    for name in ("queue", "processed"):
        Path(folder, name).mkdir(parents=True, exist_ok=True)
    saved = app.conf.broker_url, app.conf.broker_transport_options

    def reconnect() -> None:
        # Forget the pools, never close them: kombu keeps one per broker address for the whole
        # process, and the next task sent to the session's broker must find its pool open.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = extra_env["CELERY_BROKER_URL"]
    app.conf.broker_transport_options = {
        "data_folder_in": f"{folder}/queue",
        "data_folder_out": f"{folder}/queue",
        "processed_folder": f"{folder}/processed",
        "store_processed": False,
    }
    reconnect()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        reconnect()
