"""The merchant's order board, phone first: today's pickups by slot, one tap per step, find at the counter."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from vitrine.orders import selectors, services
from vitrine.orders.models import Order
from vitrine.shops.permissions import merchant_required

ACTIONS = {
    "accepter": (services.order_accept, gettext_noop("Order %(code)s accepted.")),
    "prete": (services.order_mark_ready, gettext_noop("Order %(code)s is ready: the customer is told.")),
    "retiree": (services.order_mark_collected, gettext_noop("Order %(code)s collected. Thank you!")),
}


@merchant_required
def merchant_orders(request: HttpRequest) -> HttpResponse:
    """New orders first, then today's pickups by slot; or the orders matching a name or a code."""
    query = request.GET.get("q", "").strip()[:100]
    today = timezone.localtime(timezone.now(), selectors.territory_zone()).date()
    board = selectors.merchant_board(shop=request.shop, day=today, query=query)
    return render(request, "orders/merchant/board.html", {"board": board, "query": query, "shop": request.shop})


@merchant_required
@require_POST
def merchant_order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One tap: accept, ready ("C'est prêt"), collected; or refuse with a reason."""
    order = Order.objects.select_related("shop__commune").filter(shop=request.shop, pk=pk).first()
    if order is None:  # another shop's order: as if it did not exist
        raise Http404
    try:
        if action == "refuser":
            services.order_refuse(order=order, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Order %(code)s refused; the customer is told why.") % {"code": order.pickup_code})
        elif action in ACTIONS:
            service, done = ACTIONS[action]
            service(order=order, actor=request.user)
            messages.success(request, _(done) % {"code": order.pickup_code})
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, error.messages[0])
    query = request.POST.get("q", "")
    return redirect(reverse("merchant_orders") + (f"?{urlencode({'q': query})}" if query else ""))
