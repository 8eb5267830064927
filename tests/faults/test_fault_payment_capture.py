"""A worker killed between Stripe's capture and the database write: the next worker finishes the job,
and the cart is captured once.

Real processes: Celery workers on a file-system broker of the test's own, killed with SIGKILL;
Stripe is the local fake, which applies the capture and then holds its answer so the worker
dies waiting for it.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.testing.helpers import TEST_VAR, process_stop, subprocess_env, wait_for
from vitrine.testing.processes import celery_broker_used, private_broker_env, process_kill, worker_start
from vitrine.testing.stripe_fake import StripeFake


@pytest.fixture
def fake():
    with StripeFake() as fake:
        yield fake


def test_a_worker_killed_after_the_capture_leaves_one_capture_and_the_retry_records_it(
    committed, fake, settings, tmp_path
):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent.parent / "payments"))
    from payments_helpers import checkout_online, policy_set, shop_paid_online

    from vitrine.accounts.models import User
    from vitrine.notifications.models import OutboxEmail
    from vitrine.orders.lifecycle import order_accept
    from vitrine.orders.models import Order
    from vitrine.payments.models import CartPayment, OrderPayment, PaymentSettings
    from vitrine.payments.settlement import cart_payment_authorise, payment_intent_fetch
    from vitrine.shops.models import Shop

    for name, value in fake.settings().items():
        setattr(settings, name, value)
    settings.PAYMENTS_ONLINE = True
    nancy = committed["nancy"]
    env = subprocess_env(
        **private_broker_env(tmp_path / "celery"), **fake.settings(), VITRINE_PAYMENTS_SWEEP_SECONDS="1"
    )
    shops: list[Shop] = []
    log = TEST_VAR / "fault-capture-1.log"
    worker = worker_start(env, log_path=log, beat_schedule=tmp_path / "beat-1")
    try:
        with celery_broker_used(env), tenant_context(nancy):
            # given a two-shop cart paid online (authorised)
            policy_set()
            (first, ring), (second, vase) = (
                shop_paid_online(fake, name="Horlogerie Crash", price="40.00"),
                shop_paid_online(fake, name="Papeterie Crash", price="25.50"),
            )
            shops = [first, second]
            orders, cart_payment = checkout_online([ring, vase])
            fake.checkout_pay(cart_payment.checkout_session_id)
            cart_payment_authorise(
                cart_payment=cart_payment,
                payment_intent=payment_intent_fetch(
                    fake.events_of("checkout.session.completed")[0]["data"]["object"]["payment_intent"]
                ),
            )
            cart_payment.refresh_from_db()
            # when both shops accept, Stripe captures, and the worker dies before it hears back
            fake.crash_after_applying_next("/v1/payment_intents/*/capture", seconds=60)
            for order in Order.objects.filter(pk__in=[o.pk for o in orders]).select_related("shop"):
                order_accept(order=order, actor=order.shop.members.get(role="owner").user)
            wait_for(
                lambda: fake.get(cart_payment.payment_intent_id)["status"] == "succeeded",
                timeout=60,
                interval=0.05,
                message=f"the capture at Stripe ({log})",
            )
            process_kill(worker)
            assert CartPayment.objects.get(pk=cart_payment.pk).status == "authorised"  # the write was lost

            # then the next worker finishes the job: captured once, recorded
            log = TEST_VAR / "fault-capture-2.log"
            worker = worker_start(env, log_path=log, beat_schedule=tmp_path / "beat-2")
            wait_for(
                lambda: CartPayment.objects.get(pk=cart_payment.pk).status == "captured",
                timeout=60,
                message=f"the capture to be recorded ({log})",
            )
            recorded = CartPayment.objects.get(pk=cart_payment.pk)
            assert recorded.captured_cents == 6550
            assert fake.get(cart_payment.payment_intent_id)["amount_received"] == 6550
            applied = [
                r for r in fake.requests_to("/v1/payment_intents/*/capture") if r.status is None or r.status < 400
            ]
            assert len({r.idempotency_key for r in applied}) == 1
            assert set(OrderPayment.objects.filter(cart_payment=recorded).values_list("status", flat=True)) == {
                "captured"
            }
    finally:
        process_stop(worker)
        with tenant_context(nancy):
            parts = OrderPayment.objects.filter(shop__in=shops)
            carts = list(parts.values_list("cart_payment_id", flat=True))
            parts.delete()
            CartPayment.objects.filter(pk__in=carts).delete()
            Order.objects.filter(shop__in=shops).delete()
            OutboxEmail.objects.filter(to__contains=["claire@example.fr"]).delete()
            for shop in shops:
                OutboxEmail.objects.filter(to__contains=[shop.email]).delete()
            PaymentSettings.objects.filter(pk=1).delete()
            for shop in shops:
                owners = list(shop.members.values_list("user_id", flat=True))
                shop.delete()
                User.objects.filter(pk__in=owners).delete()
        connection.set_schema_to_public()
