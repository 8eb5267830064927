"""The merchant's orders, phone first: the live board (one tap per step, find at the counter),
the history, the day's summary and the shop's pickup settings. Own shop only."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from vitrine.common.forms import errors_to_form
from vitrine.orders import selectors
from vitrine.orders.forms import HistoryFilterForm, PickupSettingsForm
from vitrine.orders.lifecycle import order_accept, order_mark_collected, order_mark_ready, order_refuse
from vitrine.orders.models import Order
from vitrine.orders.settings_services import pickup_settings_update
from vitrine.shops.opening import territory_today
from vitrine.shops.permissions import merchant_required

ACTIONS = {
    "accepter": (order_accept, gettext_noop("Order %(code)s accepted.")),
    "prete": (order_mark_ready, gettext_noop("Order %(code)s is ready: the customer is told.")),
    "retiree": (order_mark_collected, gettext_noop("Order %(code)s collected. Thank you!")),
}
BOARD_REFRESH_SECONDS = 20
HISTORY_PAGE_SIZE = 20
SETTINGS_PREVIEW_SLOTS = 4


@merchant_required
def merchant_orders(request: HttpRequest) -> HttpResponse:
    """New orders first, then today's pickups by slot; or the orders matching a name or a code.

    Asked by htmx (every BOARD_REFRESH_SECONDS), it answers the live part of the board alone.
    """
    query = request.GET.get("q", "").strip()[:100]
    board = selectors.merchant_board(shop=request.shop, day=territory_today(), query=query)
    context = {"board": board, "query": query, "shop": request.shop, "refresh_seconds": BOARD_REFRESH_SECONDS}
    if request.headers.get("HX-Request") and not query:
        response = render(request, "orders/merchant/_board_live.html", context)
    else:
        response = render(request, "orders/merchant/board.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@merchant_required
@require_POST
def merchant_order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One tap: accept, ready ("C'est prêt"), collected; or refuse with a reason."""
    order = Order.objects.select_related("shop__commune").filter(shop=request.shop, pk=pk).first()
    if order is None:  # another shop's order: as if it did not exist
        raise Http404
    try:
        if action == "refuser":
            order_refuse(order=order, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(
                request, _("Order %(code)s refused; the customer is told why.") % {"code": order.pickup_code}
            )
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


@merchant_required
def merchant_orders_history(request: HttpRequest) -> HttpResponse:
    """Every order of the shop, latest pickup first: filter by status and pickup days, find by name or code."""
    form = HistoryFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.filters() if form.is_bound else selectors.HistoryFilters()
    orders = selectors.merchant_order_history(shop=request.shop, filters=filters)
    page = Paginator(orders, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    # The filters again in the pagination links (without the page number).
    kept = urlencode([(key, value) for key, value in request.GET.items() if key != "page" and value])
    return render(
        request,
        "orders/merchant/history.html",
        {
            "form": form,
            "page": page,
            "kept": kept,
            "shop": request.shop,
            "filtered": kept != "",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _day_asked(request: HttpRequest) -> tuple[date, str]:
    """The day in ?date=YYYY-MM-DD, or today in the territory's time zone; and an error to show."""
    raw = request.GET.get("date", "").strip()
    if not raw:
        return territory_today(), ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return territory_today(), _("“%(date)s” is not a date: here is today's summary.") % {"date": raw[:20]}
    if not selectors.day_in_range(day):
        first, last = selectors.DAY_RANGE
        return territory_today(), _(
            "“%(date)s” is too far off: choose a day between the years %(first)s and %(last)s. Here is today's summary."
        ) % {"date": raw[:20], "first": first.year, "last": last.year}
    return day, ""


@merchant_required
def merchant_orders_day(request: HttpRequest) -> HttpResponse:
    """The day's summary: orders by status for that day's pickups, money collected, what is left to do."""
    day, error = _day_asked(request)
    summary = selectors.merchant_day_summary(shop=request.shop, day=day)
    return render(
        request,
        "orders/merchant/day.html",
        {
            "summary": summary,
            "shop": request.shop,
            "error": error,
            "day_label": selectors.day_label(day),
            # No link past the days the page shows.
            "previous": day - timedelta(days=1) if day > selectors.DAY_RANGE[0] else None,
            "next": day + timedelta(days=1) if day < selectors.DAY_RANGE[1] else None,
            "is_today": day == territory_today(),
            "first_day": selectors.DAY_RANGE[0],
            "last_day": selectors.DAY_RANGE[1],
        },
        status=400 if error else 200,
    )


@merchant_required(owner_only=True)
def merchant_orders_settings(request: HttpRequest) -> HttpResponse:
    """The owner sets the preparation time, the slot length and the orders per slot."""
    current = selectors.pickup_settings_for(request.shop)
    form = PickupSettingsForm(request.POST or None, settings=current)
    if request.method == "POST" and form.is_valid():
        try:
            pickup_settings_update(shop=request.shop, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Pickup settings saved: the next orders get these slots."))
            return redirect("merchant_orders_settings")
    slots = [slot for slot in selectors.checkout_slots(shop=request.shop, settings=current) if not slot.is_full]
    return render(
        request,
        "orders/merchant/settings.html",
        {
            "form": form,
            "shop": request.shop,
            "settings": current,
            "preview": slots[:SETTINGS_PREVIEW_SLOTS],
        },
        status=400 if form.errors else 200,
    )
