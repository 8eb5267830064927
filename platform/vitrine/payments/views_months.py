"""The month a report page shows: ?mois=YYYY-MM, or the current month where the territory is."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _

from vitrine.payments.selectors_reports import month_parse
from vitrine.shops.opening import territory_today


def month_asked(request: HttpRequest) -> tuple[date, str]:
    """The month in ?mois=YYYY-MM, or the current one; and the error to show for anything else."""
    today = territory_today().replace(day=1)
    raw = request.GET.get("mois", "").strip()
    if not raw:
        return today, ""
    month = month_parse(raw)
    if month is None:
        return today, _("“%(month)s” is not a month (year-month, e.g. 2026-12): here is this month.") % {
            "month": raw[:20]
        }
    return month, ""
