"""The monthly report: the team picks the months to publish (/equipe/rapports/), the public reads them on the
territory's host (/rapport/, /rapport/YYYY-MM/, /rapport/YYYY-MM.csv)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vitrine.backoffice.dashboard import month_start
from vitrine.backoffice.exports import table_csv
from vitrine.backoffice.reports import (
    COLUMNS,
    SMALLEST_GROUP,
    ReportRow,
    monthly_report,
    published_months,
    published_report,
    report_publish,
    report_unpublish,
)
from vitrine.shops.opening import territory_today
from vitrine.shops.permissions import staff_required


def _month(raw: str) -> date | None:
    try:
        year, month = raw.split("-")
        parsed = date(int(year), int(month), 1)
    except ValueError:
        return None
    return parsed if 2000 <= parsed.year < 3000 else None


def _context(month: date, rows: list[ReportRow]) -> dict:
    return {
        "month": month,
        "rows": rows,
        "columns": COLUMNS,
        "smallest": SMALLEST_GROUP,
    }


@staff_required
def staff_reports(request: HttpRequest) -> HttpResponse:
    """The last twelve finished months, each published or not; publish, withdraw, or preview one."""
    if request.method == "POST":
        return _publish(request)
    this_month = territory_today().replace(day=1)
    months = [month_start(this_month, -n) for n in range(1, 13)]
    published = set(published_months())
    preview = _month(request.GET.get("mois", "")) or months[0]
    # A published month shows what the public reads (its frozen rows); another, the figures as of now.
    rows = published_report(month=preview) if preview in published else None
    return render(
        request,
        "backoffice/reports.html",
        {
            "months": [(month, month in published) for month in months],
            "preview_published": rows is not None,
            **_context(preview, rows if rows is not None else monthly_report(month=preview)),
        },
    )


def _publish(request: HttpRequest) -> HttpResponse:
    month = _month(request.POST.get("mois", ""))
    if month is None:
        messages.error(request, _("Only a finished month can be published."))
        return redirect("staff_reports")
    if request.POST.get("action") == "withdraw":
        report_unpublish(territory=request.tenant, month=month, actor=request.user)
        messages.success(
            request, _("The report of %(month)s is no longer public.") % {"month": month.strftime("%m/%Y")}
        )
    else:
        try:
            report_publish(territory=request.tenant, month=month, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("staff_reports")
        messages.success(request, _("The report of %(month)s is public.") % {"month": month.strftime("%m/%Y")})
    return redirect(f"{request.path}?mois={month:%Y-%m}")


def public_reports(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/public_reports.html", {"months": published_months()})


def _published(month: str) -> tuple[date, list[ReportRow]]:
    parsed = _month(month)
    rows = published_report(month=parsed) if parsed is not None else None
    if parsed is None or rows is None:
        raise Http404(_("No report was published for this month."))
    return parsed, rows


def public_report(request: HttpRequest, month: str) -> HttpResponse:
    return render(request, "backoffice/public_report.html", _context(*_published(month)))


def public_report_csv(request: HttpRequest, month: str) -> HttpResponse:
    parsed, found = _published(month)
    rows = [row.cells(parsed) for row in found]
    response = HttpResponse(
        table_csv(rows, header=[name for name, _, _ in COLUMNS]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="rapport-{parsed:%Y-%m}.csv"'
    return response
