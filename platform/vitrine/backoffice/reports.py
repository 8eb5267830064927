"""The public monthly report (issue #12): a territory's month by shop category, published by its team, as a
page and an open-data CSV whose columns are described on the page. A cell covering fewer than 5 shops is
suppressed (left empty), so no single shop's figures can be read or worked out: neither directly nor by
taking the rows shown away from the total (the rows withheld together always cover at least 5 shops).

A published report is frozen: its rows are kept as they were at publication, so the figures the public
downloaded do not change under them when an order of that month changes state later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vitrine.audit.services import audit_record
from vitrine.backoffice.dashboard import Period, month_start
from vitrine.backoffice.models import PublishedReport
from vitrine.catalog.models import Category
from vitrine.orders.models import Order
from vitrine.shops.models import Shop
from vitrine.shops.opening import territory_today
from vitrine.shops.permissions import staff_check
from vitrine.tenancy.models import Territory
from vitrine.tenancy.routing import routing_invalidate

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

    def frozen(self) -> dict[str, Any]:
        """The row as JSON keeps it (amounts as strings, exact)."""
        return {name: (str(value) if isinstance(value, Decimal) else value) for name, value in self.__dict__.items()}

    @classmethod
    def thawed(cls, data: dict[str, Any]) -> ReportRow:
        amounts = ("sales", "average_basket")
        values: dict[str, Any] = {k: (Decimal(v) if k in amounts and v is not None else v) for k, v in data.items()}
        return cls(**values)

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


def _withheld(sizes: list[int]) -> set[int]:
    """The rows whose cells are withheld, given how many shops each covers: those of 1 to 4 shops, and,
    when these together cover fewer than 5 (the total minus the rows shown would give them away), the
    smallest rows shown until they do. A cell of no shop tells nothing of any (`_rows` decides)."""
    hidden = {i for i, size in enumerate(sizes) if 0 < size < SMALLEST_GROUP}
    shown = sorted((i for i in range(len(sizes)) if sizes[i] and i not in hidden), key=lambda i: (sizes[i], i))
    while hidden and shown and sum(sizes[i] for i in hidden) < SMALLEST_GROUP:
        hidden.add(shown.pop(0))
    return hidden


def _rows(found: list[tuple]) -> list[ReportRow]:
    """Each (category, listed, active, collected, sales, not collected, shops that handed orders over,
    shops with an order not collected) as a row, then the total. Each cell is withheld by the shops it
    covers: the shop counts by the listed shops, the orders handed over (count, sales, basket) by the
    shops that handed some over, the orders not collected by the shops that had one."""
    total = ("", *(sum(row[i] for row in found) for i in range(1, 8))) if found else ("", 0, 0, 0, Decimal(0), 0, 0, 0)
    hidden = {
        "counts": _withheld([row[1] for row in found]),
        "handed": _withheld([row[6] for row in found]),
        "missed": _withheld([row[7] for row in found]),
    }
    rows = []
    for i, (category, listed, active, collected, sales, not_collected, handing, missing) in enumerate([*found, total]):
        is_total = i == len(found)

        counts_ok = listed >= SMALLEST_GROUP if is_total else i not in hidden["counts"]

        def shown(group: str, shops: int) -> bool:
            if not shops:  # nothing to tell of any shop, as long as the shops are not too few
                return counts_ok  # noqa: B023 (used at once)
            return shops >= SMALLEST_GROUP if is_total else i not in hidden[group]  # noqa: B023 (used at once)

        handed_ok, missed_ok = shown("handed", handing), shown("missed", missing)
        rows.append(
            ReportRow(
                category=_("Total") if is_total else category,
                shops_listed=listed if counts_ok else None,
                shops_active=active if counts_ok else None,
                collected=collected if handed_ok else None,
                sales=sales if handed_ok else None,
                average_basket=(sales / collected).quantize(Decimal("0.01")) if handed_ok and collected else None,
                not_collected=not_collected if missed_ok else None,
                suppressed=not (counts_ok and handed_ok and missed_ok),
            )
        )
    return rows


def monthly_report(*, month: date) -> list[ReportRow]:
    """The month's rows as of now, one per main category (alphabetical) then the territory's total: one query."""
    start, end = Period(month, month_start(month, 1)).bounds()
    handed = "o.collected_at >= %(start)s AND o.collected_at < %(end)s"
    missed = "o.status = 'not_collected' AND o.pickup_starts_at >= %(start)s AND o.pickup_starts_at < %(end)s"
    sql = f"""
        SELECT COALESCE(parent.name, c.name) AS category,
            COUNT(DISTINCT s.id),
            COUNT(DISTINCT o.shop_id) FILTER (WHERE o.created_at >= %(start)s AND o.created_at < %(end)s
                                              AND o.{Order.PLACED_SQL}),
            COUNT(o.id) FILTER (WHERE {handed}),
            COALESCE(SUM(o.total) FILTER (WHERE {handed}), 0),
            COUNT(o.id) FILTER (WHERE {missed}),
            COUNT(DISTINCT o.shop_id) FILTER (WHERE {handed}),
            COUNT(DISTINCT o.shop_id) FILTER (WHERE {missed})
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
        return _rows(cursor.fetchall())


def published_report(*, month: date) -> list[ReportRow] | None:
    """The rows of the month's report as published (frozen then), or None when it is not public."""
    report = PublishedReport.objects.filter(month=month, public=True).first()
    if report is None:
        return None
    return [ReportRow.thawed(row) for row in report.rows] if report.rows else monthly_report(month=month)


def published_months() -> list[date]:
    return list(PublishedReport.objects.filter(public=True).values_list("month", flat=True))


def _footer_link_set(territory: Territory) -> None:
    """The footer of every page links to the reports while at least one is public."""
    public = PublishedReport.objects.filter(public=True).exists()
    if Territory.objects.filter(pk=territory.pk).exclude(reports_public=public).update(reports_public=public):
        transaction.on_commit(routing_invalidate)  # request.tenant comes from the routing cache


@transaction.atomic
def report_publish(*, territory: Territory, month: date, actor) -> PublishedReport:
    """Publish a finished month's report, its rows frozen as they are now (again: nothing changes).

    A report withdrawn then published again shows the rows of its first publication: two versions of
    one month side by side could tell the figures of a shop that left in between."""
    staff_check(actor)
    if month >= territory_today().replace(day=1):
        raise ValidationError(_("Only a finished month can be published."))
    report = PublishedReport.objects.select_for_update().filter(month=month).first()
    created = report is None
    if report is None:
        rows = [row.frozen() for row in monthly_report(month=month)]
        report = PublishedReport.objects.create(month=month, published_by=actor, rows=rows)
    elif not report.public:
        report.public, report.published_by = True, actor
        report.save(update_fields=["public", "published_by"])
        created = True
    if created:
        audit_record(actor=actor, verb="report.publish", obj=report, payload={"month": str(report)})
        _footer_link_set(territory)
    return report


@transaction.atomic
def report_unpublish(*, territory: Territory, month: date, actor) -> None:
    """Take the month's report off the public site."""
    staff_check(actor)
    report = PublishedReport.objects.select_for_update().filter(month=month, public=True).first()
    if report is not None:
        audit_record(actor=actor, verb="report.unpublish", obj=report, payload={"month": str(report)})
        report.public = False  # its frozen rows stay, for a later publication
        report.save(update_fields=["public"])
        _footer_link_set(territory)
