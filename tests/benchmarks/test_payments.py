"""Online payment: the server time it adds to checkout, and Stripe webhook events handled per second.

Everything real but Stripe, which is the local fake (vitrine.testing.stripe_fake) in this
process, answering at once. Committed rows in the session's Nancy, removed at the end.

1. Checkout: the same two-shop cart (one unit from each of two shops) checked out paying at
   pickup (`order_place`) and paying online (`order_place(online_shop_ids=...)` then
   `cart_payment_open` in one transaction, as payments.views_checkout.OnlineCheckout does,
   which calls POST /v1/checkout/sessions), alternated so that both see the same machine.
   Then the Stripe call alone (the same request, through the same client): what of the
   difference is the network and the fake, and what is Vitrine's.
2. Webhooks: carts paid on the fake (`fake.checkout_pay`); their
   `payment_intent.amount_capturable_updated` and `checkout.session.completed` events,
   signed, go through the receiver (`webhook_receive`: signature, insert, task queued), then
   ONE Celery worker (solo pool, as in production's smallest setup) handles them. First a
   backlog received in-process while the worker is stopped, then drained (handling alone);
   then a second batch posted over HTTP to /stripe/webhooks/plateforme/ (gunicorn, DEBUG off)
   while the worker runs (from the first receipt to the last row handled). Finally a few
   events handled in-process with their SQL captured: queries per event type, the slowest.

Prints tables; asserts only correctness (every event handled, every order placed once).
Knobs: BENCH_PAY_CHECKOUTS=200 (checkouts each way), BENCH_PAY_CARTS=250 (carts per webhook
batch, two events each).
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid

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
from vitrine.payments import stripe_api, webhooks
from vitrine.payments.checkout import cart_payment_open
from vitrine.payments.inbox.models import StripeEvent
from vitrine.payments.models import CartPayment
from vitrine.testing.helpers import TEST_VAR, free_port, process_stop, subprocess_env, wait_for
from vitrine.testing.processes import web_start, worker_start
from vitrine.testing.stripe_fake import StripeFake

CHECKOUTS = int(os.environ.get("BENCH_PAY_CHECKOUTS", "200"))
CARTS = int(os.environ.get("BENCH_PAY_CARTS", "250"))
WARMUP = 10
EVENT_TYPES = ("payment_intent.amount_capturable_updated", "checkout.session.completed")
Status = Order.Status


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _online_on(settings, fake: StripeFake) -> None:
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    settings.PAYMENTS_ONLINE = True


def _broker_purge() -> None:
    """Tasks that no worker took (the checkouts' emails): not the worker's to handle in the webhook measure."""
    with celery_app.connection_for_write() as conn:
        celery_app.control.purge(connection=conn)


# --- 1. Checkout ------------------------------------------------------------------------------------


def _checkout_pickup(world) -> list[Order]:
    return order_place(cart=world.cart(), guest=GUEST, slots=world.slots(), idempotency_key=uuid.uuid4())


def _checkout_online(world) -> list[Order]:
    cart = world.cart()
    slots = world.slots()
    started = time.perf_counter()
    with transaction.atomic():  # the orders and their payment page, or nothing (OnlineCheckout.place)
        orders = order_place(
            cart=cart,
            guest=GUEST,
            slots=slots,
            idempotency_key=uuid.uuid4(),
            online_shop_ids={shop.pk for shop in world.shops},
        )
        cart_payment_open(orders=orders, success_url=SUCCESS_URL, cancel_url=CANCEL_URL)
    return orders, time.perf_counter() - started


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
    with StripeFake() as fake:
        _online_on(settings, fake)
        with tenant_context(nancy):
            world = world_make(fake, stock=4 * (CHECKOUTS + WARMUP) + 10)
            try:
                pickup, online, stripe_alone = [], [], []
                for round_ in range(CHECKOUTS + WARMUP):
                    # Carts and slots are read outside the timings; each checkout commits.
                    cart, slots, key = world.cart(), world.slots(), uuid.uuid4()
                    started = time.perf_counter()
                    orders = order_place(cart=cart, guest=GUEST, slots=slots, idempotency_key=key)
                    pickup_seconds = time.perf_counter() - started
                    assert {order.status for order in orders} == {Status.PLACED}
                    orders, online_seconds = _checkout_online(world)
                    assert {order.status for order in orders} == {Status.PENDING_PAYMENT}
                    stripe_seconds = _stripe_call_alone()
                    if round_ >= WARMUP:
                        pickup.append(pickup_seconds)
                        online.append(online_seconds)
                        stripe_alone.append(stripe_seconds)
                with CaptureQueriesContext(connection) as pickup_queries:
                    _checkout_pickup(world)
                with CaptureQueriesContext(connection) as online_queries:
                    _checkout_online(world)
                assert CartPayment.objects.filter(order_payments__shop__in=world.shops).distinct().count() == (
                    CHECKOUTS + WARMUP + 1
                )
                assert len(fake.requests_to("/v1/checkout/sessions", "POST")) == 2 * (CHECKOUTS + WARMUP) + 1
            finally:
                world_remove(world)
    _broker_purge()

    def row(label, values, queries="–"):
        return [
            label,
            len(values),
            _ms(_pct(values, 0.5)),
            _ms(_pct(values, 0.95)),
            _ms(statistics.mean(values)),
            queries,
        ]

    p50 = {
        name: _pct(values, 0.5) for name, values in (("pickup", pickup), ("online", online), ("stripe", stripe_alone))
    }
    p95 = {
        name: _pct(values, 0.95) for name, values in (("pickup", pickup), ("online", online), ("stripe", stripe_alone))
    }
    added50, added95 = p50["online"] - p50["pickup"], p95["online"] - p95["pickup"]
    print_table(
        f"Checkout of a two-shop cart, paying at pickup vs online (Stripe: the in-process fake), {CHECKOUTS} each",
        ["checkout", "n", "p50 ms", "p95 ms", "mean ms", "SQL queries"],
        [
            row("pay at pickup (order_place)", pickup, len(pickup_queries)),
            row("pay online (order_place + cart_payment_open)", online, len(online_queries)),
            row("  of which could be: the Stripe call alone", stripe_alone),
            [
                "online − pickup",
                "",
                _ms(added50),
                _ms(added95),
                _ms(statistics.mean(online) - statistics.mean(pickup)),
                len(online_queries) - len(pickup_queries),
            ],
            ["  Vitrine's own (online − pickup − Stripe call)", "", _ms(added50 - p50["stripe"]), "", "", ""],
        ],
        notes=[
            machine_load(),
            f"online / pickup: {p50['online'] / p50['pickup']:.2f}x at p50, {p95['online'] / p95['pickup']:.2f}x at p95",
            "the Stripe call alone: the same POST /v1/checkout/sessions through Vitrine's client (stripe-python,"
            " keep-alive), timed on its own right after each online checkout",
            "paying online the orders wait in pending_payment: their 'placed' emails are sent later, at authorisation",
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


def _all_handled(event_ids: list[str]) -> bool:
    return not StripeEvent.objects.filter(event_id__in=event_ids, status=StripeEvent.Status.RECEIVED).exists()


def _handled_rows(event_ids: list[str]) -> list[StripeEvent]:
    rows = list(StripeEvent.objects.filter(event_id__in=event_ids).order_by("handled_at"))
    assert len(rows) == len(event_ids)
    assert {row.status for row in rows} == {StripeEvent.Status.HANDLED}, [(r.type, r.status, r.error) for r in rows]
    return rows


def test_webhook_events_handled_per_second_by_one_worker(committed, settings, tmp_path):
    nancy = committed["nancy"]
    _broker_purge()
    with StripeFake() as fake:
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
                sample = _carts_paid(fake, world, 10)
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
            worker = worker_start(env, log_path=TEST_VAR / "bench-payments-worker.log")
            wait_for(lambda: _all_handled(backlog_ids), timeout=900, message="the worker to handle the backlog")
            drained = _handled_rows(backlog_ids)

            # (b) Over HTTP while the worker runs: from the first receipt to the last row handled.
            port = free_port()
            web = web_start(env, port=port, log_path=TEST_VAR / "bench-payments-web.log", production=True)
            session = requests.Session()
            session.headers["Host"] = f"console.localhost:{port}"
            url = f"http://127.0.0.1:{port}/stripe/webhooks/plateforme/"
            status, body = session.post(url, data=b"{}", headers={"Stripe-Signature": "t=1,v1=00"}).status_code, ""
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
            receive_http_done = time.time()
            live_ids = [event["id"] for event in live]
            wait_for(lambda: _all_handled(live_ids), timeout=900, message="the worker to handle the live events")
            handled_live = _handled_rows(live_ids)
            process_stop(worker)
            worker = None

            # (c) A few events handled in-process, their SQL captured.
            queries_by_type: dict[str, list] = {kind: [] for kind in EVENT_TYPES}
            for event in sample:
                payload, header = _signed(event, secret)
                connection.set_schema_to_public()
                row = webhooks.webhook_receive(
                    payload=payload, signature=header, endpoint=StripeEvent.Endpoint.PLATFORM
                )
                with tenant_context(nancy), CaptureQueriesContext(connection) as captured:
                    assert webhooks.stripe_event_handle(event_pk=row.pk) == StripeEvent.Status.HANDLED
                queries_by_type[event["type"]].append(list(captured.captured_queries))
            _broker_purge()
            with tenant_context(nancy):
                orders = Order.objects.filter(shop__in=world.shops)
                assert orders.filter(status=Status.PLACED).count() == 2 * (2 * CARTS + 10)
                assert not orders.exclude(status=Status.PLACED).filter(paid_online=True, payment__isnull=False).exists()
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

    _report(receive_in_process, receive_http, drained, handled_live, live_started, receive_http_done, queries_by_type)


def _report(receive_in_process, receive_http, drained, handled_live, live_started, receive_http_done, queries_by_type):
    count = len(drained)
    span = (drained[-1].handled_at - drained[0].handled_at).total_seconds()
    drain_rate = (count - 1) / span
    by_type: dict[str, list[float]] = {kind: [] for kind in EVENT_TYPES}
    for previous, row in zip(drained, drained[1:], strict=False):
        by_type[row.type].append((row.handled_at - previous.handled_at).total_seconds())
    live_span = max(row.handled_at for row in handled_live).timestamp() - live_started
    lag = [(row.handled_at - row.received_at).total_seconds() for row in handled_live]
    receive_rate = len(receive_http) / (receive_http_done - live_started)
    print_table(
        f"Stripe webhook events, one Celery worker (solo pool), {count} events per batch",
        ["measure", "events", "events/s", "p50 ms", "p95 ms"],
        [
            [
                "receive in-process (signature, insert, task queued)",
                len(receive_in_process),
                f"{len(receive_in_process) / sum(receive_in_process):.0f}",
                _ms(_pct(receive_in_process, 0.5)),
                _ms(_pct(receive_in_process, 0.95)),
            ],
            [
                "receive over HTTP (gunicorn, one client)",
                len(receive_http),
                f"{receive_rate:.0f}",
                _ms(_pct(receive_http, 0.5)),
                _ms(_pct(receive_http, 0.95)),
            ],
            ["handle a backlog (worker alone)", count, f"{drain_rate:.1f}", _ms(span / (count - 1)), "–"],
            *[
                [
                    f"  {kind}",
                    len(values) + (drained[0].type == kind),
                    f"{1 / statistics.mean(values):.1f}",
                    _ms(_pct(values, 0.5)),
                    _ms(_pct(values, 0.95)),
                ]
                for kind, values in by_type.items()
            ],
            [
                "over HTTP with the worker running, first receipt → last handled",
                len(handled_live),
                f"{len(handled_live) / live_span:.1f}",
                _ms(_pct(lag, 0.5)),
                _ms(_pct(lag, 0.95)),
            ],
        ],
        notes=[
            machine_load(),
            "handling per type: time between one row's handled_at and the previous one's (the solo worker takes one"
            " task at a time, so it includes the broker's delivery)",
            "last row: p50/p95 are each event's wait from received_at to handled_at",
            "each cart: amount_capturable_updated (fetches the PaymentIntent, places both orders: their 'placed' emails"
            " and events), then checkout.session.completed (fetches it again, finds the cart authorised)",
        ],
    )
    rows = []
    for kind, runs in queries_by_type.items():
        counts = [len(run) for run in runs]
        slowest = max((query for run in runs for query in run), key=lambda q: float(q["time"]))
        rows.append(
            [
                kind,
                len(runs),
                f"{statistics.median(counts):.0f}",
                f"{float(slowest['time']) * 1000:.1f}",
                " ".join(slowest["sql"].split())[:110],
            ]
        )
    print_table(
        "Handling one event in-process: SQL per event type (10 carts)",
        ["event", "n", "queries", "slowest ms", "slowest query"],
        rows,
    )
