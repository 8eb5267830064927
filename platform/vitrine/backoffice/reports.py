"""The public monthly report (issue #12): a territory's month by shop category, published by its team, as a
page and an open-data CSV whose columns are described on the page. A cell covering fewer than 5 shops is
suppressed (left empty), so no single shop's figures can be read or worked out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vitrine.audit.services import audit_record
from vitrine.backoffice.dashboard import Period, month_start
from vitrine.backoffice.models import PublishedReport
from vitrine.catalog.models import Category
from vitrine.orders.models import Order
from vitrine.shops.models import Shop

SMALLEST_GROUP = 5  # a cell covering fewer shops is suppressed

# The open-data CSV's columns: name, type, meaning (shown on the report's page).
COLUMNS = [
    ("mois", gettext_lazy("text (YYYY-MM)"), gettext_lazy("The month of the report.")),
    ("categorie", gettext_lazy("text"), gettext_lazy("The shops' main category; “Total” for the whole territory.")),
    (
        "boutiques_listees",
        gettext_lazy("integer"),
        gettext_lazy("Approved shops of the category at the time of publication."),
    ),
    (
        "boutiques_actives",
        gettext_lazy("integer"),
        gettext_lazy("Of those, shops with at least one order placed in the month."),
    ),
    ("commandes_retirees", gettext_lazy("integer"), gettext_lazy("Orders handed over to their buyer in the month.")),
    ("ventes_euros", gettext_lazy("decimal (comma)"), gettext_lazy("Total of those orders, in euros.")),
    (
        "panier_moyen_euros",
        gettext_lazy("decimal (comma)"),
        gettext_lazy("Sales divided by orders collected, in euros."),
    ),
    (
        "commandes_non_retirees",
        gettext_lazy("integer"),
        gettext_lazy("Orders whose pickup slot fell in the month and that nobody came for."),
    ),
]


@dataclass(frozen=True)
class ReportRow:
    category: str
    shops_listed: int | None
    shops_active: int | None
    collected: int | None
    sales: Decimal | None
    average_basket: Decimal | None
    not_collected: int | None
    suppressed: bool  # some cells were left empty

    def cells(self, month: date) -> list[Any]:
        return [
            month.strftime("%Y-%m"),
            self.category,
            self.shops_listed,
            self.shops_active,
            self.collected,
            self.sales,
            self.average_basket,
            self.not_collected,
        ]


def _row(category: str, listed: int, active: int, collected: int, sales: Decimal, not_collected: int, trading: int):
    """Shop counts cover the listed shops; order figures the shops that had an order in the month."""
    counts_ok, orders_ok = listed >= SMALLEST_GROUP, trading >= SMALLEST_GROUP
    return ReportRow(
        category=category,
        shops_listed=listed if counts_ok else None,
        shops_active=active if counts_ok else None,
        collected=collected if orders_ok else None,
        sales=sales if orders_ok else None,
        average_basket=(sales / collected).quantize(Decimal("0.01")) if orders_ok and collected else None,
        not_collected=not_collected if orders_ok else None,
        suppressed=not (counts_ok and orders_ok),
    )


def monthly_report(*, month: date) -> list[ReportRow]:
    """The month's rows, one per main category (alphabetical) then the territory's total: one query."""
    start, end = Period(month, month_start(month, 1)).bounds()
    sql = f"""
        SELECT COALESCE(parent.name, c.name) AS category,
            COUNT(DISTINCT s.id),
            COUNT(DISTINCT o.shop_id) FILTER (WHERE o.created_at >= %(start)s AND o.created_at < %(end)s),
            COUNT(o.id) FILTER (WHERE o.collected_at >= %(start)s AND o.collected_at < %(end)s),
            COALESCE(SUM(o.total) FILTER (WHERE o.collected_at >= %(start)s AND o.collected_at < %(end)s), 0),
            COUNT(o.id) FILTER (WHERE o.status = 'not_collected'
                                AND o.pickup_starts_at >= %(start)s AND o.pickup_starts_at < %(end)s),
            COUNT(DISTINCT o.shop_id)
        FROM {Shop._meta.db_table} s
        JOIN {Category._meta.db_table} c ON c.id = s.category_id
        LEFT JOIN {Category._meta.db_table} parent ON parent.id = c.parent_id
        LEFT JOIN {Order._meta.db_table} o ON o.shop_id = s.id AND (
            (o.created_at >= %(start)s AND o.created_at < %(end)s)
            OR (o.collected_at >= %(start)s AND o.collected_at < %(end)s)
            OR (o.pickup_starts_at >= %(start)s AND o.pickup_starts_at < %(end)s))
        WHERE s.status = 'approved'
        GROUP BY 1 ORDER BY 1
    """  # noqa: S608 (table names and constants; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "end": end})
        found = cursor.fetchall()
    rows = [_row(*row) for row in found]
    total = [sum(row[i] for row in found) for i in range(1, 7)]
    rows.append(_row(_("Total"), *(total or [0, 0, 0, Decimal(0), 0, 0])))
    return rows


def report_published(*, month: date) -> bool:
    return PublishedReport.objects.filter(month=month).exists()


def published_months() -> list[date]:
    return list(PublishedReport.objects.values_list("month", flat=True))


@transaction.atomic
def report_publish(*, month: date, actor) -> PublishedReport:
    """Publish the month's report (again: nothing changes)."""
    report, created = PublishedReport.objects.get_or_create(month=month, defaults={"published_by": actor})
    if created:
        audit_record(actor=actor, verb="report.publish", obj=report, payload={"month": str(report)})
    return report


@transaction.atomic
def report_unpublish(*, month: date, actor) -> None:
    """Take the month's report off the public site."""
    report = PublishedReport.objects.filter(month=month).first()
    if report is not None:
        audit_record(actor=actor, verb="report.unpublish", obj=report, payload={"month": str(report)})
        report.delete()
