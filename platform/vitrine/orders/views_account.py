"""A shopper's own orders, under /compte/commandes/: the list, one order with its history, cancelling it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vitrine.orders import selectors
from vitrine.orders.lifecycle import order_cancel as order_cancel_service
from vitrine.orders.models import Order

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
    history = [(Order.Status(event.to_status).label, event.created_at) for event in order.events.all()]
    return render(
        request,
        "orders/account/order_detail.html",
        {
            "order": order,
            "history": history,
        },
    )


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    try:
        order_cancel_service(order=order, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Your order at %(shop)s is cancelled.") % {"shop": order.shop.name})
    return redirect("account_order", order_id=order.pk)
