"""Online payment of a two-shop cart, against the local fake of Stripe: authorise, capture, pay, refund."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from payments_helpers import cart_payment_reload, checkout_online, deliver, policy_set, shop_paid_online

from vitrine.orders.lifecycle import order_accept, order_expire, order_mark_collected, order_mark_ready, order_refuse
from vitrine.orders.models import Order
from vitrine.payments.models import CartPayment, OrderPayment
from vitrine.payments.settlement import cart_payment_settle, carts_due

pytestmark = pytest.mark.django_db

Status = Order.Status


@pytest.fixture
def cart(nancy, payments_on):
    """A two-shop cart checked out online in Nancy: the orders await payment, the payment page is open."""
    with tenant_context(nancy):
        policy_set(commission_basis_points=500, commission_fixed_cents=30)  # 5 % + 0,30 €
        bijoux, ring = shop_paid_online(payments_on, name="Bijouterie Stanislas", price="40.00")
        deco, vase = shop_paid_online(payments_on, name="Déco Saint-Epvre", price="25.50")
        orders, cart_payment = checkout_online([ring, vase])
        owners = {shop.pk: shop.owner_user for shop in (bijoux, deco)}
        yield {"orders": orders, "payment": cart_payment, "fake": payments_on, "owners": owners, "ring": ring}


def _owner(cart, order):
    return cart["owners"][order.shop_id]


def _pay(cart, **kwargs):
    fake = cart["fake"]
    attempt = fake.checkout_pay(cart["payment"].checkout_session_id, **kwargs)
    deliver(fake)
    return attempt


def test_checkout_opens_one_payment_for_the_online_part_with_manual_capture(cart):
    fake, payment, orders = cart["fake"], cart["payment"], cart["orders"]
    assert {order.status for order in orders} == {Status.PENDING_PAYMENT}
    assert payment.amount_cents == 4000 + 2550
    [request] = fake.requests_to("/v1/checkout/sessions", "POST")
    params = request.params
    assert params["mode"] == "payment"
    assert params["payment_intent_data"]["capture_method"] == "manual"
    assert params["payment_intent_data"]["transfer_group"] == payment.transfer_group
    assert params["metadata"]["territory"] == "nancy"
    assert params["metadata"]["orders"] == ",".join(str(order.pk) for order in orders)
    assert sorted(int(item["price_data"]["unit_amount"]) for item in params["line_items"]) == [2550, 4000]
    assert request.idempotency_key.startswith(f"checkout:nancy:{payment.checkout_key}:")
    # The commission is fixed at checkout: 5 % + 0,30 €, rounded half up, in cents.
    parts = {part.amount_cents: part.commission_cents for part in OrderPayment.objects.all()}
    assert parts == {4000: 230, 2550: 158}


def test_authorised_payment_places_the_orders_once_from_webhook_or_return(cart):
    _pay(cart)
    payment = cart_payment_reload(cart["payment"])
    assert payment.status == CartPayment.Status.AUTHORISED
    assert payment.payment_intent_id and payment.charge_id
    assert {order.status for order in Order.objects.all()} == {Status.PLACED}
    # The same events again (Stripe retries, duplicates): one "placed" per order, no more.
    deliver(cart["fake"])
    for order in Order.objects.all():
        assert list(order.events.values_list("to_status", flat=True)) == [Status.PENDING_PAYMENT, Status.PLACED]


def test_both_accept_one_collects_one_is_not_collected(cart):
    fake = cart["fake"]
    _pay(cart)
    first, second = Order.objects.order_by("id")
    for order in (first, second):
        order_accept(order=order, actor=_owner(cart, order))
    payment = cart["payment"]
    cart_payment_settle(cart_payment=payment)
    payment = cart_payment_reload(payment)
    assert payment.status == CartPayment.Status.CAPTURED and payment.captured_cents == 6550
    [capture] = fake.requests_to("/v1/payment_intents/*/capture")
    assert capture.params["amount_to_capture"] == "6550"
    assert capture.idempotency_key == f"capture:{payment.transfer_group}:6550"

    order_mark_ready(order=first, actor=_owner(cart, first))
    order_mark_collected(order=first, actor=_owner(cart, first))
    order_mark_ready(order=second, actor=_owner(cart, second))
    order_expire(order=second)
    cart_payment_settle(cart_payment=payment)

    paid = OrderPayment.objects.get(order=first)
    assert paid.status == OrderPayment.Status.TRANSFERRED and paid.transferred_cents == 4000 - 230
    [transfer] = fake.requests_to("/v1/transfers", "POST")
    assert transfer.params["destination"] == first.shop.payment.stripe_account_id
    assert transfer.params["source_transaction"] == payment.charge_id
    assert transfer.params["transfer_group"] == payment.transfer_group
    assert transfer.idempotency_key == f"transfer:nancy:{paid.pk}"
    refunded = OrderPayment.objects.get(order=second)
    assert refunded.status == OrderPayment.Status.REFUNDED and refunded.refunded_cents == 2550
    [refund] = fake.requests_to("/v1/refunds", "POST")
    assert refund.params["amount"] == "2550" and refund.params["payment_intent"] == payment.payment_intent_id
    charge = fake.get(payment.charge_id)
    assert charge["amount_captured"] == 6550 and charge["amount_refunded"] == 2550
    # Settling again does nothing more: no second transfer, no second refund.
    cart_payment_settle(cart_payment=payment)
    assert len(fake.requests_to("/v1/transfers", "POST")) == 1 and len(fake.requests_to("/v1/refunds", "POST")) == 1


def test_a_refused_order_is_never_captured(cart):
    fake = cart["fake"]
    _pay(cart)
    first, second = Order.objects.order_by("id")
    order_accept(order=first, actor=_owner(cart, first))
    cart_payment_settle(cart_payment=cart["payment"])
    assert not fake.requests_to("/v1/payment_intents/*/capture"), "captured before every shop answered"
    order_refuse(order=second, actor=_owner(cart, second), reason="Plus en stock")
    cart_payment_settle(cart_payment=cart["payment"])
    payment = cart_payment_reload(cart["payment"])
    assert payment.captured_cents == 4000
    assert OrderPayment.objects.get(order=second).status == OrderPayment.Status.EXCLUDED
    assert not fake.requests_to("/v1/refunds")
    assert fake.get(payment.payment_intent_id)["amount_received"] == 4000


def test_nothing_accepted_cancels_the_authorisation(cart):
    fake = cart["fake"]
    _pay(cart)
    for order in Order.objects.all():
        order_refuse(order=order, actor=_owner(cart, order), reason="Fermé")
    cart_payment_settle(cart_payment=cart["payment"])
    payment = cart_payment_reload(cart["payment"])
    assert payment.status == CartPayment.Status.CANCELLED and payment.captured_cents == 0
    assert fake.get(payment.payment_intent_id)["status"] == "canceled"


def test_deadline_captures_what_was_accepted_and_cancels_the_rest(cart):
    _pay(cart)
    first, second = Order.objects.order_by("id")
    order_accept(order=first, actor=_owner(cart, first))
    payment = cart_payment_reload(cart["payment"])
    assert payment not in carts_due()
    later = payment.acceptance_deadline + timedelta(minutes=1)
    assert payment in carts_due(now=later)
    cart_payment_settle(cart_payment=payment, now=later)
    second.refresh_from_db()
    assert second.status == Status.CANCELLED
    assert cart_payment_reload(payment).captured_cents == 4000


def test_declined_and_failed_3ds_leave_the_orders_unpaid_and_expiry_gives_stock_back(cart):
    from vitrine.orders.lifecycle import orders_expire_due

    ring = cart["ring"]
    ring.refresh_from_db()
    stock = ring.stock
    attempt = _pay(cart, card="4000000000000002")
    assert attempt.outcome != "succeeded"
    attempt = _pay(cart, card="4000002760003184", authenticate=False)
    payment = cart_payment_reload(cart["payment"])
    assert payment.status == CartPayment.Status.OPEN and payment.last_error
    assert {order.status for order in Order.objects.all()} == {Status.PENDING_PAYMENT}
    # The territory's unpaid timer leaves them to their payment page, open until Stripe closes it.
    orders_expire_due(now=timezone.now() + timedelta(minutes=29))
    assert {order.status for order in Order.objects.all()} == {Status.PENDING_PAYMENT}
    # Stripe closes the page unpaid: the orders are cancelled, their stock is back.
    cart["fake"].clock_advance(31 * 60)
    deliver(cart["fake"])
    assert {order.status for order in Order.objects.all()} == {Status.CANCELLED}
    ring.refresh_from_db()
    assert ring.stock == stock + 1
    assert cart_payment_reload(payment).status == CartPayment.Status.EXPIRED


def test_a_lost_expiry_event_is_made_up_by_the_sweep(cart):
    fake, payment = cart["fake"], cart["payment"]
    fake.clock_advance(31 * 60)  # the page closed; its event never reached Vitrine
    assert payment not in carts_due()
    later = payment.session_expires_at + timedelta(minutes=3)
    assert payment in carts_due(now=later)
    cart_payment_settle(cart_payment=payment, now=later)
    assert cart_payment_reload(payment).status == CartPayment.Status.EXPIRED
    assert {order.status for order in Order.objects.all()} == {Status.CANCELLED}


def test_a_dispute_freezes_the_transfers_until_it_is_closed(cart):
    fake = cart["fake"]
    _pay(cart)
    first, second = Order.objects.order_by("id")
    for order in (first, second):
        order_accept(order=order, actor=_owner(cart, order))
    cart_payment_settle(cart_payment=cart["payment"])
    payment = cart_payment_reload(cart["payment"])
    dispute = fake.dispute_open(payment.charge_id)
    deliver(fake)
    assert cart_payment_reload(payment).disputed
    order_mark_ready(order=first, actor=_owner(cart, first))
    order_mark_collected(order=first, actor=_owner(cart, first))
    cart_payment_settle(cart_payment=payment)
    assert not fake.requests_to("/v1/transfers", "POST")
    fake.dispute_close(dispute["id"], won=True)
    deliver(fake)
    cart_payment_settle(cart_payment=payment)
    assert len(fake.requests_to("/v1/transfers", "POST")) == 1


def test_a_capture_lost_by_a_killed_worker_is_finished_by_the_retry_without_a_second_capture(cart):
    fake = cart["fake"]
    _pay(cart)
    for order in Order.objects.all():
        order_accept(order=order, actor=_owner(cart, order))
    fake.crash_after_applying_next("/v1/payment_intents/*/capture")
    # The client sees the connection drop; it retries with the same key and gets the stored capture.
    cart_payment_settle(cart_payment=cart["payment"])
    payment = cart_payment_reload(cart["payment"])
    assert payment.status == CartPayment.Status.CAPTURED
    captures = fake.requests_to("/v1/payment_intents/*/capture")
    assert len({request.idempotency_key for request in captures}) == 1
    assert fake.get(payment.payment_intent_id)["amount_received"] == 6550


def _accept_both(cart):
    _pay(cart)
    first, second = Order.objects.order_by("id")
    for order in (first, second):
        order_accept(order=order, actor=_owner(cart, order))
    return first, second


def test_an_order_dropped_between_a_lost_capture_and_its_retry_is_refunded(cart):
    from vitrine.orders.lifecycle import order_transition
    from vitrine.payments.stripe_api import StripeUnavailable

    fake = cart["fake"]
    first, second = _accept_both(cart)
    # Stripe captures both, but every answer is lost: the run fails, its plan stays written.
    fake.crash_after_applying_next("/v1/payment_intents/*/capture", times=3)
    with pytest.raises(StripeUnavailable):
        cart_payment_settle(cart_payment=cart["payment"])
    payment = cart_payment_reload(cart["payment"])
    assert payment.status == CartPayment.Status.AUTHORISED and payment.capture_planned_cents == 6550
    # Meanwhile the second order is cancelled: the retry finishes the capture as planned, then refunds it.
    order_transition(order=second, to=Status.CANCELLED, actor=None)
    cart_payment_settle(cart_payment=payment)
    payment = cart_payment_reload(payment)
    assert payment.status == CartPayment.Status.CAPTURED and payment.captured_cents == 6550
    assert OrderPayment.objects.get(order=second).status == OrderPayment.Status.REFUNDED
    assert [r.params["amount"] for r in fake.requests_to("/v1/refunds", "POST")] == ["2550"]
    assert fake.get(payment.charge_id)["amount_refunded"] == 2550


def test_an_authorisation_that_lapsed_before_the_capture_is_not_recorded_as_captured(cart):
    fake = cart["fake"]
    _pay(cart)
    fake.clock_advance(8 * 24 * 3600)  # past the card's hold: Stripe releases the authorisation
    first, second = Order.objects.order_by("id")
    for order in (first, second):
        order_accept(order=order, actor=_owner(cart, order))
    cart_payment_settle(cart_payment=cart["payment"])
    payment = cart_payment_reload(cart["payment"])
    assert payment.status == CartPayment.Status.CANCELLED and payment.captured_cents == 0
    assert set(OrderPayment.objects.values_list("status", flat=True)) == {OrderPayment.Status.EXCLUDED}
    # No shop hands over goods nobody paid for: the orders are cancelled (the shopper and shops told).
    assert {order.status for order in Order.objects.all()} == {Status.CANCELLED}


def test_a_transfer_whose_write_was_lost_is_found_again_after_stripe_forgot_its_key(cart):
    from vitrine.payments.stripe_api import StripeUnavailable

    fake = cart["fake"]
    first, _second = _accept_both(cart)
    cart_payment_settle(cart_payment=cart["payment"])
    order_mark_ready(order=first, actor=_owner(cart, first))
    order_mark_collected(order=first, actor=_owner(cart, first))
    fake.crash_after_applying_next("/v1/transfers", times=3)
    with pytest.raises(StripeUnavailable):
        cart_payment_settle(cart_payment=cart["payment"])
    assert OrderPayment.objects.get(order=first).status == OrderPayment.Status.CAPTURED
    fake.idempotency_forget()  # more than a day later: the key would make a second transfer
    cart_payment_settle(cart_payment=cart["payment"])
    part = OrderPayment.objects.get(order=first)
    assert part.status == OrderPayment.Status.TRANSFERRED
    assert len(fake.events_of("transfer.created")) == 1
