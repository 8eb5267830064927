"""The shopper's emails about their online payment: authorised, charged (maybe less), refunded.

The settlement services call these in their transaction: each queues one outbox email
(notifications), sent after commit, like the order lifecycle's. The wording lives in the
templates notifications/emails/payment_*/ (subject.txt, body.txt); here only the values, formatted
in the territory's language.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vitrine.common.money import euros_of_cents
from vitrine.notifications.models import OutboxEmail
from vitrine.notifications.services import outbox_email_send
from vitrine.orders.links import order_link_url
from vitrine.orders.models import Order
from vitrine.orders.selectors import day_label
from vitrine.payments.models import CartPayment, OrderPayment
from vitrine.shops.opening import territory_zone

# Why an order of the cart was not charged: the template words each.
NOT_CHARGED_WHY: dict[str, str] = {
    Order.Status.REFUSED: "refused",
    Order.Status.CANCELLED: "cancelled",
}
# Why an order was refunded.
REFUNDED_WHY: dict[str, str] = {
    Order.Status.NOT_COLLECTED: "not_collected",
    Order.Status.CANCELLED: "cancelled",
    Order.Status.REFUSED: "refused",
}


def _moment(value: datetime) -> str:
    """ "lundi 7 décembre à 14:30", in the territory's time zone (called with its language active)."""
    local = timezone.localtime(value, territory_zone())
    return _("%(day)s at %(time)s") % {"day": day_label(local.date()).lower(), "time": local.strftime("%H:%M")}


def _territory() -> str:
    return getattr(connection.tenant, "name", "Vitrine")  # type: ignore[attr-defined]  # django-tenants' connection


def _order_row(payment: OrderPayment) -> dict[str, object]:
    order = payment.order
    return {
        "shop": order.shop.name,
        "code": order.pickup_code,
        "amount": euros_of_cents(payment.amount_cents),
        "captured": euros_of_cents(payment.captured_cents),
        "charged": payment.captured_cents > 0,
        "why": NOT_CHARGED_WHY.get(order.status, "no_answer"),
        "reason": order.refusal_reason,
        "url": order_link_url(order=order),
    }


def _cart_rows(cart_payment: CartPayment) -> list[OrderPayment]:
    return list(cart_payment.order_payments.select_related("order__shop").order_by("id"))


def payment_authorised_email_send(*, cart_payment: CartPayment) -> OutboxEmail:
    """Tell the shopper their card is authorised for the cart's online orders, and charged only for what the
    shops accept (by the acceptance deadline)."""
    payments = _cart_rows(cart_payment)
    with translation.override(settings.LANGUAGE_CODE):  # amounts and days as the email's language writes them
        context = {
            "name": payments[0].order.customer_name if payments else "",
            "amount": euros_of_cents(cart_payment.amount_cents),
            "orders": [_order_row(payment) for payment in payments],
            "deadline": _moment(cart_payment.acceptance_deadline) if cart_payment.acceptance_deadline else "",
            "territory": _territory(),
        }
    return outbox_email_send(to=[cart_payment.email], template="payment_authorised", context=context)


def payment_captured_email_send(*, cart_payment: CartPayment) -> OutboxEmail:
    """Tell the shopper what was charged: the accepted orders; for each order not charged, why (refused,
    cancelled, no answer in time); and that the rest of the authorisation is released."""
    payments = _cart_rows(cart_payment)
    released = max(cart_payment.amount_cents - cart_payment.captured_cents, 0)
    with translation.override(settings.LANGUAGE_CODE):  # amounts and days as the email's language writes them
        rows = [_order_row(payment) for payment in payments]
        context = {
            "name": payments[0].order.customer_name if payments else "",
            "amount": euros_of_cents(cart_payment.captured_cents),
            "authorised": euros_of_cents(cart_payment.amount_cents),
            "charged": cart_payment.captured_cents > 0,
            "released": euros_of_cents(released) if released else "",
            "charged_orders": [row for row in rows if row["charged"]],
            "uncharged_orders": [row for row in rows if not row["charged"]],
            "territory": _territory(),
        }
    return outbox_email_send(to=[cart_payment.email], template="payment_captured", context=context)


def payment_refunded_email_send(*, order_payment: OrderPayment) -> OutboxEmail:
    """Tell the shopper an order's payment was refunded, why (not collected, cancelled), and when they see it."""
    order = Order.objects.select_related("shop").get(pk=order_payment.order_id)
    email = CartPayment.objects.filter(pk=order_payment.cart_payment_id).values_list("email", flat=True).first()
    with translation.override(settings.LANGUAGE_CODE):  # amounts as the email's language writes them
        context = {
            "name": order.customer_name,
            "amount": euros_of_cents(order_payment.refunded_cents or order_payment.captured_cents),
            "shop": order.shop.name,
            "code": order.pickup_code,
            "why": REFUNDED_WHY.get(order.status, "other"),
            "url": order_link_url(order=order),
            "territory": _territory(),
        }
    return outbox_email_send(to=[email or order.email], template="payment_refunded", context=context)
