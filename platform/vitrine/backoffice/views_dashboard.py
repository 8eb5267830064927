"""The territory dashboard, under /equipe/tableau-de-bord/: the period's figures against the previous period's,
charts drawn as SVG with their tables, and each table as CSV or XLSX. Territory staff only."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vitrine.backoffice.charts import bar_chart, column_chart
from vitrine.backoffice.dashboard import PERIOD_KINDS, dashboard, dashboard_lines, export_tables, period_choose
from vitrine.backoffice.exports import table_csv, table_xlsx
from vitrine.common.money import euros
from vitrine.shops.permissions import staff_required


def _period(request: HttpRequest):
    return period_choose(request.GET.get("periode", ""), start=request.GET.get("du", ""), end=request.GET.get("au", ""))


@staff_required
def staff_dashboard(request: HttpRequest) -> HttpResponse:
    period, kind, error = _period(request)
    board = dashboard(period=period)
    days = board.days
    labels = [date_format(d.day, "j/m") for d in days]
    sales_chart = column_chart(
        [d.sales for d in days],
        labels,
        [f"{date_format(d.day, 'j F')} : {euros(d.sales)}" for d in days],
        peak=euros(max((d.sales for d in days), default=Decimal(0))),
    )
    visits_chart = column_chart(
        [d.visits for d in days],
        labels,
        [f"{date_format(d.day, 'j F')} : {d.visits}" for d in days],
        peak=str(max((d.visits for d in days), default=0)),
    )
    query = request.GET.urlencode()
    return render(
        request,
        "backoffice/dashboard.html",
        {
            "board": board,
            "lines": dashboard_lines(board),
            "period": period,
            "previous": period.previous,
            "kind": kind,
            "kinds": list(PERIOD_KINDS.items()),
            "start": request.GET.get("du", ""),
            "end": request.GET.get("au", ""),
            "error": error,
            "sales_chart": sales_chart,
            "visits_chart": visits_chart,
            "searches_chart": bar_chart([(s.query, s.count) for s in board.top_searches]),
            "empty_chart": bar_chart([(s.query, s.count) for s in board.top_empty_searches]),
            "query": query,
        },
        status=400 if error else 200,
    )


@staff_required
def staff_dashboard_export(request: HttpRequest, table: str, extension: str) -> HttpResponse:
    period, _kind, _error = _period(request)
    tables = export_tables(dashboard(period=period))
    if table not in tables:
        raise Http404(_("No such table."))
    title, header, rows = tables[table]
    name = f"tableau-de-bord-{table}-{period.start.isoformat()}-{period.last.isoformat()}.{extension}"
    if extension == "csv":
        response = HttpResponse(table_csv(rows, header=header), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            table_xlsx(rows, header=header, title=title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
