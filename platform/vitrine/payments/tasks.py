"""Payments' Celery tasks: thin, idempotent, safe to retry (acks_late; Stripe calls carry idempotency keys)."""

from __future__ import annotations

import logging

from celery import shared_task

from vitrine.common.tasks import task_send_in_every_territory
from vitrine.payments import settlement, webhooks
from vitrine.payments.models import CartPayment, OrderPayment

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def stripe_event_handle(*, event_pk: int) -> None:
    """Handle a stored Stripe event (runs in its territory's schema)."""
    webhooks.stripe_event_handle(event_pk=event_pk)


@shared_task(acks_late=True)
def stripe_event_route(*, event_pk: int) -> None:
    """Find the territory of an event that does not name it (runs in the public schema)."""
    webhooks.stripe_event_route(event_pk=event_pk)


@shared_task(acks_late=True)
def order_payment_step(*, order_id: int) -> None:
    """An order paid online moved (orders.lifecycle's PaymentStep): settle its cart's money."""
    part = OrderPayment.objects.filter(order_id=order_id).select_related("cart_payment").first()
    if part is not None:
        settlement.cart_payment_settle(cart_payment=part.cart_payment)


@shared_task(acks_late=True)
def cart_payment_settle_task(*, cart_payment_id: int) -> None:
    cart_payment = CartPayment.objects.filter(pk=cart_payment_id).first()
    if cart_payment is not None:
        settlement.cart_payment_settle(cart_payment=cart_payment)


@shared_task(acks_late=True)
def payments_sweep() -> None:
    """This territory's payment steps that are due (deadlines passed) or were lost (broker down, worker killed)."""
    for event_pk in webhooks.events_due():
        webhooks.stripe_event_handle(event_pk=event_pk)  # keeps its own failure on the event's row
    for cart_payment in settlement.carts_due():
        try:
            settlement.cart_payment_settle(cart_payment=cart_payment)
        except Exception:  # Stripe down, or refusing: the next sweep tries again; one cart never blocks the others
            logger.exception("Cart payment %s could not be settled now", cart_payment.pk)


@shared_task
def payments_sweep_all() -> None:
    """Periodic (beat, public schema): route the events a lost task left, then sweep every active territory."""
    for event_pk in webhooks.events_unrouted():
        try:
            webhooks.stripe_event_route(event_pk=event_pk)
        except Exception:  # Stripe down: the next sweep tries again
            logger.exception("Stripe event %s could not be routed now", event_pk)
    task_send_in_every_territory(payments_sweep)
