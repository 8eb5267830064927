"""The territory dashboard's figures (issue #12): what the marketplace did over a period, beside the period
of the same length just before.

Aggregated in SQL: `dashboard(period=...)` first brings the summary of orders per day up to date
(backoffice.summary: the days whose orders changed since it last looked), then reads six queries whatever
the period and the number of orders (orders' counts, takings and checkouts from the summary's days, buyers
from its buyer-days, the days, shops and products, visits and searches, the top searches). Every boundary is midnight in the territory's time zone; a period is [start, end)
in days, `end` excluded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vitrine.backoffice.models import DashboardBuyerDay, DashboardDay
from vitrine.backoffice.summary import summary_refresh
from vitrine.catalog.models import Product
from vitrine.metrics.models import DailyCount
from vitrine.orders.models import Order
from vitrine.shops.models import Shop
from vitrine.shops.opening import territory_today, territory_zone

# The choices of the period selector (?periode=...); "perso" takes ?du= and ?au= (both days included).
PERIOD_KINDS = {
    "mois": gettext_lazy("This month"),
    "mois-dernier": gettext_lazy("Last month"),
    "7": gettext_lazy("Last 7 days"),
    "30": gettext_lazy("Last 30 days"),
    "90": gettext_lazy("Last 90 days"),
    "perso": gettext_lazy("Custom range"),
}
LONGEST_PERIOD_DAYS = 366
EARLIEST = date(2000, 1, 1)  # a custom range starts no earlier
ACTIVE_DAYS = 30  # a shop is active with an order in the 30 days before the period's end
TOP_SEARCHES = 10


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # the day after the last

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start)

    def bounds(self) -> tuple[datetime, datetime]:
        """Midnight of the first day and of the day after the last, where the territory is."""
        zone = territory_zone()
        return (
            datetime(self.start.year, self.start.month, self.start.day, tzinfo=zone),
            datetime(self.end.year, self.end.month, self.end.day, tzinfo=zone),
        )


@dataclass(frozen=True)
class MonthPeriod(Period):
    """A month from its first day (this month: to today): compared with the month before, from its first day
    for as many days (1–28 February against 1–28 January, not the 28 days before 1 February)."""

    @property
    def previous(self) -> Period:
        first = month_start(self.start, -1)
        return Period(first, min(first + timedelta(days=self.days), self.start))


def month_start(day: date, months: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_choose(kind: str, *, start: str = "", end: str = "", today: date | None = None) -> tuple[Period, str, str]:
    """The period asked for (kind, and the days of a custom range), its kind, and an error for a bad one
    (then the last 30 days)."""
    today = today or territory_today()
    if kind == "mois":
        return MonthPeriod(today.replace(day=1), today + timedelta(days=1)), kind, ""
    if kind == "mois-dernier":
        return MonthPeriod(month_start(today, -1), today.replace(day=1)), kind, ""
    if kind in ("7", "90"):
        return Period(today - timedelta(days=int(kind) - 1), today + timedelta(days=1)), kind, ""
    if kind == "perso":
        try:
            first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
        except ValueError:
            error = _(
                "Give both days of the range as dates (e.g. 2026-11-01 and 2026-11-30): here are the last 30 days."
            )
        else:
            if not (EARLIEST <= first and last <= today + timedelta(days=LONGEST_PERIOD_DAYS)):
                error = _("Give days between 2000 and next year: here are the last 30 days.")
            elif last < first:
                error = _("The range ends before it starts: here are the last 30 days.")
            elif (last - first).days >= LONGEST_PERIOD_DAYS:
                error = _("A range covers at most 366 days: here are the last 30 days.")
            else:
                return Period(first, last + timedelta(days=1)), kind, ""
        return Period(today - timedelta(days=29), today + timedelta(days=1)), "30", error
    return Period(today - timedelta(days=29), today + timedelta(days=1)), "30", ""


@dataclass(frozen=True)
class Figures:
    """One period's figures."""

    sales: Decimal = Decimal("0.00")
    placed: int = 0
    accepted: int = 0
    collected: int = 0
    refused: int = 0
    refused_stock: int = 0
    not_collected: int = 0
    checkouts: int = 0
    multi_shop_checkouts: int = 0
    buyers: int = 0
    returning_buyers: int = 0
    shops_active: int = 0
    shops_never_ordered: int = 0
    products_fresh: int = 0
    visits: int = 0
    searches: int = 0
    searches_empty: int = 0

    @property
    def no_show_rate(self) -> Decimal | None:
        return _ratio(self.not_collected, self.collected + self.not_collected)

    @property
    def multi_shop_share(self) -> Decimal | None:
        return _ratio(self.multi_shop_checkouts, self.checkouts)

    @property
    def average_basket(self) -> Decimal | None:
        return (self.sales / self.collected).quantize(Decimal("0.01")) if self.collected else None

    @property
    def repeat_rate(self) -> Decimal | None:
        return _ratio(self.returning_buyers, self.buyers)


def _ratio(part: int, whole: int) -> Decimal | None:
    """A share in percent with one decimal, or None when there is nothing to divide."""
    return (Decimal(100) * part / whole).quantize(Decimal("0.1")) if whole else None


@dataclass(frozen=True)
class Day:
    day: date
    placed: int
    collected: int
    sales: Decimal
    visits: int
    searches: int


@dataclass(frozen=True)
class Search:
    query: str
    count: int


@dataclass
class Dashboard:
    period: Period
    current: Figures
    previous: Figures
    shops_listed: int
    products_published: int
    days: list[Day] = field(default_factory=list)
    top_searches: list[Search] = field(default_factory=list)
    top_empty_searches: list[Search] = field(default_factory=list)


def _rows(sql: str, params: dict[str, Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _tables() -> dict[str, str]:
    return {
        "order": Order._meta.db_table,
        "shop": Shop._meta.db_table,
        "product": Product._meta.db_table,
        "count": DailyCount._meta.db_table,
        "day": DashboardDay._meta.db_table,
        "buyer": DashboardBuyerDay._meta.db_table,
    }


def _order_figures(params: dict[str, Any]) -> dict[bool, dict[str, Any]]:
    """Counts, takings and checkouts of both periods, summed from the summary's days: placed, accepted,
    refused and checkouts by the day the order was placed; collected and takings by the day it was handed
    over; not collected by its pickup day."""
    names = (
        "sales",
        "placed",
        "accepted",
        "collected",
        "refused",
        "refused_stock",
        "not_collected",
        "checkouts",
        "multi_shop_checkouts",
    )
    sql = f"""
        SELECT day >= %(first)s, {", ".join(f"COALESCE(SUM({name}), 0)" for name in names)}
        FROM {_tables()["day"]} WHERE day >= %(prev_first)s AND day < %(after)s AND (day < %(prev_after)s OR day >= %(first)s) GROUP BY 1
    """  # noqa: S608 (table names and constants; values are parameters)
    figures: dict[bool, dict[str, Any]] = {True: {}, False: {}}
    for cur, *values in _rows(sql, params):
        figures[cur] = dict(zip(names, values))
        figures[cur]["sales"] = Decimal(figures[cur]["sales"]).quantize(Decimal("0.01"))
    return figures


def _buyer_figures(params: dict[str, Any]) -> dict[bool, dict[str, Any]]:
    """Buyers (by address, in lower case) who placed an order in each period, and how many of them
    checked out more than once."""
    sql = f"""
        SELECT cur, COUNT(*), COUNT(*) FILTER (WHERE n > 1) FROM (
            SELECT day >= %(first)s AS cur, buyer, SUM(checkouts) AS n FROM {_tables()["buyer"]}
            WHERE day >= %(prev_first)s AND day < %(after)s AND (day < %(prev_after)s OR day >= %(first)s) GROUP BY 1, 2
        ) b GROUP BY cur
    """  # noqa: S608 (table names and constants; values are parameters)
    figures: dict[bool, dict[str, Any]] = {True: {}, False: {}}
    for cur, total, several in _rows(sql, params):
        figures[cur].update(buyers=total, returning_buyers=several)
    return figures


def _shop_figures(params: dict[str, Any]) -> tuple[int, int, dict[bool, dict[str, Any]]]:
    """Shops listed now (approved); active (an order placed in the 30 days before each period's end) and
    never ordered from (before each period's end); published products, and those updated in the 30 days
    before each period's end."""
    t = _tables()
    placed = f"o.{Order.PLACED_SQL}"
    sql = f"""
        SELECT
            COUNT(*),
            COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM {t["order"]} o WHERE o.shop_id = s.id AND {placed}
                AND o.created_at >= %(end)s - INTERVAL '{ACTIVE_DAYS} days' AND o.created_at < %(end)s)),
            COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM {t["order"]} o WHERE o.shop_id = s.id AND {placed}
                AND o.created_at >= %(prev_end)s - INTERVAL '{ACTIVE_DAYS} days' AND o.created_at < %(prev_end)s)),
            COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM {t["order"]} o WHERE o.shop_id = s.id AND {placed}
                AND o.created_at < %(end)s)),
            COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM {t["order"]} o WHERE o.shop_id = s.id AND {placed}
                AND o.created_at < %(prev_end)s)),
            (SELECT COUNT(*) FROM {t["product"]} WHERE status = 'published'),
            (SELECT COUNT(*) FROM {t["product"]} WHERE status = 'published'
                AND updated_at >= %(end)s - INTERVAL '{ACTIVE_DAYS} days' AND updated_at < %(end)s),
            (SELECT COUNT(*) FROM {t["product"]} WHERE status = 'published'
                AND updated_at >= %(prev_end)s - INTERVAL '{ACTIVE_DAYS} days' AND updated_at < %(prev_end)s)
        FROM {t["shop"]} s WHERE s.status = 'approved'
    """  # noqa: S608 (table names and constants; values are parameters)
    listed, active, active_before, never, never_before, published, fresh, fresh_before = _rows(sql, params)[0]
    return (
        listed,
        published,
        {
            True: {"shops_active": active, "shops_never_ordered": never, "products_fresh": fresh},
            False: {"shops_active": active_before, "shops_never_ordered": never_before, "products_fresh": fresh_before},
        },
    )


def _count_figures(params: dict[str, Any]) -> dict[bool, dict[str, Any]]:
    sql = f"""
        SELECT day >= %(first)s,
            COALESCE(SUM(count) FILTER (WHERE kind = 'page'), 0),
            COALESCE(SUM(count) FILTER (WHERE kind = 'search'), 0),
            COALESCE(SUM(count) FILTER (WHERE kind = 'search_empty'), 0)
        FROM {_tables()["count"]}
        WHERE kind IN ('page', 'search', 'search_empty') AND day >= %(prev_first)s AND day < %(after)s AND (day < %(prev_after)s OR day >= %(first)s)
        GROUP BY 1
    """  # noqa: S608 (table names and constants; values are parameters)
    return {row[0]: {"visits": row[1], "searches": row[2], "searches_empty": row[3]} for row in _rows(sql, params)}


def _days(params: dict[str, Any], period: Period) -> list[Day]:
    """Each day of the period: orders placed, collected, takings (the summary), visits, searches."""
    t = _tables()
    sql = f"""
        SELECT day, placed, collected, sales, 0, 0 FROM {t["day"]} WHERE day >= %(first)s AND day < %(after)s
        UNION ALL
        SELECT day, 0, 0, 0, SUM(count) FILTER (WHERE kind = 'page'), SUM(count) FILTER (WHERE kind = 'search')
            FROM {t["count"]} WHERE kind IN ('page', 'search') AND day >= %(first)s AND day < %(after)s GROUP BY 1
    """  # noqa: S608 (table names and constants; values are parameters)
    totals: dict[date, list] = {
        period.start + timedelta(days=n): [0, 0, Decimal("0.00"), 0, 0] for n in range(period.days)
    }
    for day, placed, collected, sales, visits, searches in _rows(sql, params):
        if day in totals:
            row = totals[day]
            row[0] += placed
            row[1] += collected
            row[2] += Decimal(sales or 0)
            row[3] += visits or 0
            row[4] += searches or 0
    return [Day(day, *values) for day, values in totals.items()]


# A search is shown only when typed at least this many times in the period: one typed once or
# twice (a name, an address) could say who typed it (k-anonymity, k = 3).
SEARCH_MIN_TIMES = 3


def _top_searches(params: dict[str, Any]) -> tuple[list[Search], list[Search]]:
    """The most frequent searches of the period, and those that found nothing (ten each, SEARCH_MIN_TIMES at least)."""
    sql = f"""
        SELECT kind, key, total FROM (
            SELECT kind, key, SUM(count) AS total,
                ROW_NUMBER() OVER (PARTITION BY kind ORDER BY SUM(count) DESC, key) AS rank
            FROM {_tables()["count"]}
            WHERE kind IN ('search', 'search_empty') AND day >= %(first)s AND day < %(after)s AND key <> ''
            GROUP BY kind, key
            HAVING SUM(count) >= {SEARCH_MIN_TIMES}
        ) ranked WHERE rank <= %(top)s ORDER BY kind, rank
    """  # noqa: S608 (table names and constants; values are parameters)
    found: dict[str, list[Search]] = {"search": [], "search_empty": []}
    for kind, key, total in _rows(sql, params):
        found[kind].append(Search(key, total))
    return found["search"], found["search_empty"]


def query_params(period: Period) -> dict[str, Any]:
    """The queries' parameters for a period and the one it is compared with (moments and days)."""
    start, end = period.bounds()
    return {
        "start": start,
        "end": end,
        "prev_end": period.previous.bounds()[1],
        "zone": str(territory_zone()),
        "first": period.start,
        "after": period.end,
        "prev_first": period.previous.start,
        "prev_after": period.previous.end,
        "top": TOP_SEARCHES,
    }


def dashboard(*, period: Period) -> Dashboard:
    """The period's figures and the previous period's, the days, the top searches: six queries after the
    summary's refresh."""
    params = query_params(period)
    summary_refresh()  # the days whose orders changed since it last looked (usually today's only)
    orders = _order_figures(params)
    buyers = _buyer_figures(params)
    listed, published, shops = _shop_figures(params)
    counts = _count_figures(params)
    days = _days(params, period)
    top, empty = _top_searches(params)

    def figures(cur: bool) -> Figures:
        return Figures(**orders[cur], **buyers[cur], **shops[cur], **counts.get(cur, {}))

    return Dashboard(
        period=period,
        current=figures(True),
        previous=figures(False),
        shops_listed=listed,
        products_published=published,
        days=days,
        top_searches=top,
        top_empty_searches=empty,
    )


# --- The figures as rows: the page's cards, its tables, the exports ---------------------------


@dataclass(frozen=True)
class Line:
    """One figure: its name, the current and previous values (already in words), its one-line explanation."""

    key: str
    label: str
    current: Any
    previous: Any
    help: str
    unit: str = ""  # "€", "%", or "" for a count

    @property
    def lower_is_better(self) -> bool:
        """A rise of this figure is bad news (the page colours its change so)."""
        return self.key in LOWER_IS_BETTER

    @property
    def change(self) -> Decimal | None:
        """The change from the previous period in percent, or None when it means nothing."""
        if self.current is None or self.previous in (None, 0):
            return None
        return (Decimal(100) * (Decimal(self.current) - Decimal(self.previous)) / Decimal(self.previous)).quantize(
            Decimal("1")
        )


LOWER_IS_BETTER = frozenset(
    {"refused", "refused_stock", "not_collected", "no_show_rate", "shops_never_ordered", "searches_empty"}
)


def dashboard_lines(board: Dashboard) -> list[Line]:
    """Every figure of the dashboard with its explanation, in the order the page shows them."""
    cur, prev = board.current, board.previous

    def line(key: str, label: str, help: str, unit: str = "") -> Line:
        return Line(key, label, getattr(cur, key), getattr(prev, key), help, unit)

    return [
        line(
            "sales", _("Sales value"), _("Total of the orders handed over in the period (the day of collection)."), "€"
        ),
        line("placed", _("Orders placed"), _("Orders placed in the period (payment awaited excluded).")),
        line("accepted", _("Orders accepted"), _("Orders placed in the period that their shop accepted.")),
        line("collected", _("Orders collected"), _("Orders handed over to their buyer in the period.")),
        line("refused", _("Orders refused"), _("Orders placed in the period that their shop refused.")),
        line(
            "not_collected",
            _("Orders not collected"),
            _("Orders whose pickup slot fell in the period and that nobody came for."),
        ),
        line("no_show_rate", _("No-show rate"), _("Not collected ÷ (collected + not collected)."), "%"),
        line(
            "multi_shop_share",
            _("Checkouts across several shops"),
            _("Share of checkouts that ordered from more than one shop at once."),
            "%",
        ),
        line("average_basket", _("Average basket"), _("Sales ÷ orders collected."), "€"),
        line("buyers", _("Unique buyers"), _("Different email addresses that placed an order in the period.")),
        line(
            "repeat_rate",
            _("Repeat buyers"),
            _("Share of those buyers who checked out more than once in the period."),
            "%",
        ),
        Line(
            "shops_listed",
            _("Shops listed"),
            board.shops_listed,
            None,
            _("Approved shops, today."),
        ),
        line(
            "shops_active",
            _("Active shops"),
            _("Listed shops with an order placed in the 30 days before the period's end."),
        ),
        line(
            "shops_never_ordered",
            _("Shops with no order yet"),
            _("Listed shops that never received an order up to the period's end."),
        ),
        line(
            "products_fresh",
            _("Products updated"),
            _("Published products updated in the 30 days before the period's end (of %(count)s published).")
            % {"count": board.products_published},
        ),
        line(
            "refused_stock",
            _("Orders refused for lack of stock"),
            _("Refused orders whose reason, as the shop wrote it, mentions stock (rupture, épuisé…)."),
        ),
        line("visits", _("Page views"), _("Pages seen on the marketplace, counted per day without cookies.")),
        line("searches", _("Searches"), _("Searches typed on the marketplace.")),
        line("searches_empty", _("Searches that found nothing"), _("What shoppers looked for and no shop offers.")),
    ]


def _cell(value: Any) -> Any:
    return "" if value is None else value


def export_tables(board: Dashboard) -> dict[str, tuple[str, Sequence[str], list[list]]]:
    """Each table of the dashboard by its name in the URL: (title, header, rows) for CSV and XLSX."""
    prev = board.period.previous
    return {
        "chiffres": (
            _("Figures"),
            [
                _("figure"),
                _("%(start)s to %(end)s") % {"start": board.period.start, "end": board.period.last},
                _("%(start)s to %(end)s") % {"start": prev.start, "end": prev.last},
                _("change (%)"),
                _("unit"),
            ],
            [
                [line.label, _cell(line.current), _cell(line.previous), _cell(line.change), line.unit]
                for line in dashboard_lines(board)
            ],
        ),
        "jours": (
            _("Days"),
            [_("day"), _("orders placed"), _("orders collected"), _("sales (€)"), _("page views"), _("searches")],
            [[d.day.isoformat(), d.placed, d.collected, d.sales, d.visits, d.searches] for d in board.days],
        ),
        "recherches": (
            _("Searches"),
            [_("search"), _("times")],
            [[s.query, s.count] for s in board.top_searches],
        ),
        "recherches-vides": (
            _("Searches that found nothing"),
            [_("search"), _("times")],
            [[s.query, s.count] for s in board.top_empty_searches],
        ),
    }
