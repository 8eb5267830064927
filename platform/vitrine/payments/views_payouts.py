"""A shop's payouts, under /pro/paiement/versements/: what the marketplace transferred to it for its orders
paid online (amount less commission), month by month, and the CSV export. The shop's members, own shop only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from vitrine.common.money import decimal_of_cents
from vitrine.imports.spreadsheets import csv_write
from vitrine.payments.models import OrderPayment
from vitrine.payments.selectors_reports import (
    month_shift,
    reversed_cents,
    shop_online_payments,
    shop_payout_months,
    shop_payouts,
)
from vitrine.payments.views_months import month_asked
from vitrine.shops.opening import territory_zone
from vitrine.shops.permissions import merchant_required


@merchant_required
def merchant_payouts(request: HttpRequest) -> HttpResponse:
    """The month's transfers (the current month unless ?mois=), and every month's totals."""
    month, error = month_asked(request)
    months = shop_payout_months(shop=request.shop)
    payouts = list(shop_payouts(shop=request.shop, month=month))
    return render(
        request,
        "payments/payouts/payouts.html",
        {
            "shop": request.shop,
            "month": month,
            "error": error,
            "months": months,
            "current": next((row for row in months if row.month == month), None),
            "payouts": [(payout, reversed_cents(payout)) for payout in payouts],
            "previous": month_shift(month, -1),
            "next": month_shift(month, 1),
        },
        status=400 if error else 200,
    )


def _day(moment) -> str:
    return formats.date_format(timezone.localtime(moment, territory_zone()), "d/m/Y") if moment else ""


@merchant_required
def merchant_payouts_export(request: HttpRequest) -> HttpResponse:
    """The orders paid online as a CSV for French Excel: those transferred in ?mois=YYYY-MM, or all of them."""
    everything = not request.GET.get("mois")
    month, error = month_asked(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    payments = shop_online_payments(shop=request.shop, month=None if everything else month)
    header = [
        _("Order date"),
        _("Order code"),
        _("Customer"),
        _("Status"),
        _("Order amount (€)"),
        _("Charged (€)"),
        _("Commission (€)"),
        _("Transferred (€)"),
        _("Transfer date"),
        _("Reversed (€)"),
        _("Refunded (€)"),
        _("Refund date"),
    ]
    rows = [
        [
            _day(payment.order.created_at),
            payment.order.pickup_code,
            payment.order.customer_name,
            str(OrderPayment.Status(payment.status).label),
            decimal_of_cents(payment.amount_cents),
            decimal_of_cents(payment.captured_cents),
            decimal_of_cents(payment.commission_cents),
            decimal_of_cents(payment.transferred_cents),
            _day(payment.transferred_at),
            decimal_of_cents(reversed_cents(payment)),
            decimal_of_cents(payment.refunded_cents),
            _day(payment.refunded_at),
        ]
        for payment in payments
    ]
    name = f"paiements-en-ligne-{request.shop.slug}" + ("" if everything else f"-{month:%Y-%m}")
    response = HttpResponse(csv_write(rows, header=header), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
