"""Deliver the fake's events as Stripe does: signed POSTs from a background thread, retried when refused.

Two endpoints, as with Connect: the platform's own events, and the connected accounts' events
(those with a top-level `account`). Tests can make delivery misbehave the ways Stripe's may:
every event twice, held then released in reverse order, signed with a wrong secret or an old
timestamp, or not delivered at all.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPSConnection
from typing import Any, Literal
from urllib.parse import urlsplit

from stripe import WebhookSignature

logger = logging.getLogger("vitrine.testing.stripe_fake")

Target = Literal["platform", "connect"]
RETRY_DELAYS = (0.2, 0.5, 1.0)  # seconds before the 2nd, 3rd and 4th attempts (Stripe: hours, over 3 days)
TIMEOUT_SECONDS = 10


def signed(event: dict[str, Any], secret: str, *, timestamp_shift: int = 0) -> tuple[bytes, str]:
    """An event as Stripe delivers it: the JSON body, and its `Stripe-Signature` header for `secret`.

    For tests that post an event themselves (Django's test client):
    `client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)`.
    """
    payload = json.dumps(event, indent=2)
    timestamp = int(time.time()) + timestamp_shift
    return payload.encode(), WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


@dataclass(frozen=True)
class WebhookEndpoint:
    """Where one kind of event goes: the URL, its signing secret, and the Host header to send if any."""

    url: str
    secret: str
    host: str | None = None
    enabled_events: tuple[str, ...] = ("*",)

    def wants(self, event_type: str) -> bool:
        """Whether this endpoint subscribed to that event type."""
        return any(kind in ("*", event_type) for kind in self.enabled_events)


@dataclass(frozen=True)
class Webhooks:
    """The two endpoints of a Connect platform; either may be missing (its events are then only stored)."""

    platform: WebhookEndpoint | None = None
    connect: WebhookEndpoint | None = None


@dataclass
class DeliveryMode:
    """How deliveries misbehave; change the fields at any time, they apply to the next attempts."""

    duplicates: bool = False  # every event delivered twice in a row
    drop: bool = False  # events stored but never delivered
    wrong_secret: str | None = None  # sign with this secret instead of the endpoint's
    timestamp_shift: int = 0  # seconds added to the signature's timestamp (-600: older than the tolerance)


@dataclass
class Delivery:
    """One attempt to deliver an event: what was sent and how the endpoint answered."""

    event_id: str
    event_type: str
    target: Target
    attempt: int
    status: int | None = None  # the HTTP status, None when the endpoint could not be reached
    error: str = ""
    signature: str = ""
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(order=True)
class _Job:
    due: float
    sequence: int
    event: dict[str, Any] = field(compare=False)
    target: Target = field(compare=False)
    attempt: int = field(compare=False, default=1)


class Deliverer:
    """A background thread that delivers queued events one at a time, in the order they are due."""

    def __init__(self, webhooks: Webhooks | None = None) -> None:
        self.webhooks = webhooks or Webhooks()
        self.mode = DeliveryMode()
        self.deliveries: list[Delivery] = []
        self.held: list[tuple[dict[str, Any], Target]] = []
        self.holding = False
        self._queue: list[_Job] = []
        self._sequence = itertools.count()
        self._busy = False
        self._expected = 0
        self._stopping = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="stripe-fake-webhooks", daemon=True)

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop delivering (what is queued is dropped)."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=TIMEOUT_SECONDS + 1)

    def target_of(self, event: dict[str, Any]) -> Target:
        """Connect events (with a top-level `account`) go to the connect endpoint, the rest to the platform's."""
        return "connect" if event.get("account") else "platform"

    def endpoint(self, target: Target) -> WebhookEndpoint | None:
        """The endpoint configured for that target."""
        return self.webhooks.connect if target == "connect" else self.webhooks.platform

    def expect(self) -> None:
        """Announce events about to be queued (an answer is on its way out): `wait_idle` waits for them."""
        with self._condition:
            self._expected += 1

    def enqueue(self, events: list[dict[str, Any]], *, expected: bool = False) -> None:
        """Queue events for delivery (or hold, or drop them, as the mode says); `expected` after `expect()`."""
        with self._condition:
            if expected:
                self._expected -= 1
            for event in events:
                target = self.target_of(event)
                endpoint = self.endpoint(target)
                if endpoint is None or not endpoint.wants(event["type"]) or self.mode.drop:
                    continue
                if self.holding:
                    self.held.append((event, target))
                    continue
                self._schedule(event, target)
            self._condition.notify_all()

    def _schedule(self, event: dict[str, Any], target: Target, *, attempt: int = 1, delay: float = 0.0) -> None:
        copies = 2 if self.mode.duplicates and attempt == 1 else 1
        for _ in range(copies):
            job = _Job(time.monotonic() + delay, next(self._sequence), event, target, attempt)
            heapq.heappush(self._queue, job)

    def reset(self) -> None:
        """Forget queued, held and past deliveries and the delivery mode."""
        with self._condition:
            self.mode = DeliveryMode()
            self.deliveries = []
            self.held = []
            self.holding = False
            self._queue = []
            self._condition.notify_all()

    def hold(self) -> None:
        """Keep new events back until `release`."""
        with self._condition:
            self.holding = True

    def release(self, *, reverse: bool = False) -> int:
        """Stop holding and deliver what was held, in order or in reverse order; how many were held."""
        with self._condition:
            # The events of an answer already sent are queued just after it: wait for them (briefly).
            deadline = time.monotonic() + 5.0
            while self._expected and time.monotonic() < deadline:
                self._condition.wait(deadline - time.monotonic())
            held, self.held, self.holding = self.held, [], False
            for event, target in reversed(held) if reverse else held:
                self._schedule(event, target)
            self._condition.notify_all()
            return len(held)

    def idle(self) -> bool:
        """Nothing queued and nothing being sent (held events do not count)."""
        with self._condition:
            return not self._queue and not self._busy and not self._expected

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until every queued delivery is done, retries included; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._queue or self._busy or self._expected:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"Webhook deliveries still pending after {timeout} s: {len(self._queue)}")
                self._condition.wait(left)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopping and (not self._queue or self._queue[0].due > time.monotonic()):
                    wait = self._queue[0].due - time.monotonic() if self._queue else None
                    self._condition.wait(wait)
                if self._stopping:
                    return
                job = heapq.heappop(self._queue)
                self._busy = True
            try:
                delivery = self._send(job)
            except Exception:  # a bug here must not kill the thread: log it, count it as a failure
                logger.exception("Webhook delivery of %s crashed", job.event["id"])
                delivery = Delivery(job.event["id"], job.event["type"], job.target, job.attempt, error="crashed")
            with self._condition:
                self.deliveries.append(delivery)
                if not delivery.ok and job.attempt <= len(RETRY_DELAYS) and not self._stopping:
                    self._schedule(job.event, job.target, attempt=job.attempt + 1, delay=RETRY_DELAYS[job.attempt - 1])
                self._busy = False
                self._condition.notify_all()

    def _send(self, job: _Job) -> Delivery:
        endpoint = self.endpoint(job.target)
        delivery = Delivery(job.event["id"], job.event["type"], job.target, job.attempt)
        if endpoint is None:
            delivery.error = "no endpoint"
            return delivery
        payload, delivery.signature = signed(
            job.event, self.mode.wrong_secret or endpoint.secret, timestamp_shift=self.mode.timestamp_shift
        )
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": delivery.signature,
        }
        url = urlsplit(endpoint.url)
        headers["Host"] = endpoint.host or url.netloc
        connection_class = HTTPSConnection if url.scheme == "https" else HTTPConnection
        connection = connection_class(url.hostname or "127.0.0.1", url.port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request("POST", url.path + (f"?{url.query}" if url.query else ""), payload, headers)
            response = connection.getresponse()
            delivery.status = response.status
            if not delivery.ok:
                delivery.error = response.read(500).decode(errors="replace")
        except OSError as error:
            delivery.error = str(error) or type(error).__name__
        finally:
            connection.close()
        logger.info(
            "webhook %s %s -> %s %s (attempt %d)",
            job.event["type"],
            job.event["id"],
            job.target,
            delivery.status or delivery.error,
            job.attempt,
        )
        return delivery
