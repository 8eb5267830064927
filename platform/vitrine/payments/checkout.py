"""The online part of a checkout: its orders' payment rows and one Stripe Checkout Session, all or nothing.

The shopper pays the whole online part of the cart once, on Stripe's hosted payment page
(strong customer authentication included): one PaymentIntent with manual capture, a
transfer group for the cart, metadata naming the territory and the orders. The orders wait
in PENDING_PAYMENT until the payment is authorised (payments.settlement.cart_payment_authorise).
"""

from __future__ import annotations

from datetime import timedelta

import stripe
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.orders import selectors as order_selectors
from vitrine.orders.checkout import CheckoutError
from vitrine.orders.models import Order
from vitrine.payments import selectors, stripe_api
from vitrine.payments.models import CartPayment, OrderPayment
from vitrine.payments.money import cents, commission_cents

# Stripe keeps a Checkout Session open between 30 minutes and 24 hours.
SESSION_MINUTES = (30, 24 * 60)
MINIMUM_CENTS = 50  # Stripe's smallest charge in euros


class OnlinePaymentUnavailable(CheckoutError):
    """Stripe could not be reached to open the payment: nothing was ordered or reserved."""


def _session_expiry(now):
    """When the hosted payment page closes: the territory's unpaid delay, within Stripe's bounds (30 minutes
    to a day). The orders wait for it: they are cancelled when the page closes unpaid, never while it is open."""
    minutes = order_selectors.order_settings().unpaid_release_minutes
    minutes = min(max(minutes, SESSION_MINUTES[0] + 1), SESSION_MINUTES[1])  # a minute over Stripe's floor
    return now + timedelta(minutes=minutes)


@transaction.atomic
def cart_payment_open(*, orders: list[Order], success_url: str, cancel_url: str) -> CartPayment:
    """Record the payment of the checkout's orders paid online and open its Stripe Checkout Session.

    Called in the checkout's transaction: Stripe unreachable or refusing raises
    OnlinePaymentUnavailable and the whole checkout is undone (no order, no stock taken).
    `success_url` may hold Stripe's `{CHECKOUT_SESSION_ID}` placeholder.
    """
    online = [order for order in orders if order.paid_online]
    key = online[0].idempotency_key
    policy = selectors.payment_settings()
    schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection
    amounts = {order.pk: cents(order.total) for order in online}
    if sum(amounts.values()) < MINIMUM_CENTS:
        raise CheckoutError(
            _("Online payment starts at 0,50 €: choose to pay at pickup for such a small order."), code="too_small"
        )
    expires = _session_expiry(timezone.now())
    cart_payment = CartPayment.objects.create(
        checkout_key=key,
        amount_cents=sum(amounts.values()),
        currency=settings.STRIPE_CURRENCY,
        email=online[0].email,
        transfer_group=f"cart_{key}",
        session_expires_at=expires,
    )
    OrderPayment.objects.bulk_create(
        [
            OrderPayment(
                order=order,
                cart_payment=cart_payment,
                shop_id=order.shop_id,
                amount_cents=amounts[order.pk],
                # Fixed at checkout: a later change of the policy does not change what was sold.
                commission_cents=commission_cents(
                    amount_cents=amounts[order.pk],
                    basis_points=policy.commission_basis_points,
                    fixed_cents=policy.commission_fixed_cents,
                ),
            )
            for order in online
        ]
    )
    order_ids = ",".join(str(order.pk) for order in online)
    metadata = {"territory": schema, "checkout": str(key), "orders": order_ids}
    try:
        session = stripe_api.call(
            # Quick, no retry: the checkout holds its stock and slot locks while Stripe answers.
            stripe_api.client(quick=True).v1.checkout.sessions.create,
            key=f"checkout:{schema}:{key}:{order_ids}",
            mode="payment",
            line_items=[
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": settings.STRIPE_CURRENCY,
                        "unit_amount": amounts[order.pk],
                        "product_data": {
                            "name": _("Order %(code)s at %(shop)s")
                            % {"code": order.pickup_code, "shop": order.shop.name}
                        },
                    },
                }
                for order in online
            ],
            customer_email=online[0].email,
            client_reference_id=str(key),
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=int(expires.timestamp()),
            locale="fr" if settings.LANGUAGE_CODE.startswith("fr") else "auto",
            metadata=metadata,
            payment_intent_data={
                "capture_method": "manual",
                "transfer_group": cart_payment.transfer_group,
                "metadata": metadata,
                "description": getattr(connection.tenant, "name", "Vitrine"),  # type: ignore[attr-defined]
            },
        )
    except (stripe_api.StripeUnavailable, stripe.StripeError) as error:
        raise OnlinePaymentUnavailable(
            _(
                "Online payment is not available just now: nothing was ordered. "
                "Try again in a few minutes, or choose to pay at pickup where the shops allow it."
            ),
            code="payment_unavailable",
        ) from error
    cart_payment.checkout_session_id, cart_payment.checkout_url = session.id, session.url
    cart_payment.save(update_fields=["checkout_session_id", "checkout_url", "updated_at"])
    return cart_payment
