"""Factories for online payments: cart payments, orders paid online in any state of their money.

Rows written straight to the database, as the settlement services leave them; for the pages and
reports that read them (receipts, payouts, reconciliation, emails).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

import factory
from django.utils import timezone

from vitrine.orders.models import Order, OrderLine
from vitrine.payments.models import CartPayment, OrderPayment
from vitrine.payments.money import cents

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class CartPaymentFactory(factory.django.DjangoModelFactory):
    """An authorised cart payment (amounts added by online_order)."""

    class Meta:
        model = CartPayment

    checkout_key = factory.LazyFunction(uuid.uuid4)
    status = CartPayment.Status.AUTHORISED
    amount_cents = 0
    email = "claire@example.fr"
    transfer_group = factory.LazyAttribute(lambda o: f"cart_{o.checkout_key}")
    payment_intent_id = factory.Sequence(lambda n: f"pi_test_{n:06d}")
    charge_id = factory.Sequence(lambda n: f"ch_test_{n:06d}")
    authorised_at = factory.LazyFunction(timezone.now)


class OrderPaymentFactory(factory.django.DjangoModelFactory):
    """One order's part of a cart payment, pending (its order and cart given)."""

    class Meta:
        model = OrderPayment

    shop = factory.LazyAttribute(lambda o: o.order.shop)
    amount_cents = factory.LazyAttribute(lambda o: cents(o.order.total))


# What the money of an order paid online went through, as the settlement leaves it.
MONEY_STATES = ("pending", "authorised", "excluded", "captured", "transferred", "refunded", "reversed")


def online_order(
    shop,
    *,
    cart: CartPayment | None = None,
    money: str = "captured",
    status: str | None = None,
    lines: tuple[tuple[str, str, int, str], ...] = (("Bague argent", "24.90", 1, "20.0"),),
    commission_cents: int = 0,
    customer=None,
    name: str = "Claire Blaison",
    email: str = "claire@example.fr",
    at: datetime | None = None,
) -> Order:
    """An order of `shop` paid online, with its lines (title, unit price incl. VAT, quantity, VAT rate) and its
    OrderPayment in the money state `money` (MONEY_STATES; "reversed": transferred, then refunded and the
    transfer reversed). Its cart payment (`cart`, or a new one) grows by its amount; moments are `at` (now)
    for authorisation, +1 h capture, +2 days transfer, +3 days refund."""
    assert money in MONEY_STATES, money
    at = at or timezone.now()
    order_status = (
        status
        or {
            "pending": Order.Status.PENDING_PAYMENT,
            "authorised": Order.Status.PLACED,
            "excluded": Order.Status.REFUSED,
            "captured": Order.Status.ACCEPTED,
            "transferred": Order.Status.COLLECTED,
            "refunded": Order.Status.NOT_COLLECTED,
            "reversed": Order.Status.CANCELLED,
        }[money]
    )
    if cart is None:
        cart = cast(CartPayment, CartPaymentFactory(email=email, authorised_at=at))
    order = _order_make(
        shop,
        status=order_status,
        lines=lines,
        customer=customer,
        name=name,
        email=email,
        at=at,
        key=cart.checkout_key,
        paid_online=True,
    )
    total = order.total
    amount = cents(total)
    captured = amount if money in ("captured", "transferred", "refunded", "reversed") else 0
    transferred = amount - commission_cents if money in ("transferred", "reversed") else 0
    refunded = amount if money in ("refunded", "reversed") else 0
    payment_status = "refunded" if money == "reversed" else money
    OrderPaymentFactory(
        order=order,
        cart_payment=cart,
        status=payment_status,
        amount_cents=amount,
        commission_cents=commission_cents,
        captured_cents=captured,
        transferred_cents=transferred,
        refunded_cents=refunded,
        transfer_id=f"tr_test_{order.pk}" if transferred else "",
        reversal_id=f"trr_test_{order.pk}" if money == "reversed" else "",
        refund_id=f"re_test_{order.pk}" if refunded else "",
        transferred_at=at + timedelta(days=2) if transferred else None,
        refunded_at=at + timedelta(days=3) if refunded else None,
    )
    cart.amount_cents += amount
    cart.captured_cents += captured
    cart.refunded_cents += refunded
    if captured:
        cart.status = CartPayment.Status.CAPTURED
        cart.captured_at = cart.captured_at or at + timedelta(hours=1)
    elif money == "excluded" and cart.status == CartPayment.Status.AUTHORISED:
        cart.status = CartPayment.Status.CANCELLED  # nothing of it captured (so far)
        cart.cancelled_at = at + timedelta(hours=1)
    elif money == "pending":
        cart.status = CartPayment.Status.OPEN
        cart.authorised_at = None
    cart.save(
        update_fields=[
            "amount_cents",
            "captured_cents",
            "refunded_cents",
            "status",
            "captured_at",
            "cancelled_at",
            "authorised_at",
        ]
    )
    return order


def counter_order(
    shop,
    *,
    status: str = Order.Status.ACCEPTED,
    lines: tuple[tuple[str, str, int, str], ...] = (("Bague argent", "24.90", 1, "20.0"),),
    at: datetime | None = None,
) -> Order:
    """An order of `shop` to pay at the counter (no online payment), with its lines."""
    at = at or timezone.now()
    return _order_make(
        shop,
        status=status,
        lines=lines,
        customer=None,
        name="Paul Durand",
        email="paul@example.fr",
        at=at,
        key=uuid.uuid4(),
        paid_online=False,
    )


def _order_make(shop, *, status, lines, customer, name, email, at, key, paid_online) -> Order:
    total = sum((Decimal(price) * quantity for _, price, quantity, _ in lines), Decimal("0.00"))
    order = Order.objects.create(
        shop=shop,
        customer=customer,
        customer_name=name,
        email=email,
        phone="0612345678",
        status=status,
        pickup_code="".join(secrets.choice(CODE_ALPHABET) for _ in range(6)),
        pickup_starts_at=at + timedelta(days=1),
        pickup_ends_at=at + timedelta(days=1, minutes=30),
        total=total,
        paid_online=paid_online,
        idempotency_key=key,
        refusal_reason="Rupture de stock" if status == Order.Status.REFUSED else "",
        collected_at=at + timedelta(days=2) if status == Order.Status.COLLECTED else None,
    )
    Order.objects.filter(pk=order.pk).update(created_at=at)
    order.created_at = at
    OrderLine.objects.bulk_create(
        OrderLine(order=order, title=title, unit_price=Decimal(price), quantity=quantity, vat_rate=Decimal(rate))
        for title, price, quantity, rate in lines
    )
    return order
