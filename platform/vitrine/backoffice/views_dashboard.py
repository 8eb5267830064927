"""The territory dashboard, under /equipe/tableau-de-bord/: the period's figures against the previous period's,
charts drawn as SVG with their tables, and each table as CSV or XLSX. Territory staff only."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from vitrine.backoffice.charts import bar_chart, bar_chart_svg, column_chart, column_chart_svg
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
    names = [date_format(d.day, "D j F") for d in days]  # once per day: the charts' bars and the table's rows
    labels = [f"{d.day.day}/{d.day.month:02d}" for d in days]
    sales = [euros(d.sales) for d in days]
    sales_chart = column_chart(
        [d.sales for d in days],
        labels,
        [f"{name} : {amount}" for name, amount in zip(names, sales)],
        peak=euros(max((d.sales for d in days), default=Decimal(0))),
    )
    visits_chart = column_chart(
        [d.visits for d in days],
        labels,
        [f"{name} : {d.visits}" for name, d in zip(names, days)],
        peak=str(max((d.visits for d in days), default=0)),
    )
    captions = {
        "sales": _("Sales per day (orders collected)"),
        "visits": _("Page views per day"),
        "top": _("Most frequent searches"),
        "empty": _("Searches that found nothing"),
    }
    day_rows = mark_safe(  # noqa: S308 (every cell escaped)
        "".join(
            f'<tr><th scope="row">{escape(name)}</th><td>{d.placed}</td><td>{d.collected}</td>'
            f"<td>{escape(amount)}</td><td>{d.visits}</td><td>{d.searches}</td></tr>"
            for name, amount, d in zip(names, sales, days)
        )
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
            "captions": captions,
            "day_rows": day_rows,
            "sales_svg": column_chart_svg(sales_chart, id="chart-sales", caption=captions["sales"], tone="tone-sales"),
            "visits_svg": column_chart_svg(
                visits_chart, id="chart-visits", caption=captions["visits"], tone="tone-visits"
            ),
            "searches_svg": bar_chart_svg(
                bar_chart([(s.query, s.count) for s in board.top_searches]),
                id="chart-searches",
                caption=captions["top"],
                tone="tone-visits",
            )
            if board.top_searches
            else "",
            "empty_svg": bar_chart_svg(
                bar_chart([(s.query, s.count) for s in board.top_empty_searches]),
                id="chart-empty",
                caption=captions["empty"],
                tone="tone-empty",
            )
            if board.top_empty_searches
            else "",
            "query": query,
        },
        status=400 if error else 200,
    )


@staff_required
def staff_dashboard_export(request: HttpRequest, table: str, extension: str) -> HttpResponse:
    period, _kind, _error = _period(request)
    tables = export_tables(dashboard(period=period))
    if table not in tables or extension not in ("csv", "xlsx"):
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
