"""What happens to a cart's money after checkout: authorise, capture what is accepted, pay each shop, refund.

Every step here runs under a lock on the cart's payment row (one step at a time per cart),
moves state only forward, and calls Stripe with a deterministic idempotency key: a Celery
task killed between Stripe's answer and the database write is retried, sends the same key,
gets Stripe's first answer back, and writes it; nothing is ever charged or paid twice.

- authorised (webhook or return page, whichever first, once): the orders PENDING_PAYMENT → PLACED;
- every online order answered (accepted, refused, cancelled), or the acceptance deadline
  passed (the unanswered ones are cancelled): capture once the sum of the accepted orders,
  or cancel the authorisation if none was; a refused order's part is never captured;
- an order collected: transfer its amount less the commission to the shop, tied to the charge;
- an order captured then not collected, cancelled or refused: refund it (after reversing its
  transfer if one was made);
- a dispute freezes the cart's transfers not made yet.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import stripe
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.audit.services import audit_record
from vitrine.common.tasks import task_send_on_commit
from vitrine.orders.lifecycle import IllegalTransition, order_transition
from vitrine.orders.models import Order
from vitrine.payments import emails, selectors, stripe_api
from vitrine.payments.models import CartPayment, OrderPayment

logger = logging.getLogger(__name__)

Status = Order.Status
Cart = CartPayment.Status
Part = OrderPayment.Status
ACCEPTED = (Status.ACCEPTED, Status.READY, Status.COLLECTED)
DROPPED = (Status.REFUSED, Status.CANCELLED, Status.NOT_COLLECTED)
_obj, _id = stripe_api.field, stripe_api.object_id


def _locked(cart_payment: CartPayment) -> CartPayment:
    return CartPayment.objects.select_for_update().get(pk=cart_payment.pk)


def _forward(cart_payment: CartPayment, to: str) -> bool:
    """Whether moving the cart's payment to `to` is a step forward (events come late, twice, out of order)."""
    return CartPayment.RANK[CartPayment.Status(to)] > CartPayment.RANK[CartPayment.Status(cart_payment.status)]


# --- Authorisation -----------------------------------------------------------------------------


def payment_intent_fetch(payment_intent_id: str):
    """The PaymentIntent as Stripe has it now (events may be stale: when in doubt, ask)."""
    return stripe_api.call(stripe_api.client().v1.payment_intents.retrieve, payment_intent_id)


@transaction.atomic
def cart_payment_authorise(*, cart_payment: CartPayment, payment_intent: Any) -> bool:
    """The shopper's payment is authorised (the PaymentIntent requires capture): place the orders, once.

    From the webhook, the return page or the sweep, whichever comes first; the others find it
    done. Orders cancelled meanwhile are not placed again (never charged): if none is left,
    the authorisation is released by the settlement that follows. Return whether orders were placed.
    """
    cart_payment = _locked(cart_payment)
    if _obj(payment_intent, "status") != "requires_capture" or not _forward(cart_payment, Cart.AUTHORISED):
        return False
    now = timezone.now()
    policy = selectors.payment_settings()
    cart_payment.status = Cart.AUTHORISED
    cart_payment.payment_intent_id = _id(payment_intent)
    cart_payment.charge_id = _id(_obj(payment_intent, "latest_charge"))
    cart_payment.authorised_at = now
    cart_payment.acceptance_deadline = now + timedelta(hours=policy.acceptance_hours)
    cart_payment.last_error = ""
    cart_payment.save(
        update_fields=[
            "status",
            "payment_intent_id",
            "charge_id",
            "authorised_at",
            "acceptance_deadline",
            "last_error",
            "updated_at",
        ]
    )
    placed = 0
    for part in cart_payment.order_payments.select_related("order__shop__commune").order_by("id"):
        part.status = Part.EXCLUDED  # cancelled before the payment came: never charged
        if part.order.status == Status.PENDING_PAYMENT:
            try:
                order_transition(order=part.order, to=Status.PLACED, actor=None, note=_("paid online"))
                part.status = Part.AUTHORISED
                placed += 1
            except IllegalTransition:  # cancelled at this very moment by its shopper
                pass
        part.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=None,
        verb="payment.authorised",
        obj=cart_payment,
        label=cart_payment.transfer_group,
        payload={"amount_cents": cart_payment.amount_cents, "payment_intent": cart_payment.payment_intent_id},
    )
    if placed:
        emails.payment_authorised_email_send(cart_payment=cart_payment)
    else:  # nothing left to pay for (every order was cancelled first): release the hold now
        _settle_on_commit(cart_payment)
    return bool(placed)


def cart_payment_sync(*, cart_payment: CartPayment) -> None:
    """Ask Stripe where an unpaid checkout's payment stands, and follow: authorised, or its page closed.

    For the return from Stripe's page (before any webhook), the sweep (a webhook lost), and a
    payment page closed while the shopper was paying.
    """
    if cart_payment.status != Cart.OPEN or not cart_payment.checkout_session_id:
        return
    session = stripe_api.call(stripe_api.client().v1.checkout.sessions.retrieve, cart_payment.checkout_session_id)
    payment_intent_id = _id(_obj(session, "payment_intent"))
    if payment_intent_id:
        payment_intent = payment_intent_fetch(payment_intent_id)
        if _obj(payment_intent, "status") == "requires_capture":
            cart_payment_authorise(cart_payment=cart_payment, payment_intent=payment_intent)
            return
    if _obj(session, "status") == "expired":
        cart_payment_expire(cart_payment=cart_payment)


@transaction.atomic
def cart_payment_failed(*, cart_payment: CartPayment, message: str) -> None:
    """A payment attempt failed (declined, 3-D Secure failed): the orders stay unpaid, the message is kept."""
    cart_payment = _locked(cart_payment)
    if cart_payment.status == Cart.OPEN:
        cart_payment.last_error = (message or "")[:500]
        cart_payment.save(update_fields=["last_error", "updated_at"])


@transaction.atomic
def cart_payment_expire(*, cart_payment: CartPayment) -> None:
    """The payment page closed unpaid (session expired): the orders waiting for it are cancelled, stock back."""
    cart_payment = _locked(cart_payment)
    if not _forward(cart_payment, Cart.EXPIRED):
        return
    cart_payment.status = Cart.EXPIRED
    cart_payment.save(update_fields=["status", "updated_at"])
    for part in cart_payment.order_payments.select_related("order__shop__commune"):
        if part.order.status == Status.PENDING_PAYMENT:
            order_transition(order=part.order, to=Status.CANCELLED, actor=None, note=_("not paid in time"))
        if part.status == Part.PENDING:
            part.status = Part.EXCLUDED
            part.save(update_fields=["status", "updated_at"])


# --- Settling: capture, cancel, transfer, refund -----------------------------------------------


def _settle_on_commit(cart_payment: CartPayment) -> None:
    # The task module imports this one (its tasks call the settlement): imported when sent.
    from vitrine.payments.tasks import cart_payment_settle_task

    task_send_on_commit(cart_payment_settle_task, cart_payment_id=cart_payment.pk)


def cart_payment_settle(*, cart_payment: CartPayment, now: datetime | None = None) -> None:
    """Do what the cart's orders' states call for now; safe to run any number of times, at any point of failure.

    Unpaid: orders cancelled meanwhile close the payment page. Authorised: once every online
    order is answered (or the deadline passed), the capture is planned (committed: which
    orders, how much), then made, so a retry after a crash finishes the same plan whatever
    moved since. Captured: each collected order is paid to its shop, each dropped one refunded,
    one order at a time (one failing never undoes or blocks the others).
    Stripe is called under the cart's row lock only, never with stock rows locked.
    """
    now = now or timezone.now()
    with transaction.atomic():
        cart_payment = _locked(cart_payment)
        if cart_payment.status == Cart.OPEN:
            _close_if_abandoned(cart_payment)
        if (
            cart_payment.status == Cart.OPEN
            and cart_payment.session_expires_at
            and cart_payment.session_expires_at < now
        ):
            cart_payment_sync(cart_payment=cart_payment)  # the page closed without a word from Stripe
            cart_payment.refresh_from_db()
        elif cart_payment.status == Cart.AUTHORISED and cart_payment.capture_planned_cents is None:
            _capture_plan(cart_payment, now=now)
    with transaction.atomic():
        cart_payment = _locked(cart_payment)
        if cart_payment.status == Cart.AUTHORISED and cart_payment.capture_planned_cents is not None:
            _capture_planned(cart_payment)
    if cart_payment.status != Cart.CAPTURED or cart_payment.disputed:
        return  # a dispute freezes the cart's transfers and refunds until it is closed
    failed = None
    for part_id in cart_payment.order_payments.order_by("id").values_list("pk", flat=True):
        try:
            with transaction.atomic():
                part = (
                    OrderPayment.objects.select_for_update(of=("self",))
                    .select_related("order__shop__commune", "shop__payment")
                    .get(pk=part_id)
                )
                _pay_or_refund(cart_payment, part)
        except (stripe.StripeError, stripe_api.StripeUnavailable) as error:
            logger.warning("Cart payment %s, order payment %s: %s", cart_payment.pk, part_id, error)
            failed = error
    if failed is not None:
        raise failed  # the others went through; this one is tried again (its task, or the sweep)


def _close_if_abandoned(cart_payment: CartPayment) -> None:
    """Every order of an unpaid cart was cancelled (by its shopper, or not paid in time): close the payment page."""
    if cart_payment.order_payments.filter(order__status=Status.PENDING_PAYMENT).exists():
        return
    try:
        stripe_api.call(
            stripe_api.client().v1.checkout.sessions.expire,
            cart_payment.checkout_session_id,
            key=f"expire:{cart_payment.transfer_group}",
        )
    except stripe.InvalidRequestError:
        # Already complete (paid in the meantime: the hold is released by the settlement that
        # follows the authorisation) or already expired.
        cart_payment_sync(cart_payment=cart_payment)
        cart_payment.refresh_from_db()
        if cart_payment.status != Cart.OPEN:
            return
    cart_payment.status = Cart.EXPIRED
    cart_payment.save(update_fields=["status", "updated_at"])
    OrderPayment.objects.filter(cart_payment=cart_payment, status=Part.PENDING).update(status=Part.EXCLUDED)


def _capture_plan(cart_payment: CartPayment, *, now: datetime) -> None:
    """Decide what is captured, once every shop has answered or the deadline passed; written before any call."""
    parts = list(cart_payment.order_payments.select_related("order__shop__commune").order_by("id"))
    undecided = [part for part in parts if part.order.status == Status.PLACED]
    if undecided:
        if cart_payment.acceptance_deadline and now < cart_payment.acceptance_deadline:
            return  # some shops have not answered yet
        for part in undecided:  # too late to answer: cancelled, never charged
            try:
                order_transition(
                    order=part.order, to=Status.CANCELLED, actor=None, note=_("not accepted by the shop in time")
                )
            except IllegalTransition:  # answered at this very moment: its new state counts
                part.order.refresh_from_db(fields=["status"])
    for part in parts:
        part.in_capture = part.order.status in ACCEPTED and part.status == Part.AUTHORISED
        if not part.in_capture and part.status in (Part.PENDING, Part.AUTHORISED):
            part.status = Part.EXCLUDED
        part.save(update_fields=["in_capture", "status", "updated_at"])
    cart_payment.capture_planned_cents = sum(part.amount_cents for part in parts if part.in_capture)
    cart_payment.save(update_fields=["capture_planned_cents", "updated_at"])


def _capture_planned(cart_payment: CartPayment) -> None:
    """Capture the planned amount (or release the hold if it is 0); a retry finishes what an earlier run began."""
    planned = cart_payment.capture_planned_cents or 0
    payment_intent = payment_intent_fetch(cart_payment.payment_intent_id)
    status = _obj(payment_intent, "status")
    if status == "requires_capture":
        if planned == 0:
            stripe_api.call(
                stripe_api.client().v1.payment_intents.cancel,
                cart_payment.payment_intent_id,
                key=f"cancel:{cart_payment.transfer_group}",
                cancellation_reason="abandoned",
            )
            return _cancelled_record(cart_payment, lapsed=False)
        payment_intent = stripe_api.call(
            stripe_api.client().v1.payment_intents.capture,
            cart_payment.payment_intent_id,
            key=f"capture:{cart_payment.transfer_group}:{planned}",
            amount_to_capture=planned,
        )
        status = _obj(payment_intent, "status")
    if status == "succeeded":  # captured now, or by an earlier run that died before writing it
        return _captured_record(cart_payment, payment_intent)
    if status == "canceled":  # released: by us (nothing accepted), or lapsed at Stripe before the capture
        return _cancelled_record(cart_payment, lapsed=planned > 0)
    logger.error("Cart payment %s: PaymentIntent %s is %s", cart_payment.pk, cart_payment.payment_intent_id, status)


def _captured_record(cart_payment: CartPayment, payment_intent: Any) -> None:
    captured = int(_obj(payment_intent, "amount_received", 0) or 0)
    if captured != cart_payment.capture_planned_cents:
        logger.error(
            "Cart %s: captured %s cents, planned %s", cart_payment.pk, captured, cart_payment.capture_planned_cents
        )
    cart_payment.status, cart_payment.captured_cents = Cart.CAPTURED, captured
    cart_payment.charge_id = cart_payment.charge_id or _id(_obj(payment_intent, "latest_charge"))
    cart_payment.captured_at = timezone.now()
    cart_payment.save(update_fields=["status", "captured_cents", "charge_id", "captured_at", "updated_at"])
    for part in cart_payment.order_payments.filter(in_capture=True):
        part.status, part.captured_cents = Part.CAPTURED, part.amount_cents
        part.save(update_fields=["status", "captured_cents", "updated_at"])
    audit_record(
        actor=None,
        verb="payment.captured",
        obj=cart_payment,
        label=cart_payment.transfer_group,
        payload={"captured_cents": captured, "authorised_cents": cart_payment.amount_cents},
    )
    emails.payment_captured_email_send(cart_payment=cart_payment)


def _cancelled_record(cart_payment: CartPayment, *, lapsed: bool) -> None:
    """The authorisation is released: nothing was charged. `lapsed`: Stripe released it before the capture
    (the card's hold ran out, or it was cancelled outside Vitrine): the accepted orders are unpaid and
    are cancelled, so no shop hands over goods nobody paid for; the team sees it in the audit trail."""
    cart_payment.status, cart_payment.cancelled_at = Cart.CANCELLED, timezone.now()
    cart_payment.save(update_fields=["status", "cancelled_at", "updated_at"])
    for part in cart_payment.order_payments.select_related("order__shop__commune"):
        if lapsed and part.in_capture and part.order.status in (Status.ACCEPTED,):
            order_transition(
                order=part.order,
                to=Status.CANCELLED,
                actor=None,
                note=_("the card payment lapsed before it was charged"),
            )
        if part.status in (Part.PENDING, Part.AUTHORISED):
            part.status = Part.EXCLUDED
            part.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=None,
        verb="payment.lapsed" if lapsed else "payment.cancelled",
        obj=cart_payment,
        label=cart_payment.transfer_group,
    )
    emails.payment_captured_email_send(cart_payment=cart_payment)


def _existing(listing: Any, *, order_id: int) -> Any:
    """The object of a Stripe list made for this order (its metadata names it), if an earlier run made one."""
    for item in _obj(listing, "data", []) or []:
        if str(_obj(_obj(item, "metadata"), "order", "")) == str(order_id):
            return item
    return None


def _pay_or_refund(cart_payment: CartPayment, part: OrderPayment) -> None:
    """One order's money: paid to its shop once collected, given back once dropped (in the caller's transaction)."""
    order = part.order
    if order.status == Status.COLLECTED and part.status == Part.CAPTURED:
        account = getattr(part.shop, "payment", None)
        if account is None or not account.can_receive_transfers:
            return  # kept for the shop until its account can receive it; staff see it waiting
        schema = connection.schema_name  # type: ignore[attr-defined]
        client = stripe_api.client()
        # Made by an earlier run whose write was lost (a key lasts 24 hours; this look-up, always).
        transfer = _existing(
            stripe_api.call(client.v1.transfers.list, transfer_group=cart_payment.transfer_group, limit=100),
            order_id=order.pk,
        ) or stripe_api.call(
            client.v1.transfers.create,
            key=f"transfer:{schema}:{part.pk}",
            amount=part.shop_share_cents,
            currency=cart_payment.currency,
            destination=account.stripe_account_id,
            transfer_group=cart_payment.transfer_group,
            source_transaction=cart_payment.charge_id,
            metadata={"territory": schema, "order": str(order.pk), "pickup_code": order.pickup_code},
        )
        part.status, part.transfer_id = Part.TRANSFERRED, _id(transfer)
        part.transferred_cents, part.transferred_at = part.shop_share_cents, timezone.now()
        part.save(update_fields=["status", "transfer_id", "transferred_cents", "transferred_at", "updated_at"])
        audit_record(
            actor=None,
            verb="payment.transferred",
            obj=order,
            label=order.pickup_code,
            payload={
                "shop": order.shop_id,
                "amount_cents": part.transferred_cents,
                "commission": part.commission_cents,
            },
        )
    elif order.status in DROPPED and part.status in (Part.CAPTURED, Part.TRANSFERRED):
        _refund(cart_payment, part)


def _refund(cart_payment: CartPayment, part: OrderPayment) -> None:
    """Give the shopper back what was captured for the order; a transfer already made is reversed first."""
    schema = connection.schema_name  # type: ignore[attr-defined]
    client = stripe_api.client()
    order = part.order
    if part.transfer_id and not part.reversal_id:
        transfer = stripe_api.call(client.v1.transfers.retrieve, part.transfer_id, expand=["reversals"])
        reversal = _existing(_obj(transfer, "reversals"), order_id=order.pk) or stripe_api.call(
            client.v1.transfers.reversals.create,
            part.transfer_id,
            key=f"reversal:{schema}:{part.pk}",
            amount=part.transferred_cents,
            metadata={"territory": schema, "order": str(order.pk)},
        )
        part.reversal_id = _id(reversal)
        part.save(update_fields=["reversal_id", "updated_at"])
    refund = _existing(
        stripe_api.call(client.v1.refunds.list, payment_intent=cart_payment.payment_intent_id, limit=100),
        order_id=order.pk,
    ) or stripe_api.call(
        client.v1.refunds.create,
        key=f"refund:{schema}:{part.pk}",
        payment_intent=cart_payment.payment_intent_id,
        amount=part.captured_cents,
        reason="requested_by_customer",
        metadata={"territory": schema, "order": str(order.pk), "pickup_code": order.pickup_code},
    )
    part.status, part.refund_id = Part.REFUNDED, _id(refund)
    part.refunded_cents, part.refunded_at = part.captured_cents, timezone.now()
    part.save(update_fields=["status", "refund_id", "refunded_cents", "refunded_at", "updated_at"])
    total = OrderPayment.objects.filter(cart_payment=cart_payment).aggregate(total=Sum("refunded_cents"))["total"]
    CartPayment.objects.filter(pk=cart_payment.pk).update(refunded_cents=total or 0, updated_at=timezone.now())
    audit_record(
        actor=None,
        verb="payment.refunded",
        obj=order,
        label=order.pickup_code,
        payload={"shop": order.shop_id, "amount_cents": part.refunded_cents, "reason": order.status},
    )
    emails.payment_refunded_email_send(order_payment=part)


# --- Disputes ------------------------------------------------------------------------------------


@transaction.atomic
def cart_payment_dispute(*, cart_payment: CartPayment, dispute: Any) -> None:
    """Record a dispute on the cart's charge (opened, updated, closed); while open, its transfers wait."""
    cart_payment = _locked(cart_payment)
    status = str(_obj(dispute, "status", ""))
    closed = cart_payment.dispute_status in CartPayment.DISPUTE_CLOSED
    if closed and status not in CartPayment.DISPUTE_CLOSED:
        return  # a late "updated" after the close: the close stands
    cart_payment.dispute_id = _id(dispute)
    cart_payment.dispute_status = status
    cart_payment.dispute_amount_cents = int(_obj(dispute, "amount", 0) or 0)
    cart_payment.save(update_fields=["dispute_id", "dispute_status", "dispute_amount_cents", "updated_at"])
    audit_record(
        actor=None,
        verb="payment.dispute",
        obj=cart_payment,
        label=cart_payment.transfer_group,
        payload={"status": status, "amount_cents": cart_payment.dispute_amount_cents},
    )
    if not cart_payment.disputed:
        _settle_on_commit(cart_payment)  # settled: the frozen transfers go now


def carts_due(*, now: datetime | None = None) -> list[CartPayment]:
    """The carts with a step to take: authorised past their deadline, or captured with an order to pay or refund."""
    now = now or timezone.now()
    late = CartPayment.objects.filter(status=Cart.AUTHORISED, acceptance_deadline__lte=now).values("pk")
    # Every shop answered, but the capture did not happen (its task lost, its worker killed).
    answered = (
        CartPayment.objects.filter(status=Cart.AUTHORISED)
        .exclude(order_payments__order__status__in=(Status.PENDING_PAYMENT, Status.PLACED))
        .values("pk")
    )
    waiting = (
        OrderPayment.objects.filter(cart_payment__status=Cart.CAPTURED)
        .exclude(~Q(cart_payment__dispute_id="") & ~Q(cart_payment__dispute_status__in=CartPayment.DISPUTE_SETTLED))
        .filter(
            Q(status=Part.CAPTURED, order__status=Status.COLLECTED)
            | Q(status__in=(Part.CAPTURED, Part.TRANSFERRED), order__status__in=DROPPED)
        )
        .values("cart_payment_id")
    )
    abandoned = (
        CartPayment.objects.filter(status=Cart.OPEN)
        .exclude(order_payments__order__status=Status.PENDING_PAYMENT)
        .values("pk")
    )
    # The payment page closed (or should have) without a word from Stripe: its webhook lost.
    unheard = CartPayment.objects.filter(status=Cart.OPEN, session_expires_at__lte=now - timedelta(minutes=2)).values(
        "pk"
    )
    return list(
        CartPayment.objects.filter(
            Q(pk__in=late) | Q(pk__in=answered) | Q(pk__in=waiting) | Q(pk__in=abandoned) | Q(pk__in=unheard)
        ).order_by("pk")
    )
