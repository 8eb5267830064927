"""The territory team's payment page, /equipe/paiements/: every shop's Stripe account, and the policy
(modes offered, commission, how long shops have to accept an order paid online)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from vitrine.common.forms import errors_to_form, form_render
from vitrine.payments.forms import PaymentSettingsForm
from vitrine.payments.selectors import AccountState, payment_settings, shop_account_lines
from vitrine.payments.services_policy import payment_settings_update
from vitrine.payments.stripe_api import online_payment_configured
from vitrine.shops.permissions import staff_required

STATE_FILTERS = [
    AccountState.NOT_STARTED,
    AccountState.IN_PROGRESS,
    AccountState.REVIEW,
    AccountState.ACTIVE,
    AccountState.REJECTED,
    AccountState.DISCONNECTED,
]


@staff_required
def staff_payments(request: HttpRequest) -> HttpResponse:
    """Every shop's state with Stripe (filtered by state), and the territory's payment policy form."""
    current = payment_settings()
    form = PaymentSettingsForm(request.POST or None, initial=PaymentSettingsForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            payment_settings_update(actor=request.user, **form.policy())
        except ValidationError as exc:
            errors_to_form(form, exc, fields=PaymentSettingsForm.SERVICE_FIELDS)
        else:
            messages.success(request, _("Payment rules saved: the next orders follow them."))
            return redirect("staff_payments")
    state = request.GET.get("etat") or ""
    if state not in STATE_FILTERS:
        state = ""
    lines = shop_account_lines()
    counts = {value: 0 for value in STATE_FILTERS}
    for line in lines:
        counts[line.state] += 1
    context = {
        "form": form,
        "settings": current,
        "configured": online_payment_configured(),
        "lines": [line for line in lines if not state or line.state == state],
        "state": state,
        "states": [(value, AccountState.LABELS[value], counts[value]) for value in STATE_FILTERS],
        "total": len(lines),
    }
    return form_render(request, "payments/staff/payments.html", context, form)
