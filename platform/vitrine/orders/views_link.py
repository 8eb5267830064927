"""An order reached by the signed link of its emails, under /commande/<token>/: no account, any device.

Whoever holds the link is taken for the order's shopper (orders.links): they see the order and
may cancel it while the shop has not got it ready. A link that is not an order's answers the
territory's plain 404; a genuine one past its time a 410 that names nothing of the order.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from vitrine.orders import selectors
from vitrine.orders.links import OrderLinkExpired, OrderLinkInvalid, order_by_link
from vitrine.orders.views import order_cancel_step


def order_link_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open the link's order for `view(request, token, order, proof)`, or answer 404 / 410.

    The pages reached by an order's link (here, and the payments app's receipt) wear it.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        try:
            order, proof = order_by_link(token=token)
        except OrderLinkExpired:
            context = {
                "error_title": _("This link has expired"),
                "error_text": _(
                    "For your safety, the link to an order works for a limited time. The shop that has your "
                    "order can help, and with an account your orders are under “My account”."
                ),
            }
            response = render(request, "territory/error.html", context, status=410)
        except OrderLinkInvalid:
            raise Http404 from None
        else:
            response = view(request, token, order, proof)
        # The token is the key to the order: kept out of caches, search engines and other sites' logs
        # (not "no-referrer": the browser would then send "Origin: null" with the cancel form, and
        # the CSRF check refuses it).
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapper)


@require_http_methods(["GET"])
@order_link_view
def order_link(request: HttpRequest, token: str, order, proof) -> HttpResponse:
    return render(
        request,
        "orders/link/order.html",
        {"order": order, "token": token, "history": selectors.order_history(order=order)},
    )


@require_http_methods(["GET", "POST"])
@order_link_view
def order_link_cancel(request: HttpRequest, token: str, order, proof) -> HttpResponse:
    back = reverse("order_link", kwargs={"token": token})
    return order_cancel_step(request, order=order, proof=proof, back=back) or redirect(back)
