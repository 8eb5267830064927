"""A shop's own figures over a period, beside the period before it: visits, searches, orders, takings.

Read from the visit counts (metrics.DailyCount, this shop's id only), the orders and their
events. Days are the territory's days (its time zone), the period ends today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Aggregate, Count, DecimalField, F, Q, Sum
from django.db.models.functions import Coalesce

from vitrine.catalog.models import Product
from vitrine.common.money import euros
from vitrine.metrics.models import DailyCount
from vitrine.orders.models import Order, OrderEvent, OrderLine
from vitrine.shops.models import Shop
from vitrine.shops.opening import territory_today, territory_zone

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
TOP_PRODUCTS = 10
ZERO = Decimal("0.00")
# Orders that did not turn into a sale: a product in them was not sold.
NOT_SOLD = (Order.Status.PENDING_PAYMENT, Order.Status.REFUSED, Order.Status.CANCELLED, Order.Status.NOT_COLLECTED)


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as moments: the territory's midnights."""
        zone = territory_zone()
        return (
            datetime.combine(self.first, time.min, tzinfo=zone),
            datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone),
        )


@dataclass(frozen=True)
class Figures:
    storefront_visits: int
    product_views: int
    search_appearances: int
    orders_placed: int
    orders_collected: int
    orders_refused: int
    orders_not_collected: int
    takings: Decimal

    @property
    def no_show_rate(self) -> float | None:
        """Share of the orders due at the counter that nobody came for (None: none was due)."""
        due = self.orders_collected + self.orders_not_collected
        return self.orders_not_collected / due if due else None


@dataclass(frozen=True)
class ProductRow:
    product_id: int
    title: str
    units: int
    amount: Decimal
    views: int

    @property
    def amount_display(self) -> str:
        return euros(self.amount)


@dataclass(frozen=True)
class ShopStatistics:
    period: Period
    previous: Period
    now: Figures
    before: Figures
    selling: list[ProductRow]
    viewed_not_sold: list[ProductRow]


def period_parse(text: str | None) -> int:
    """The period in days from the page's choice ("7", "30", "90"); the default for anything else."""
    try:
        days = int(text or "")
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def period_ending_today(*, days: int, today: date | None = None) -> tuple[Period, Period]:
    """The last `days` days (today included) and the `days` days before them."""
    today = today or territory_today()
    now = Period(today - timedelta(days=days - 1), today)
    return now, Period(now.first - timedelta(days=days), now.first - timedelta(days=1))


def _in(field: str, period: Period) -> Q:
    start, end = period.bounds()
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _days(period: Period) -> Q:
    return Q(day__gte=period.first, day__lte=period.last)


def shop_figures(*, shop: Shop, periods: tuple[Period, ...]) -> list[Figures]:
    """The shop's figures for each period (three queries whatever the number of periods)."""
    counts_aggregates: dict[str, Aggregate | Coalesce] = {}
    orders_aggregates: dict[str, Aggregate | Coalesce] = {}
    events_aggregates: dict[str, Aggregate | Coalesce] = {}
    for i, period in enumerate(periods):
        for kind in ("storefront", "product", "search_shop"):
            counts_aggregates[f"{kind}_{i}"] = Coalesce(Sum("count", filter=Q(kind=kind) & _days(period)), 0)
        orders_aggregates[f"placed_{i}"] = Count("pk", filter=_in("created_at", period) & Order.PLACED_Q)
        orders_aggregates[f"collected_{i}"] = Count("pk", filter=_in("collected_at", period))
        orders_aggregates[f"takings_{i}"] = Coalesce(
            Sum("total", filter=_in("collected_at", period)), ZERO, output_field=DecimalField()
        )
        for status in (Order.Status.REFUSED, Order.Status.NOT_COLLECTED):
            events_aggregates[f"{status}_{i}"] = Count(
                "order", distinct=True, filter=Q(to_status=status) & _in("created_at", period)
            )
    first = min(p.first for p in periods)
    start = min(p.bounds()[0] for p in periods)
    counts = DailyCount.objects.filter(shop_id=shop.pk, day__gte=first).aggregate(**counts_aggregates)
    orders = Order.objects.filter(Q(created_at__gte=start) | Q(collected_at__gte=start), shop=shop).aggregate(
        **orders_aggregates
    )
    events = OrderEvent.objects.filter(order__shop=shop, created_at__gte=start).aggregate(**events_aggregates)
    return [
        Figures(
            storefront_visits=counts[f"storefront_{i}"],
            product_views=counts[f"product_{i}"],
            search_appearances=counts[f"search_shop_{i}"],
            orders_placed=orders[f"placed_{i}"],
            orders_collected=orders[f"collected_{i}"],
            orders_refused=events[f"{Order.Status.REFUSED}_{i}"],
            orders_not_collected=events[f"{Order.Status.NOT_COLLECTED}_{i}"],
            takings=orders[f"takings_{i}"],
        )
        for i in range(len(periods))
    ]


def _product_views(*, shop: Shop, period: Period) -> dict[int, int]:
    rows = (
        DailyCount.objects.filter(_days(period), kind="product", shop_id=shop.pk)
        .values("key")
        .annotate(views=Sum("count"))
        .order_by("-views", "key")
    )
    return {int(row["key"]): row["views"] for row in rows if row["key"].isdigit()}


def shop_products_selling(*, shop: Shop, period: Period, views: dict[int, int]) -> list[ProductRow]:
    """The products most ordered in the period (orders placed then, not refused, cancelled or left)."""
    start, end = period.bounds()
    rows = (
        OrderLine.objects.filter(
            order__shop=shop, order__created_at__gte=start, order__created_at__lt=end, product__isnull=False
        )
        .exclude(order__status__in=NOT_SOLD)
        .values("product_id", "product__title")
        .annotate(units=Sum("quantity"), amount=Sum(F("unit_price") * F("quantity"), output_field=DecimalField()))
        .order_by("-units", "-amount", "product__title")[:TOP_PRODUCTS]
    )
    return [
        ProductRow(
            row["product_id"], row["product__title"], row["units"], row["amount"], views.get(row["product_id"], 0)
        )
        for row in rows
    ]


def shop_products_viewed_not_sold(*, shop: Shop, period: Period, views: dict[int, int]) -> list[ProductRow]:
    """The products most looked at in the period that no order of the period holds."""
    start, end = period.bounds()
    ordered = set(
        OrderLine.objects.filter(
            order__shop=shop, order__created_at__gte=start, order__created_at__lt=end, product__isnull=False
        )
        .exclude(order__status__in=NOT_SOLD)
        .values_list("product_id", flat=True)
    )
    candidates = [pk for pk in views if pk not in ordered][: TOP_PRODUCTS * 3]
    # Only this shop's products: a count's key is never trusted to name one.
    titles = dict(Product.objects.filter(shop=shop, pk__in=candidates).values_list("pk", "title"))
    return [ProductRow(pk, titles[pk], 0, ZERO, views[pk]) for pk in candidates if pk in titles][:TOP_PRODUCTS]


def shop_statistics(*, shop: Shop, days: int, today: date | None = None) -> ShopStatistics:
    """Everything the merchant's statistics page shows (seven queries)."""
    now, previous = period_ending_today(days=days, today=today)
    figures_now, figures_before = shop_figures(shop=shop, periods=(now, previous))
    views = _product_views(shop=shop, period=now)
    return ShopStatistics(
        period=now,
        previous=previous,
        now=figures_now,
        before=figures_before,
        selling=shop_products_selling(shop=shop, period=now, views=views),
        viewed_not_sold=shop_products_viewed_not_sold(shop=shop, period=now, views=views),
    )
