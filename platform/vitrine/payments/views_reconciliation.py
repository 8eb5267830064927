"""The territory team's reconciliation, under /equipe/paiements/rapprochement/: the payments authorised in a
month and where their money is now (captured, released, transferred, commission, refunded, disputed), in
total and per shop, and whether it adds up to the cent. Territory staff only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vitrine.payments.selectors_reports import month_shift, reconciliation
from vitrine.payments.views_months import month_asked
from vitrine.shops.permissions import staff_required


@staff_required
def staff_reconciliation(request: HttpRequest) -> HttpResponse:
    month, error = month_asked(request)
    return render(
        request,
        "payments/reconciliation/reconciliation.html",
        {
            "report": reconciliation(month=month),
            "month": month,
            "error": error,
            "previous": month_shift(month, -1),
            "next": month_shift(month, 1),
        },
        status=400 if error else 200,
    )
