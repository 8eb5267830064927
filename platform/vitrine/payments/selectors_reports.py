"""Reads of where the money went: a shop's payouts (its page and CSV), the territory's reconciliation.

Everything is integer cents, summed by PostgreSQL; months are calendar months in the territory's
time zone. A transfer reversed (the order refunded after the shop was paid) is assumed reversed in
full: the refund of an order is its whole amount, so is the reversal of its transfer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth

from vitrine.payments.models import CartPayment, OrderPayment
from vitrine.shops.models import Shop
from vitrine.shops.opening import territory_zone

ZERO = 0


# --- Months ------------------------------------------------------------------------------


def month_parse(value: str) -> date | None:
    """ "2026-12" -> date(2026, 12, 1); None for anything else (or a year outside 2000-2099)."""
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        day = date(year, month, 1)
    except (ValueError, TypeError):
        return None
    return day if 2000 <= year <= 2099 else None


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first moment of `month` and of the next, in the territory's time zone."""
    zone = territory_zone()
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=zone)
    return start, following


def month_shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --- A shop's payouts --------------------------------------------------------------------

# A transfer still standing: made, not reversed.
LIVE_TRANSFER = Q(transferred_cents__gt=0, reversal_id="")
REVERSED = Q(transferred_cents__gt=0) & ~Q(reversal_id="")


@dataclass(frozen=True)
class PayoutMonth:
    month: date
    orders: int
    amount_cents: int  # the orders' amounts
    commission_cents: int
    transferred_cents: int
    reversed_cents: int

    @property
    def net_cents(self) -> int:
        """What the shop keeps of the month's transfers: transferred, less reversed."""
        return self.transferred_cents - self.reversed_cents


def shop_payout_months(*, shop: Shop) -> list[PayoutMonth]:
    """The shop's transfers by month of transfer, newest first, with their totals (one query)."""
    rows = (
        OrderPayment.objects.filter(shop=shop, transferred_at__isnull=False)
        .annotate(month=TruncMonth("transferred_at", tzinfo=territory_zone()))
        .values("month")
        .annotate(
            orders=Count("id"),
            amount=Sum("amount_cents"),
            commission=Sum("commission_cents"),
            transferred=Sum("transferred_cents"),
            reversed=Coalesce(Sum("transferred_cents", filter=REVERSED), ZERO),
        )
        .order_by("-month")
    )
    return [
        PayoutMonth(
            month=row["month"].date() if isinstance(row["month"], datetime) else row["month"],
            orders=row["orders"],
            amount_cents=row["amount"],
            commission_cents=row["commission"],
            transferred_cents=row["transferred"],
            reversed_cents=row["reversed"],
        )
        for row in rows
    ]


def shop_payouts(*, shop: Shop, month: date) -> QuerySet[OrderPayment]:
    """The shop's transfers made in `month` (territory's time zone), oldest first, with their orders."""
    start, end = month_bounds(month)
    return (
        OrderPayment.objects.filter(shop=shop, transferred_at__gte=start, transferred_at__lt=end)
        .select_related("order")
        .order_by("transferred_at", "id")
    )


def shop_online_payments(*, shop: Shop, month: date | None = None) -> QuerySet[OrderPayment]:
    """Every order of the shop paid online (any state), oldest first; those transferred in `month` if given."""
    payments = OrderPayment.objects.filter(shop=shop).select_related("order")
    if month is not None:
        start, end = month_bounds(month)
        payments = payments.filter(transferred_at__gte=start, transferred_at__lt=end)
    return payments.order_by("order__created_at", "id")


def reversed_cents(payment: OrderPayment) -> int:
    """What was taken back from the shop for this order: its whole transfer, when reversed."""
    return payment.transferred_cents if payment.reversal_id else 0


# --- The territory's reconciliation ------------------------------------------------------


@dataclass
class ShopFigures:
    """Where the money of one shop's orders went (the orders of the period's payments)."""

    shop_id: int
    shop_name: str
    orders: int = 0
    amount_cents: int = 0  # the orders' amounts, as authorised
    captured_cents: int = 0
    transferred_cents: int = 0  # transfers standing (made, not reversed)
    commission_cents: int = 0  # kept by the platform on the transferred orders
    refunded_cents: int = 0
    reversed_cents: int = 0  # transfers taken back (orders refunded after the shop was paid)
    pending_cents: int = 0  # captured, not transferred nor refunded yet (to be paid or refunded)

    @property
    def settled_cents(self) -> int:
        """Captured money accounted for: transferred + commission + refunded + still pending."""
        return self.transferred_cents + self.commission_cents + self.refunded_cents + self.pending_cents


@dataclass
class Reconciliation:
    month: date
    payments: int  # cart payments authorised in the month
    authorised_cents: int
    captured_cents: int  # charged, as the cart payments say (what Stripe took)
    released_cents: int  # authorised, never captured (refused, cancelled, not answered): the hold let go
    on_hold_cents: int  # authorised, capture still to come
    totals: ShopFigures
    shops: list[ShopFigures]
    disputes: list[CartPayment] = field(default_factory=list)
    disputes_cents: int = 0

    @property
    def balances(self) -> bool:
        """captured = transferred + commission of transferred orders + refunded + captured not yet transferred."""
        return self.captured_cents == self.totals.settled_cents

    @property
    def difference_cents(self) -> int:
        return self.captured_cents - self.totals.settled_cents

    @property
    def hold_balances(self) -> bool:
        """authorised = captured + released + still on hold."""
        return self.authorised_cents == self.captured_cents + self.released_cents + self.on_hold_cents


def _authorised_in(month: date) -> Q:
    start, end = month_bounds(month)
    return Q(authorised_at__gte=start, authorised_at__lt=end)


def _shop_figures(rows: Iterable[dict]) -> list[ShopFigures]:
    return [
        ShopFigures(
            shop_id=row["shop_id"],
            shop_name=row["shop__name"],
            orders=row["orders"],
            amount_cents=row["amount"],
            captured_cents=row["captured"],
            transferred_cents=row["transferred"],
            commission_cents=row["commission"],
            refunded_cents=row["refunded"],
            reversed_cents=row["reversed"],
            pending_cents=row["pending"],
        )
        for row in rows
    ]


def reconciliation(*, month: date) -> Reconciliation:
    """The payments authorised in `month` and where their money is now, in total and per shop (three queries,
    and one more when some of them are disputed).

    A cohort, not a month's flows: the money of a payment authorised in November and transferred
    in December is on November's page, so every page adds up to the cent.
    """
    in_month = _authorised_in(month)
    held = CartPayment.Status.AUTHORISED
    ended = (CartPayment.Status.CAPTURED, CartPayment.Status.CANCELLED)
    carts = CartPayment.objects.filter(in_month).aggregate(
        payments=Count("id"),
        authorised=Coalesce(Sum("amount_cents"), ZERO),
        captured=Coalesce(Sum("captured_cents"), ZERO),
        released=Coalesce(Sum(F("amount_cents") - F("captured_cents"), filter=Q(status__in=ended)), ZERO),
        on_hold=Coalesce(Sum("amount_cents", filter=Q(status=held)), ZERO),
    )
    no_live_transfer = ~LIVE_TRANSFER
    rows = (
        OrderPayment.objects.filter(cart_payment__in=CartPayment.objects.filter(in_month))
        .values("shop_id", "shop__name")
        .annotate(
            orders=Count("id"),
            amount=Coalesce(Sum("amount_cents"), ZERO),
            captured=Coalesce(Sum("captured_cents"), ZERO),
            transferred=Coalesce(Sum("transferred_cents", filter=LIVE_TRANSFER), ZERO),
            commission=Coalesce(Sum("commission_cents", filter=LIVE_TRANSFER), ZERO),
            refunded=Coalesce(Sum("refunded_cents"), ZERO),
            reversed=Coalesce(Sum("transferred_cents", filter=REVERSED), ZERO),
            pending=Coalesce(Sum(F("captured_cents") - F("refunded_cents"), filter=no_live_transfer), ZERO),
        )
        .order_by("shop__name", "shop_id")
    )
    shops = _shop_figures(rows)
    totals = ShopFigures(shop_id=0, shop_name="")
    for shop in shops:
        for name in (
            "orders",
            "amount_cents",
            "captured_cents",
            "transferred_cents",
            "commission_cents",
            "refunded_cents",
            "reversed_cents",
            "pending_cents",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(shop, name))
    disputes = list(
        CartPayment.objects.filter(in_month)
        .exclude(dispute_id="")
        .prefetch_related(Prefetch("order_payments", OrderPayment.objects.select_related("shop", "order")))
        .order_by("authorised_at", "id")
    )
    return Reconciliation(
        month=month,
        payments=carts["payments"],
        authorised_cents=carts["authorised"],
        captured_cents=carts["captured"],
        released_cents=carts["released"],
        on_hold_cents=carts["on_hold"],
        totals=totals,
        shops=shops,
        disputes=disputes,
        disputes_cents=sum(cart.dispute_amount_cents for cart in disputes),
    )
