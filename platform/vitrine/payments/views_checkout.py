"""The checkout with its online payment step: the choice of how to pay, the payment page, the return from it."""

from __future__ import annotations

import uuid

import stripe
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vitrine.common.throttling import email_key, throttle
from vitrine.orders.checkout import CheckoutError, order_place
from vitrine.orders.models import Order
from vitrine.orders.views import checkout_orders_of, checkout_page
from vitrine.payments import selectors, settlement, stripe_api
from vitrine.payments.checkout import cart_payment_open
from vitrine.payments.models import CartPayment, OrderPayment
from vitrine.payments.selectors import ONLINE, PICKUP

# The shopper's choice where a shop takes both.
CHOICE_FIELD = "payment"


class OnlineCheckout:
    """orders.views.CheckoutPayment: each shop's payment modes, the shopper's choice, the payment page after."""

    def __init__(self) -> None:
        self.modes: dict[int, frozenset[str]] = {}

    def _modes(self, summary) -> dict[int, frozenset[str]]:
        """Each shop of the cart's payment modes (read once per request)."""
        if not self.modes and summary.groups:
            shops = [group.shop for group in summary.groups]
            policy = selectors.payment_settings()
            rows = selectors.shop_payments_for(shop_ids=[shop.pk for shop in shops])
            self.modes = {
                shop.pk: selectors.shop_payment_modes(shop=shop, policy=policy, row=rows[shop.pk]) for shop in shops
            }
        return self.modes

    def online_shop_ids(self, summary, choice: str) -> set[int]:
        """The shops paid online: those that take only online payment, and those that take both if chosen."""
        return {
            shop_id
            for shop_id, modes in self._modes(summary).items()
            if ONLINE in modes and (choice == ONLINE or PICKUP not in modes)
        }

    def context(self, request: HttpRequest, summary, context: dict) -> dict:
        modes = self._modes(summary)
        chosen = (context.get("posted") or {}).get(CHOICE_FIELD) or ONLINE
        for item in context["groups"]:
            item["modes"] = modes[item["group"].shop.pk]
            item["online"] = ONLINE in item["modes"] and (chosen == ONLINE or PICKUP not in item["modes"])
        online_total = sum((item["group"].subtotal for item in context["groups"] if item["online"]), start=0)
        context.update(
            {
                "payment_any_online": any(ONLINE in m for m in modes.values()),
                "payment_choice": chosen,
                "payment_can_choose": any(m == {ONLINE, PICKUP} for m in modes.values()),
                "payment_online_total": online_total,
                "payment_pickup_total": summary.total - online_total,
            }
        )
        return context

    def place(self, request: HttpRequest, summary, **place_kwargs) -> list[Order]:
        choice = request.POST.get(CHOICE_FIELD, ONLINE)
        if choice not in (ONLINE, PICKUP):
            raise CheckoutError(_("Choose how to pay."))
        online = self.online_shop_ids(summary, choice)
        with transaction.atomic():  # the orders and their payment page, or nothing
            orders = order_place(**place_kwargs, online_shop_ids=online)
            paid_online = [order for order in orders if order.paid_online]
            if paid_online and not CartPayment.objects.filter(checkout_key=orders[0].idempotency_key).exists():
                key = orders[0].idempotency_key
                cart_payment_open(
                    orders=orders,
                    success_url=request.build_absolute_uri(reverse("payment_return", kwargs={"key": key}))
                    + "?session_id={CHECKOUT_SESSION_ID}",
                    cancel_url=request.build_absolute_uri(reverse("payment_page", kwargs={"key": key})),
                )
        return orders

    def next_page(self, request: HttpRequest, orders: list[Order]) -> HttpResponse | None:
        cart_payment = CartPayment.objects.filter(checkout_key=orders[0].idempotency_key).first()
        if cart_payment is None or cart_payment.status != CartPayment.Status.OPEN:
            return None
        return redirect(cart_payment.checkout_url)


@throttle("checkout", key="user_or_ip")
@throttle("checkout_email", key=email_key("email"))
def checkout(request: HttpRequest) -> HttpResponse:
    """The checkout: with the online payment step when this deployment and a shop of the cart take it."""
    if not stripe_api.online_payment_configured():
        return checkout_page(request)
    return checkout_page(request, payment=OnlineCheckout())


def _cart_payment_of(request: HttpRequest, key: uuid.UUID) -> CartPayment:
    """The checkout's payment, for the one who placed it only (orders' rule: this session, or their account)."""
    checkout_orders_of(request, key)  # 404 for anyone else
    cart_payment = CartPayment.objects.filter(checkout_key=key).first()
    if cart_payment is None:
        raise Http404
    return cart_payment


@require_GET
def payment_page(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    """Where a checkout's online payment stands: to pay (again), being confirmed, or closed."""
    cart_payment = _cart_payment_of(request, key)
    if cart_payment.status in (CartPayment.Status.AUTHORISED, CartPayment.Status.CAPTURED):
        return redirect("checkout_done", key=key)
    parts = list(cart_payment.order_payments.select_related("order__shop").order_by("id"))
    return render(
        request,
        "payments/payment_page.html",
        {"cart_payment": cart_payment, "parts": parts, "key": key, "amount": cart_payment.amount_cents / 100},
    )


@require_GET
@throttle("payment_return", key="user_or_ip", method=None)
def payment_return(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    """Back from Stripe's payment page: place the orders now if the payment is authorised (the webhook may be later)."""
    cart_payment = _cart_payment_of(request, key)
    try:
        settlement.cart_payment_sync(cart_payment=cart_payment)
    except (stripe_api.StripeUnavailable, stripe.StripeError):
        pass  # the webhook will tell; the payment page says where it stands
    cart_payment.refresh_from_db()
    if cart_payment.status in (CartPayment.Status.AUTHORISED, CartPayment.Status.CAPTURED):
        if cart_payment.order_payments.exclude(status=OrderPayment.Status.EXCLUDED).exists():
            messages.success(request, _("Your payment is authorised: the shops have your orders."))
        return redirect("checkout_done", key=key)
    return redirect("payment_page", key=key)
