"""Shoppers' cart and checkout pages. Thin: they read the request and call services and selectors."""

from __future__ import annotations

import uuid
from typing import Protocol

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vitrine.catalog.selectors import product_public_get_by_id
from vitrine.catalog.views_public import product_page_context
from vitrine.orders import selectors
from vitrine.orders.cart import cart_add as cart_add_service
from vitrine.orders.cart import cart_create, cart_merge_on_login, cart_set_quantity
from vitrine.orders.checkout import CheckoutKeyTaken, Guest, order_place
from vitrine.orders.lifecycle import order_cancel as order_cancel_service
from vitrine.orders.links import ShopperProof
from vitrine.orders.models import Cart, Order

SESSION_CART = "cart_token"
SESSION_CHECKOUTS = "checkouts_placed"
SESSION_COUNT = "cart_count"  # shown in the header of every page, without a query


def cart_of_request(request: HttpRequest, *, create: bool = False, merge: bool = True) -> Cart | None:
    """The visitor's cart: the account's when signed in (a visitor's cart is merged into it), else the session's."""
    token = request.session.get(SESSION_CART)
    user = request.user
    if user.is_authenticated:
        if token and merge:
            anonymous = Cart.objects.filter(token=token, user__isnull=True).first()
            del request.session[SESSION_CART]
            if anonymous is not None:
                return cart_merge_on_login(anonymous_cart=anonymous, user=user)
        cart = Cart.objects.filter(user=user).first()
        if cart is None and create:
            cart = cart_create(user=user)
        return cart
    cart = Cart.objects.filter(token=token, user__isnull=True).first() if token else None
    if cart is None and create:
        cart = cart_create()
        request.session[SESSION_CART] = str(cart.token)
    return cart


def _count_remember(request: HttpRequest, cart: Cart | None, count: int | None = None) -> None:
    count = selectors.cart_count(cart=cart) if count is None else count
    if request.session.get(SESSION_COUNT) != count:  # setting it, even unchanged, writes the session
        request.session[SESSION_COUNT] = count


def _back(request: HttpRequest, fallback: str = "cart"):
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(referer)
    return redirect(fallback)


def cart_detail(request: HttpRequest) -> HttpResponse:
    summary = selectors.cart_summary(cart=cart_of_request(request))
    _count_remember(request, summary.cart, summary.count)
    return render(request, "orders/cart.html", {"summary": summary})


@require_POST
def cart_add(request: HttpRequest, product_id: int) -> HttpResponse:
    cart = cart_of_request(request, create=True)
    try:
        line = cart_add_service(
            cart=cart,
            product_id=product_id,
            variant_id=request.POST.get("variant") or None,
            quantity=request.POST.get("quantity") or 1,
        )
    except ValidationError as error:
        field = getattr(error, "code", None)
        product = product_public_get_by_id(pk=product_id) if field in ("variant", "quantity") else None
        if product is None:
            messages.error(request, error.messages[0])
            return _back(request)
        # The product page again, the error beside the field at fault (a message at the top of
        # the page was far from the size selector, and not read as an error).
        context = product_page_context(product, preview=False)
        context["buy_error"] = {
            "field": field,
            "message": error.messages[0],
            "variant": request.POST.get("variant", "")[:20],
            "quantity": request.POST.get("quantity", "")[:10],
        }
        return render(request, "catalog/public/product_detail.html", context, status=400)
    _count_remember(request, cart)
    messages.success(request, _("“%(title)s” is in your cart.") % {"title": line.product.title})
    return redirect("cart")


@require_POST
def cart_line_update(request: HttpRequest, line_id: int) -> HttpResponse:
    cart = cart_of_request(request)
    if cart is None:
        messages.error(request, _("This line is no longer in your cart."))
        return redirect("cart")
    quantity = 0 if "remove" in request.POST else request.POST.get("quantity")
    try:
        cart_set_quantity(cart=cart, line_id=line_id, quantity=quantity)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    _count_remember(request, cart)
    return redirect("cart")


def _checkout_context(request: HttpRequest, summary, *, key: str, errors=(), posted=None) -> dict:
    groups = []
    for group in summary.groups:
        slots = selectors.checkout_slots(shop=group.shop)
        groups.append(
            {
                "group": group,
                "days": selectors.slots_by_day(slots),
                "chosen": (posted or {}).get(f"slot-{group.shop.pk}", ""),
            }
        )
    return {"summary": summary, "groups": groups, "key": key, "errors": list(errors), "posted": posted or {}}


class CheckoutPayment(Protocol):
    """What a payment step adds to the checkout (the payments app gives one; orders never imports it)."""

    def context(self, request: HttpRequest, summary, context: dict) -> dict:
        """The checkout page's context, with what the payment step shows (each shop's modes, the choice)."""
        ...

    def place(self, request: HttpRequest, summary, **place_kwargs) -> list[Order]:
        """Place the orders (orders.checkout.order_place's keyword arguments) with their payment, all or nothing."""
        ...

    def next_page(self, request: HttpRequest, orders: list[Order]) -> HttpResponse | None:
        """Where the shopper goes once the orders are placed (the payment page), or None: the confirmation."""
        ...


def checkout_page(request: HttpRequest, *, payment: CheckoutPayment | None = None) -> HttpResponse:
    """Pick a pickup slot per shop, give contact details (guests), place the orders; pay online if `payment`.

    Not a view by itself: the checkout's route (throttled) calls it, with the payment step
    when online payment is on.
    """
    cart = cart_of_request(request)
    summary = selectors.cart_summary(cart=cart)
    template = "payments/checkout.html" if payment is not None else "orders/checkout.html"

    def page(key: str, *, errors=(), posted=None, status: int = 200) -> HttpResponse:
        context = _checkout_context(request, summary, key=key, errors=errors, posted=posted)
        if payment is not None:
            context = payment.context(request, summary, context)
        return render(request, template, context, status=status)

    if request.method != "POST":
        if summary.is_empty:
            return redirect("cart")
        return page(str(uuid.uuid4()))
    key = request.POST.get("idempotency_key", "")
    guest = Guest(
        name=request.POST.get("name", ""), email=request.POST.get("email", ""), phone=request.POST.get("phone", "")
    )
    slots = {group.shop.pk: request.POST.get(f"slot-{group.shop.pk}", "") for group in summary.groups}
    place_kwargs = {
        "cart": cart or Cart(),
        "customer": request.user if request.user.is_authenticated else None,
        "guest": guest,
        "slots": slots,
        "idempotency_key": key,
    }
    try:
        orders = payment.place(request, summary, **place_kwargs) if payment is not None else order_place(**place_kwargs)
    except CheckoutKeyTaken as error:
        if key in request.session.get(SESSION_CHECKOUTS, []):  # theirs, placed before they signed in
            return redirect("checkout_done", key=key)
        # Someone else's checkout: said plainly, nothing of it shown; a fresh form to order.
        if summary.is_empty:
            messages.error(request, error.messages[0])
            return render(request, "orders/cart.html", {"summary": summary}, status=409)
        return page(str(uuid.uuid4()), errors=error.messages, posted=request.POST, status=409)
    except ValidationError as error:
        if summary.is_empty and not error.messages:
            return redirect("cart")
        return page(key, errors=error.messages, posted=request.POST, status=422)
    _count_remember(request, cart, 0)
    placed = request.session.get(SESSION_CHECKOUTS, [])
    if str(orders[0].idempotency_key) not in placed:
        request.session[SESSION_CHECKOUTS] = (placed + [str(orders[0].idempotency_key)])[-20:]
    following = payment.next_page(request, orders) if payment is not None else None
    return following or redirect("checkout_done", key=orders[0].idempotency_key)


def _placed_here(request: HttpRequest, key: uuid.UUID) -> bool:
    """Whether this browser session placed the checkout `key` (kept in the session when placed)."""
    return str(key) in request.session.get(SESSION_CHECKOUTS, [])


def checkout_orders_of(request: HttpRequest, key: uuid.UUID) -> list:
    """The orders of a checkout, for the one who placed them (same session, or their account); else 404."""
    orders = selectors.orders_for_checkout(idempotency_key=key)
    mine = _placed_here(request, key) or (
        request.user.is_authenticated and orders and all(o.customer_id == request.user.pk for o in orders)
    )
    if not orders or not mine:
        raise Http404
    return orders


def checkout_done(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    orders = checkout_orders_of(request, key)
    cancelled = [order for order in orders if order.status == Order.Status.CANCELLED]
    return render(
        request,
        "orders/checkout_done.html",
        {
            "orders": orders,
            "key": key,
            "all_cancelled": len(cancelled) == len(orders),
            "any_cancelled": bool(cancelled),
            "any_awaiting": any(order.awaits_pickup for order in orders),
        },
    )


def order_cancel_step(
    request: HttpRequest, *, order: Order, proof: ShopperProof | None, back: str
) -> HttpResponse | None:
    """Ask "cancel this order?" (GET) or cancel it (POST), for the shopper's three ways to an order.

    Returns the page to show, or None once the POST is handled (the caller redirects to `back`).
    """
    if request.method != "POST":
        if not order.can_be_cancelled_by_shopper:  # an old tab: the order's page says where it is
            if order.status != Order.Status.CANCELLED:
                messages.error(request, _("This order can no longer be cancelled."))
            return redirect(back)
        return render(request, "orders/order_cancel_confirm.html", {"order": order, "back": back})
    try:
        order_cancel_service(order=order, actor=request.user if request.user.is_authenticated else None, proof=proof)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Your order at %(shop)s is cancelled.") % {"shop": order.shop.name})
    return None


@require_http_methods(["GET", "POST"])
def order_cancel(request: HttpRequest, key: uuid.UUID, order_id: int) -> HttpResponse:
    order = next((o for o in checkout_orders_of(request, key) if o.pk == order_id), None)
    if order is None:
        raise Http404
    proof = ShopperProof(order_id=order.pk, via="session") if _placed_here(request, key) else None
    back = reverse("checkout_done", kwargs={"key": key})
    return order_cancel_step(request, order=order, proof=proof, back=back) or redirect(back)
