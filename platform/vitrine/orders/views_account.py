"""A shopper's own orders, under /compte/commandes/: the list, one order with its history, cancelling it
(asked, then confirmed)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vitrine.orders import selectors
from vitrine.orders.models import Order
from vitrine.orders.views import order_cancel_step

ORDERS_PER_PAGE = 10


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.account_orders(user=request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/account/order_list.html", {"page": page})


def _own_order(request: HttpRequest, order_id: int) -> Order:
    order = selectors.account_order_get(user=request.user, order_id=order_id)
    if order is None:  # someone else's, or none at all: the same answer
        raise Http404
    return order


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    return render(
        request, "orders/account/order_detail.html", {"order": order, "history": selectors.order_history(order=order)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    """Ask to confirm (GET), then cancel (POST) one of the account's orders."""
    order = _own_order(request, order_id)
    back = reverse("account_order", kwargs={"order_id": order.pk})
    return order_cancel_step(request, order=order, proof=None, back=back) or redirect(back)
