"""A shop's receipt for an order paid online: by the order's signed link (/commande/<token>/recu/) or from
the shopper's account (/compte/commandes/<id>/recu/). Whoever may see the order may see its receipt."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vitrine.orders import selectors as order_selectors
from vitrine.orders.models import Order
from vitrine.orders.views_link import order_link_view
from vitrine.payments.receipts import Receipt, order_receipt


def _receipt_page(request: HttpRequest, order: Order, *, back: str) -> HttpResponse:
    receipt = order_receipt(order=order)
    context = {"order": order, "back": back}
    if not isinstance(receipt, Receipt):
        # No receipt (yet, or paid at the counter): a plain page says why, to the one who may see the order.
        return render(request, "payments/receipt/unavailable.html", {**context, "reason": receipt})
    response = render(request, "payments/receipt/receipt.html", {**context, "receipt": receipt})
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@order_link_view
def order_receipt_link(request: HttpRequest, token: str, order: Order, proof) -> HttpResponse:
    return _receipt_page(request, order, back=reverse("order_link", kwargs={"token": token}))


@never_cache
@login_required
@require_GET
def account_order_receipt(request: HttpRequest, order_id: int) -> HttpResponse:
    order = order_selectors.account_order_get(user=request.user, order_id=order_id)
    if order is None:  # someone else's, or none at all: the same answer
        raise Http404
    return _receipt_page(request, order, back=reverse("account_order", kwargs={"order_id": order.pk}))
