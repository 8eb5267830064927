"""Online payment: the server time it adds to checkout, and Stripe webhook events handled per second.

Everything real but Stripe, which is the local fake (vitrine.testing.stripe_fake) in this
process, answering at once. Committed rows in the session's Nancy, removed at the end.

1. Checkout: the same two-shop cart (one unit from each of two shops) checked out paying at
   pickup (`order_place`), paying online (`order_place(online_shop_ids=...)` then
   `cart_payment_open` in one transaction, as payments.views_checkout.OnlineCheckout does,
   which calls POST /v1/checkout/sessions), and with the orders awaiting payment but no payment
   step (what the step itself costs), alternated so that all three see the same machine.
   Then the Stripe call alone (the same request, through the same client): what of the
   difference is the network and the fake, and what is Vitrine's.
2. Webhooks: carts paid on the fake (`fake.checkout_pay`); their
   `payment_intent.amount_capturable_updated` and `checkout.session.completed` events,
   signed, go through the receiver (`webhook_receive`: signature, insert, task queued), then
   ONE Celery worker (solo pool, as in production's smallest setup) handles them. First a
   backlog received in-process while the worker is stopped, then drained (handling alone);
   then a second batch posted over HTTP to /stripe/webhooks/plateforme/ (gunicorn, DEBUG off)
   while the worker runs (from the first receipt to the last row handled). Finally a few
   events handled in-process with their SQL captured: queries per event type, the slowest; and
   the settlement task's body each authorisation queues.

Prints tables; asserts only correctness (every event handled, every order placed once).
Knobs: BENCH_PAY_CHECKOUTS=200 (checkouts each way), BENCH_PAY_CARTS=250 (carts per webhook
batch, two events each), BENCH_PAY_FAKE_NAGLE=1 (the fake as it is, see below), BENCH_PAY_PROFILE=1
(cProfile of each in-process handling).
"""

from __future__ import annotations

import cProfile
import json
import logging
import os
import pstats
import re
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from benchlib import machine_load, print_table
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from payments_bench_world import CANCEL_URL, GUEST, SUCCESS_URL, world_make, world_remove
from stripe import WebhookSignature

from vitrine.config.celery import app as celery_app
from vitrine.orders.checkout import order_place
from vitrine.orders.models import Order
from vitrine.payments import settlement, stripe_api, webhooks
from vitrine.payments.checkout import cart_payment_open
from vitrine.payments.inbox.models import StripeEvent
from vitrine.payments.models import CartPayment
from vitrine.testing.helpers import TEST_VAR, free_port, process_stop, subprocess_env, wait_for
from vitrine.testing.processes import web_start, worker_start
from vitrine.testing.stripe_fake import StripeFake
from vitrine.testing.stripe_fake.fake import _Handler as FakeHandler

CHECKOUTS = int(os.environ.get("BENCH_PAY_CHECKOUTS", "200"))
CARTS = int(os.environ.get("BENCH_PAY_CARTS", "250"))
# The fake's http.server writes an answer's headers and body in two sends with Nagle's algorithm on: on a
# keep-alive connection, a request that follows another within ~40 ms waits for the client's delayed ACK
# (about 40 ms here), which Stripe's own servers do not make anyone wait. BENCH_PAY_FAKE_NAGLE=1 keeps it.
FAKE_NAGLE = os.environ.get("BENCH_PAY_FAKE_NAGLE", "0") == "1"
WARMUP = 10
SAMPLE = 10  # carts whose events are handled in-process, their SQL captured
EVENT_TYPES = ("payment_intent.amount_capturable_updated", "checkout.session.completed")
Status = Order.Status

# stripe-python logs each request at INFO: kept out of the tables' way in this process (not in the worker's).
logging.getLogger("stripe").setLevel(logging.WARNING)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


@contextmanager
def _fake_started() -> Iterator[StripeFake]:
    """The fake Stripe, answering at once (TCP_NODELAY on its connections) unless BENCH_PAY_FAKE_NAGLE=1."""
    before = FakeHandler.disable_nagle_algorithm
    FakeHandler.disable_nagle_algorithm = not FAKE_NAGLE
    try:
        with StripeFake() as fake:
            yield fake
    finally:
        FakeHandler.disable_nagle_algorithm = before


def _fake_note() -> str:
    return "the fake as it is (Nagle on: +40 ms on back-to-back calls)" if FAKE_NAGLE else "the fake with TCP_NODELAY"


def _online_on(settings, fake: StripeFake) -> None:
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    settings.PAYMENTS_ONLINE = True


def _broker_purge() -> None:
    """Tasks that no worker took (the checkouts' emails): not the worker's to handle in the webhook measure."""
    with celery_app.connection_for_write() as conn:
        celery_app.control.purge(connection=conn)


# --- 1. Checkout ------------------------------------------------------------------------------------


def _checkout(world, way: str) -> tuple[list[Order], float]:
    """Check a new two-shop cart out `way`; (orders, seconds). The cart and the slots are made before the clock starts.

    pickup: order_place, the orders PLACED. pending: order_place(online_shop_ids=...) alone, the orders
    PENDING_PAYMENT with no payment step (what online payment costs outside the payment step).
    online: that and cart_payment_open in one transaction, as payments.views_checkout.OnlineCheckout.place.
    """
    cart, slots, key = world.cart(), world.slots(), uuid.uuid4()
    online_ids = {shop.pk for shop in world.shops} if way != "pickup" else ()
    started = time.perf_counter()
    with transaction.atomic():  # the orders and their payment page, or nothing
        orders = order_place(cart=cart, guest=GUEST, slots=slots, idempotency_key=key, online_shop_ids=online_ids)
        if way == "online":
            cart_payment_open(orders=orders, success_url=SUCCESS_URL, cancel_url=CANCEL_URL)
    return orders, time.perf_counter() - started


def _checkout_online(world) -> tuple[list[Order], float]:
    return _checkout(world, "online")


def _stripe_call_alone() -> float:
    """The Checkout Session request cart_payment_open sends, through Vitrine's client: the fake's round trip."""
    key = uuid.uuid4()
    metadata = {"territory": "nancy", "checkout": str(key), "orders": "1,2"}
    started = time.perf_counter()
    stripe_api.call(
        stripe_api.client().v1.checkout.sessions.create,
        key=f"bench:{key}",
        mode="payment",
        line_items=[
            {
                "quantity": 1,
                "price_data": {"currency": "eur", "unit_amount": amount, "product_data": {"name": f"Commande {n}"}},
            }
            for n, amount in ((1, 4000), (2, 2550))
        ],
        customer_email=GUEST.email,
        client_reference_id=str(key),
        success_url=SUCCESS_URL,
        cancel_url=CANCEL_URL,
        expires_at=int(time.time()) + 31 * 60,
        locale="fr",
        metadata=metadata,
        payment_intent_data={
            "capture_method": "manual",
            "transfer_group": f"cart_{key}",
            "metadata": metadata,
            "description": "Achetez Grand Nancy",
        },
    )
    return time.perf_counter() - started


def test_online_payment_time_added_to_checkout(committed, settings):
    nancy = committed["nancy"]
    ways = ("pickup", "pending", "online")
    timings: dict[str, list[float]] = {way: [] for way in (*ways, "stripe")}
    queries: dict[str, int] = {}
    with _fake_started() as fake:
        _online_on(settings, fake)
        with tenant_context(nancy):
            world = world_make(fake, stock=3 * (CHECKOUTS + WARMUP) + 10)
            try:
                expected = {"pickup": {Status.PLACED}, "pending": {Status.PENDING_PAYMENT}}
                for round_ in range(CHECKOUTS + WARMUP):  # the ways alternate: each sees the same machine
                    for way in ways:
                        orders, seconds = _checkout(world, way)
                        assert {o.status for o in orders} == expected.get(way, {Status.PENDING_PAYMENT})
                        if round_ >= WARMUP:
                            timings[way].append(seconds)
                    seconds = _stripe_call_alone()
                    if round_ >= WARMUP:
                        timings["stripe"].append(seconds)
                for way in ways:
                    with CaptureQueriesContext(connection) as captured:
                        _checkout(world, way)
                    queries[way] = len(captured)
                sessions = CartPayment.objects.filter(order_payments__shop__in=world.shops).distinct().count()
                assert sessions == CHECKOUTS + WARMUP + 1
                assert len(fake.requests_to("/v1/checkout/sessions", "POST")) == 2 * (CHECKOUTS + WARMUP) + 1
            finally:
                world_remove(world)
    _broker_purge()

    p50 = {name: _pct(values, 0.5) for name, values in timings.items()}
    p95 = {name: _pct(values, 0.95) for name, values in timings.items()}
    mean = {name: statistics.mean(values) for name, values in timings.items()}

    def row(label, name):
        return [label, len(timings[name]), _ms(p50[name]), _ms(p95[name]), _ms(mean[name]), queries.get(name, "–")]

    def difference(label, a, b):
        return [label, "", _ms(p50[a] - p50[b]), _ms(p95[a] - p95[b]), _ms(mean[a] - mean[b]), queries[a] - queries[b]]

    step = p50["online"] - p50["pending"]
    print_table(
        f"Checkout of a two-shop cart (one unit from each shop), {CHECKOUTS} of each, Stripe = the in-process fake",
        ["checkout", "n", "p50 ms", "p95 ms", "mean ms", "SQL"],
        [
            row("(a) pay at pickup: order_place", "pickup"),
            row("(b) pay online: order_place(online_shop_ids) + cart_payment_open", "online"),
            row("    orders awaiting payment, without the payment step", "pending"),
            row("    the Stripe call alone (POST /v1/checkout/sessions)", "stripe"),
            difference("(b) − (a): what paying online adds to the checkout", "online", "pickup"),
            difference("the payment step (cart_payment_open)", "online", "pending"),
            ["    of which Vitrine's own (step − Stripe call)", "", _ms(step - p50["stripe"]), "", "", ""],
        ],
        notes=[
            machine_load(),
            _fake_note(),
            f"(b) / (a): {p50['online'] / p50['pickup']:.2f}x at p50, {p95['online'] / p95['pickup']:.2f}x at p95",
            "the Stripe call alone: the request cart_payment_open sends, through Vitrine's client (keep-alive), timed"
            " on its own after each round",
            "paying online the orders wait in pending_payment: their 'placed' effects (emails, events) come at"
            " authorisation, from the webhook or the return page (see the worker's table)",
        ],
    )


# --- 2. Webhooks --------------------------------------------------------------------------------------


def _carts_paid(fake: StripeFake, world, count: int) -> list[dict]:
    """`count` two-shop carts checked out online and paid on the fake; the events Vitrine acts on, in order."""
    objects = set()
    for _ in range(count):
        orders, _seconds = _checkout_online(world)
        cart_payment = CartPayment.objects.get(checkout_key=orders[0].idempotency_key)
        attempt = fake.checkout_pay(cart_payment.checkout_session_id)
        assert attempt.outcome == "succeeded", attempt
        objects |= {cart_payment.checkout_session_id, fake.get(cart_payment.checkout_session_id)["payment_intent"]}
    events = [e for e in fake.events if e["type"] in EVENT_TYPES and e["data"]["object"]["id"] in objects]
    world.event_ids += [event["id"] for event in events]
    assert len(events) == 2 * count
    return events


def _signed(event: dict, secret: str) -> tuple[bytes, str]:
    payload = json.dumps(event)
    return payload.encode(), WebhookSignature.generate_signature_header(payload, secret)


@contextmanager
def _profiled(label: str) -> Iterator[None]:
    """BENCH_PAY_PROFILE=1: where the in-process handling of each sampled event goes (cProfile, top 25)."""
    if os.environ.get("BENCH_PAY_PROFILE") != "1":
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        print(f"\n-- profile: {label}")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


def _all_handled(event_ids: list[str]) -> bool:
    return not StripeEvent.objects.filter(event_id__in=event_ids, status=StripeEvent.Status.RECEIVED).exists()


def _handled_rows(event_ids: list[str]) -> list[StripeEvent]:
    rows = list(StripeEvent.objects.filter(event_id__in=event_ids).order_by("handled_at"))
    assert len(rows) == len(event_ids)
    assert {row.status for row in rows} == {StripeEvent.Status.HANDLED}, [(r.type, r.status, r.error) for r in rows]
    return rows


# --- The worker's log: every task it ran, when, and for how long (Celery's own runtime) ---------------

TASK_LINE = re.compile(
    r"^\[(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): \w+/MainProcess\] Task (?P<name>[\w.]+)\[(?P<id>[\w-]+)\] "
    r"(?P<what>received|succeeded in (?P<runtime>[\d.e-]+)s|raised|retry)",
    re.MULTILINE,
)


@dataclass
class TaskRun:
    name: str
    received: datetime
    done: datetime | None = None
    runtime: float | None = None  # seconds, for a task that succeeded


def _worker_tasks(log_path: Path) -> dict[str, TaskRun]:
    runs: dict[str, TaskRun] = {}
    for match in TASK_LINE.finditer(log_path.read_text()):
        at = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f")
        name = match["name"].rsplit(".", 1)[-1]
        if match["what"] == "received":
            runs[match["id"]] = TaskRun(name, at)
        elif match["id"] in runs:
            runs[match["id"]].done = at
            runs[match["id"]].runtime = float(match["runtime"]) if match["runtime"] else None
    return runs


def _worker_idle(log_path: Path) -> bool:
    """Every task the worker received is finished, and nothing new came for a second."""
    before = _worker_tasks(log_path)
    if any(run.done is None for run in before.values()):
        return False
    time.sleep(1)
    return _worker_tasks(log_path).keys() == before.keys()


def test_webhook_events_handled_per_second_by_one_worker(committed, settings, tmp_path):
    nancy = committed["nancy"]
    _broker_purge()
    worker_log = TEST_VAR / "bench-payments-worker.log"
    with _fake_started() as fake:
        _online_on(settings, fake)
        secret = fake.settings()["STRIPE_WEBHOOK_SECRET_PLATFORM"]
        env = subprocess_env(**fake.settings(), VITRINE_MAIL_DIR=str(tmp_path / "mail"))
        with tenant_context(nancy):
            world = world_make(fake, stock=3 * CARTS + 50)
        web = worker = None
        try:
            with tenant_context(nancy):
                backlog = _carts_paid(fake, world, CARTS)
                live = _carts_paid(fake, world, CARTS)
                sample = _carts_paid(fake, world, SAMPLE)
                sample_sessions = {e["data"]["object"]["id"] for e in sample if e["type"] == EVENT_TYPES[1]}
            _broker_purge()  # the checkouts' own tasks: none is a webhook's

            # (a) A backlog received in-process while no worker runs (receiving alone), then drained.
            connection.set_schema_to_public()
            receive_in_process = []
            for event in backlog:
                payload, header = _signed(event, secret)
                started = time.perf_counter()
                webhooks.webhook_receive(payload=payload, signature=header, endpoint=StripeEvent.Endpoint.PLATFORM)
                receive_in_process.append(time.perf_counter() - started)
            backlog_ids = [event["id"] for event in backlog]
            worker = worker_start(env, log_path=worker_log)
            wait_for(lambda: _all_handled(backlog_ids), timeout=900, message="the worker to handle the backlog")
            drained = _handled_rows(backlog_ids)
            wait_for(lambda: _worker_idle(worker_log), timeout=900, message="the worker to finish the backlog's tasks")
            backlog_tasks = _worker_tasks(worker_log)

            # (b) Over HTTP while the worker runs: from the first receipt to the last row handled.
            port = free_port()
            web = web_start(env, port=port, log_path=TEST_VAR / "bench-payments-web.log", production=True)
            session = requests.Session()
            session.headers["Host"] = f"console.localhost:{port}"
            url = f"http://127.0.0.1:{port}/stripe/webhooks/plateforme/"
            status = session.post(url, data=b"{}", headers={"Stripe-Signature": "t=1,v1=00"}).status_code
            assert status == 400  # the endpoint is there and refuses what is not signed (also warms the server)
            receive_http = []
            live_started = time.time()
            for event in live:
                payload, header = _signed(event, secret)
                started = time.perf_counter()
                response = session.post(
                    url, data=payload, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
                )
                receive_http.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text[:500]
            live_ids = [event["id"] for event in live]
            wait_for(lambda: _all_handled(live_ids), timeout=900, message="the worker to handle the live events")
            handled_live = _handled_rows(live_ids)
            wait_for(lambda: _worker_idle(worker_log), timeout=900, message="the worker to finish the live tasks")
            all_tasks = _worker_tasks(worker_log)
            process_stop(worker)
            worker = None

            # (c) A few events handled in-process, their SQL captured; the lookups' plans.
            queries_by_type: dict[str, list] = {kind: [] for kind in EVENT_TYPES}
            for event in sample:
                payload, header = _signed(event, secret)
                connection.set_schema_to_public()
                row = webhooks.webhook_receive(
                    payload=payload, signature=header, endpoint=StripeEvent.Endpoint.PLATFORM
                )
                with tenant_context(nancy), CaptureQueriesContext(connection) as captured, _profiled(event["type"]):
                    started = time.perf_counter()
                    assert webhooks.stripe_event_handle(event_pk=row.pk) == StripeEvent.Status.HANDLED
                    seconds = time.perf_counter() - started
                queries_by_type[event["type"]].append((seconds, list(captured.captured_queries)))
            # The settlement task each authorisation queues, its body alone: the carts are authorised, nothing is due.
            queries_by_type["cart_payment_settle (task body)"] = []
            with tenant_context(nancy):
                for cart_payment in CartPayment.objects.filter(checkout_session_id__in=sample_sessions):
                    with CaptureQueriesContext(connection) as captured, _profiled("settle"):
                        started = time.perf_counter()
                        settlement.cart_payment_settle(cart_payment=cart_payment)
                        seconds = time.perf_counter() - started
                    queries_by_type["cart_payment_settle (task body)"].append(
                        (seconds, list(captured.captured_queries))
                    )
            _broker_purge()
            stripe_gets = len(fake.requests_to("/v1/payment_intents/*", "GET")) / (2 * CARTS + SAMPLE)
            with tenant_context(nancy):
                plans = {
                    "CartPayment by checkout_session_id": CartPayment.objects.filter(
                        checkout_session_id=sample[-1]["data"]["object"]["id"]
                    ).explain(),
                    "CartPayment by checkout_key": CartPayment.objects.filter(checkout_key=uuid.uuid4()).explain(),
                }
                orders = Order.objects.filter(shop__in=world.shops)
                assert orders.filter(status=Status.PLACED).count() == 2 * (2 * CARTS + SAMPLE)
                for order in orders.filter(paid_online=True)[:50]:
                    assert order.events.filter(to_status=Status.PLACED).count() == 1
        finally:
            if worker is not None:
                process_stop(worker)
            if web is not None:
                process_stop(web)
            with tenant_context(nancy):
                world_remove(world)
            connection.set_schema_to_public()

    live_tasks = {key: run for key, run in all_tasks.items() if key not in backlog_tasks}
    _report_webhooks(receive_in_process, receive_http, drained, backlog_tasks, handled_live, live_started, stripe_gets)
    _report_worker(backlog_tasks, live_tasks, carts=CARTS)
    _report_sql(queries_by_type, plans)


def _report_webhooks(receive_in_process, receive_http, drained, backlog_tasks, handled_live, live_started, gets):
    count = len(drained)
    span = (drained[-1].handled_at - drained[0].handled_at).total_seconds()
    by_type: dict[str, list[float]] = {kind: [] for kind in EVENT_TYPES}
    for previous, row in zip(drained, drained[1:], strict=False):
        by_type[row.type].append((row.handled_at - previous.handled_at).total_seconds())
    # The backlog with what it makes the worker do (the orders' emails, the settlement step): first task → last.
    first = min(run.received for run in backlog_tasks.values())
    last = max(run.done for run in backlog_tasks.values())
    everything = (last - first).total_seconds()
    live_span = max(row.handled_at for row in handled_live).timestamp() - live_started
    lag = [(row.handled_at - row.received_at).total_seconds() for row in handled_live]

    def receiving(label, values):
        return [label, len(values), f"{len(values) / sum(values):.0f}", _ms(_pct(values, 0.5)), _ms(_pct(values, 0.95))]

    print_table(
        f"Stripe webhook events: receiving, and handling by one Celery worker (solo pool), {count} events per batch",
        ["measure", "events", "events/s", "p50 ms", "p95 ms"],
        [
            receiving("receive in-process (webhook_receive: signature, insert, task queued)", receive_in_process),
            receiving("receive over HTTP (POST /stripe/webhooks/plateforme/, gunicorn, one client)", receive_http),
            ["handle a backlog, events alone (first → last row handled)", count, f"{(count - 1) / span:.1f}", "", ""],
            *[
                [
                    f"  {kind}",
                    len(values),
                    f"{1 / statistics.mean(values):.1f}",
                    _ms(_pct(values, 0.5)),
                    _ms(_pct(values, 0.95)),
                ]
                for kind, values in by_type.items()
            ],
            [
                "handle a backlog with the tasks it causes (emails, settlement)",
                count,
                f"{count / everything:.1f}",
                "",
                "",
            ],
            [
                "live: over HTTP with the worker running, first receipt → last handled",
                len(handled_live),
                f"{len(handled_live) / live_span:.1f}",
                _ms(_pct(lag, 0.5)),
                _ms(_pct(lag, 0.95)),
            ],
        ],
        notes=[
            machine_load(),
            _fake_note(),
            "per event type: time from the previous row's handled_at to this one's (the solo worker takes one task at"
            " a time; the broker's delivery included)",
            "the events' follow-up tasks (emails) queue behind the backlog: 'with the tasks it causes' counts them",
            "live: p50/p95 are each event's wait from received_at to handled_at while the events keep coming",
            f"the handling asked Stripe for the PaymentIntent {gets:.1f} times per cart (GET /v1/payment_intents/…)",
        ],
    )


def _report_worker(backlog_tasks, live_tasks, *, carts: int):
    rows = []
    for label, runs in (("backlog", backlog_tasks), ("live", live_tasks)):
        by_name: dict[str, list[float]] = {}
        for run in runs.values():
            by_name.setdefault(run.name, []).append(run.runtime or 0.0)
        for name, runtimes in sorted(by_name.items(), key=lambda item: -sum(item[1])):
            rows.append(
                [
                    label,
                    name,
                    len(runtimes),
                    f"{len(runtimes) / carts:.2f}",
                    _ms(_pct(runtimes, 0.5)),
                    _ms(_pct(runtimes, 0.95)),
                    f"{sum(runtimes):.2f}",
                ]
            )
        busy = sum(run.runtime or 0.0 for run in runs.values())
        rows.append([label, "every task", len(runs), f"{len(runs) / carts:.2f}", "", "", f"{busy:.2f}"])
    print_table(
        f"The worker's tasks ({carts} carts per batch, 2 events each): Celery's own runtime per task",
        ["batch", "task", "tasks", "per cart", "p50 ms", "p95 ms", "total s"],
        rows,
        notes=["from the worker's log ('Task ... succeeded in ...s'); the gaps between tasks are the broker's"],
    )


def _report_sql(queries_by_type, plans):
    rows = []
    for kind, runs in queries_by_type.items():
        counts = [len(run) for _seconds, run in runs]
        totals = [sum(float(query["time"]) for query in run) for _seconds, run in runs]
        statements = [
            query for _seconds, run in runs for query in run if not query["sql"].startswith(("COMMIT", "SAVEPOINT"))
        ]
        slowest = max(statements, key=lambda query: float(query["time"]))
        rows.append(
            [
                kind,
                len(runs),
                _ms(statistics.median(seconds for seconds, _run in runs)),
                f"{statistics.median(counts):.0f}",
                _ms(statistics.median(totals)),
                f"{float(slowest['time']) * 1000:.1f}",
                " ".join(slowest["sql"].split())[:100],
            ]
        )
    print_table(
        f"Handling in-process ({SAMPLE} carts): time and SQL per event, and the settlement step each one queues",
        ["event", "n", "p50 ms", "queries", "SQL ms", "slowest ms", "slowest statement (COMMIT aside)"],
        rows,
        notes=[
            "p50 ms: stripe_event_handle called in-process (its Stripe GET included, the Celery task around it not);"
            " SQL ms as Django records it (to the millisecond)",
            *[
                f"{name}: " + " ".join(line.strip(" ->") for line in plan.splitlines() if "Scan" in line)
                for name, plan in plans.items()
            ],
        ],
    )
