"""Stripe's webhooks: received on the public host, stored, then handled in the right territory's schema.

Receiving (public schema, in the request): the signature is checked with the endpoint's
signing secret (a bad or stale one: 400, nothing stored), the event is stored once
(a second delivery of the same id changes nothing), and its handling is queued in the
territory it belongs to (the object's metadata names it; a connected account's events
are routed through StripeAccountRoute; a charge's or a dispute's through its
PaymentIntent, fetched). Handling (a Celery task in that schema) fetches the object when
its state matters, and moves state only forward: duplicates and late events do nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import stripe
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_tenant_model, schema_context

from vitrine.common.tasks import task_send, task_send_on_commit
from vitrine.payments import settlement, stripe_api
from vitrine.payments.inbox.models import StripeAccountRoute, StripeEvent
from vitrine.payments.models import CartPayment
from vitrine.payments.services_accounts import shop_stripe_account_apply, shop_stripe_account_deauthorize

logger = logging.getLogger(__name__)
Endpoint = StripeEvent.Endpoint
EventStatus = StripeEvent.Status
_obj, _id = stripe_api.field, stripe_api.object_id

SECRETS = {Endpoint.PLATFORM: "STRIPE_WEBHOOK_SECRET_PLATFORM", Endpoint.CONNECT: "STRIPE_WEBHOOK_SECRET_CONNECT"}
# Handling failed this many times: left for a person (the error is on the row).
ATTEMPTS_MAX = 8


class BadDelivery(Exception):
    """A delivery that is not a genuine, fresh event from Stripe: refused with a 400."""


def _territory_known(schema_name: str) -> bool:
    return bool(schema_name) and get_tenant_model().objects.filter(schema_name=schema_name).exists()


def _schema_of(event: Any, endpoint: str) -> str:
    """The territory the event belongs to, from what it carries (no call to Stripe here)."""
    if endpoint == Endpoint.CONNECT:
        route = StripeAccountRoute.objects.filter(account_id=_obj(event, "account") or "").first()
        return route.schema_name if route else ""
    obj = event["data"]["object"]
    metadata = _obj(obj, "metadata") or {}
    return str(_obj(metadata, "territory", "") or "")


@transaction.atomic
def webhook_receive(*, payload: bytes, signature: str, endpoint: str) -> StripeEvent:
    """Verify and store a delivery; queue its handling. Return the stored event (the first delivery's)."""
    secret = getattr(settings, SECRETS[Endpoint(endpoint)])
    try:
        event = stripe_api.webhook_event_construct(payload=payload, signature=signature, secret=secret)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise BadDelivery(str(error)) from error
    existing = StripeEvent.objects.filter(event_id=event.id).first()
    if existing is not None:
        return existing  # a duplicate delivery: already stored, handled once
    schema = _schema_of(event, endpoint)
    row = StripeEvent.objects.create(
        event_id=event.id,
        type=event.type,
        endpoint=endpoint,
        account=_obj(event, "account") or "",
        schema_name=schema if _territory_known(schema) else "",
        livemode=bool(_obj(event, "livemode", False)),
        stripe_created=int(_obj(event, "created", 0) or 0),
        payload=event.to_dict(),
    )
    _queue(row)
    return row


def _queue(row: StripeEvent) -> None:
    """Send the event's handling to its territory, after commit (or its routing, if its territory is unknown)."""
    # The task module imports this one (its tasks are this module's functions): imported when sent.
    from vitrine.payments import tasks

    if row.schema_name:

        def send() -> None:
            with schema_context(row.schema_name):
                task_send(tasks.stripe_event_handle, event_pk=row.pk)

        transaction.on_commit(send)
    else:
        task_send_on_commit(tasks.stripe_event_route, event_pk=row.pk)


@transaction.atomic
def stripe_event_route(*, event_pk: int) -> None:
    """Find the territory of an event that does not name it (a charge, a dispute): ask Stripe for its PaymentIntent."""
    row = StripeEvent.objects.select_for_update().filter(pk=event_pk, schema_name="").first()
    if row is None or row.status != EventStatus.RECEIVED:
        return
    obj = row.payload.get("data", {}).get("object", {})
    payment_intent_id = _id(obj.get("payment_intent")) if isinstance(obj, dict) else ""
    schema = ""
    if payment_intent_id and row.endpoint == Endpoint.PLATFORM:
        payment_intent = settlement.payment_intent_fetch(payment_intent_id)
        schema = str(_obj(_obj(payment_intent, "metadata"), "territory", "") or "")
    if not _territory_known(schema):
        row.status, row.handled_at = EventStatus.IGNORED, timezone.now()
        row.save(update_fields=["status", "handled_at"])
        return
    row.schema_name = schema
    row.save(update_fields=["schema_name"])
    _queue(row)


# --- Handling, in the territory's schema -----------------------------------------------------------


def stripe_event_handle(*, event_pk: int) -> str:
    """Handle a stored event in its territory once; return its status. A failure is kept for the sweep."""
    with transaction.atomic():
        row = (
            StripeEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_pk, status__in=(EventStatus.RECEIVED, EventStatus.FAILED))
            .first()
        )
        if row is None or row.schema_name != connection.schema_name:  # type: ignore[attr-defined]
            return "skipped"
        try:
            with transaction.atomic():
                handled = _dispatch(row)
        except Exception as error:  # kept on the row; the sweep tries again, a person reads it
            logger.exception("Stripe event %s (%s) failed", row.event_id, row.type)
            row.status, row.attempts, row.error = EventStatus.FAILED, row.attempts + 1, repr(error)[:2000]
            row.save(update_fields=["status", "attempts", "error"])
            return row.status
        row.status = EventStatus.HANDLED if handled else EventStatus.IGNORED
        row.attempts, row.error, row.handled_at = row.attempts + 1, "", timezone.now()
        row.save(update_fields=["status", "attempts", "error", "handled_at"])
        return row.status


def _cart_of(obj: Any) -> CartPayment | None:
    metadata = _obj(obj, "metadata") or {}
    key = _obj(metadata, "checkout", "")
    if key:
        found = CartPayment.objects.filter(checkout_key=key).first()
        if found:
            return found
    payment_intent_id = _id(_obj(obj, "payment_intent")) if _obj(obj, "object") != "payment_intent" else _id(obj)
    if payment_intent_id:
        return CartPayment.objects.filter(payment_intent_id=payment_intent_id).first()
    return None


def _dispatch(row: StripeEvent) -> bool:
    """Do what the event calls for; return False when there is nothing to do (a type not acted on)."""
    obj = row.payload["data"]["object"]
    kind = row.type
    # Each endpoint's own kinds only: the accounts' on the Connect endpoint, the payments' on the platform's.
    if kind.startswith("account.") != (row.endpoint == Endpoint.CONNECT):
        return False
    if kind in ("account.updated",):
        account = stripe_api.call(stripe_api.client().v1.accounts.retrieve, row.account or _id(obj))
        shop_stripe_account_apply(account=account)
        return True
    if kind == "account.application.deauthorized":
        shop_stripe_account_deauthorize(account_id=row.account)
        return True
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        cart = CartPayment.objects.filter(checkout_session_id=_id(obj)).first() or _cart_of(obj)
        payment_intent_id = _id(_obj(obj, "payment_intent"))
        if not payment_intent_id:
            return False
        if cart is not None and cart.status != CartPayment.Status.OPEN:
            return True  # authorised already (by the return page, or the other event): nothing to ask Stripe
        payment_intent = settlement.payment_intent_fetch(payment_intent_id)
        if cart is None:
            _orphan_cancel(payment_intent)
            return True
        settlement.cart_payment_authorise(cart_payment=cart, payment_intent=payment_intent)
        return True
    if kind == "checkout.session.expired":
        cart = CartPayment.objects.filter(checkout_session_id=_id(obj)).first()
        if cart is not None:
            settlement.cart_payment_expire(cart_payment=cart)
        return cart is not None
    if kind.startswith("payment_intent."):
        cart = _cart_of(obj)
        if cart is None:
            return False
        payment_intent = settlement.payment_intent_fetch(_id(obj))  # its state now, not the event's
        if _obj(payment_intent, "status") == "requires_capture":
            settlement.cart_payment_authorise(cart_payment=cart, payment_intent=payment_intent)
        elif kind == "payment_intent.payment_failed":
            error = _obj(payment_intent, "last_payment_error") or _obj(obj, "last_payment_error") or {}
            settlement.cart_payment_failed(cart_payment=cart, message=str(_obj(error, "message", "") or ""))
        else:
            settlement.cart_payment_settle(cart_payment=cart)
        return True
    if kind.startswith("charge.dispute."):
        cart = _cart_of(obj)
        if cart is None:
            return False
        dispute = stripe_api.call(stripe_api.client().v1.disputes.retrieve, _id(obj))  # its state now
        settlement.cart_payment_dispute(cart_payment=cart, dispute=dispute)
        return True
    return False  # charges, refunds, transfers: Vitrine made them and wrote them when it did


def _orphan_cancel(payment_intent: Any) -> None:
    """A payment for a checkout that was undone after its payment page opened: release the hold."""
    if _obj(payment_intent, "status") == "requires_capture":
        stripe_api.call(
            stripe_api.client().v1.payment_intents.cancel,
            _id(payment_intent),
            key=f"cancel-orphan:{_id(payment_intent)}",
            cancellation_reason="abandoned",
        )


def events_due(*, older_than_seconds: float = 60.0) -> list[int]:
    """This territory's events whose handling was lost or failed (the broker down, a worker killed), for the sweep."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        StripeEvent.objects.filter(
            schema_name=connection.schema_name,  # type: ignore[attr-defined]
            status__in=(EventStatus.RECEIVED, EventStatus.FAILED),
            attempts__lt=ATTEMPTS_MAX,
            received_at__lte=cutoff,
        ).values_list("pk", flat=True)[:500]
    )


def events_unrouted(*, older_than_seconds: float = 60.0) -> list[int]:
    """Events whose territory was not known at receipt and whose routing task was lost (public schema, the sweep)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        StripeEvent.objects.filter(schema_name="", status=EventStatus.RECEIVED, received_at__lte=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )
