"""The territory team's order rules (/equipe/commandes/): when an order not collected is released."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vitrine.orders import selectors
from vitrine.orders.forms import OrderSettingsForm
from vitrine.orders.settings_services import order_settings_update
from vitrine.shops.permissions import staff_required
from vitrine.shops.views_merchant import errors_to_form


@staff_required
def staff_orders_settings(request: HttpRequest) -> HttpResponse:
    """Set the delay (1–30 days) after which an order not collected is released, and the reminder before it."""
    current = selectors.order_settings()
    initial = {"not_collected_after_days": current.not_collected_after_days,
               "reminder_days_before": current.reminder_days_before}
    form = OrderSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order_settings_update(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Order rules saved: the next check of orders not collected uses them."))
            return redirect("staff_orders_settings")
    return render(request, "orders/staff/settings.html", {"form": form, "settings": current},
                  status=400 if form.errors else 200)
