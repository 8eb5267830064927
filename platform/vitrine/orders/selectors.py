"""Reads on carts and orders: the cart grouped by shop, pickup slots, orders to expire,
the merchant's board, history and daily summary."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from vitrine.catalog.models import Product, Variant
from vitrine.orders import pricing
from vitrine.orders.models import Cart, CartLine, Order, OrderSettings, PickupSettings
from vitrine.shops.models import Shop
from vitrine.shops.opening import territory_zone

SLOT_DAYS = 7
# Products "available on request" have no stock; a shopper still cannot ask for a truckload.
ON_REQUEST_MAX = 10
# Orders that hold a place in their pickup slot.
SLOT_HOLDING = (*Order.IN_PROGRESS, Order.Status.COLLECTED)
# The days the merchant's pages accept (summary, history filters): any real order's, and
# far enough from date.min / date.max that the day before and after are dates too.
DAY_RANGE = (date(2000, 1, 1), date(2099, 12, 31))


def day_label(day: date) -> str:
    """ "lundi 30 novembre" in the active language."""
    return formats.date_format(day, "l j F")


def day_in_range(day: date) -> bool:
    """Whether the merchant's pages show `day` (within DAY_RANGE)."""
    return DAY_RANGE[0] <= day <= DAY_RANGE[1]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first moment of `day` and of the next one, in the territory's time zone."""
    zone = territory_zone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)


def order_settings() -> OrderSettings:
    """The territory's order rules, or the defaults (unsaved) if its team never changed them."""
    settings = OrderSettings.objects.filter(pk=1).first()
    return settings or OrderSettings(pk=1)


def pickup_settings_for(shop: Shop) -> PickupSettings:
    """The shop's pickup settings, or the defaults (unsaved) if it never changed them."""
    return PickupSettings.objects.filter(shop=shop).first() or PickupSettings(shop=shop)


# --- Cart --------------------------------------------------------------------------------


@dataclass
class CartRow:
    line: CartLine
    unit_price: Decimal
    total: Decimal
    max_quantity: int
    problem: str = ""


@dataclass
class CartGroup:
    shop: Shop
    rows: list[CartRow] = field(default_factory=list)
    subtotal: Decimal = pricing.ZERO


@dataclass
class CartSummary:
    cart: Cart | None
    groups: list[CartGroup]
    total: Decimal
    count: int

    @property
    def is_empty(self) -> bool:
        return not self.groups


def cart_summary(*, cart: Cart | None) -> CartSummary:
    """The cart grouped by shop (in the order shops were added), with subtotals and total (orders.pricing)."""
    if cart is None or cart.pk is None:
        return CartSummary(cart=cart, groups=[], total=pricing.ZERO, count=0)
    lines = (
        CartLine.objects.filter(cart=cart)
        .select_related("product__shop__commune", "variant")
        .order_by("created_at", "id")
    )
    groups: dict[int, CartGroup] = {}
    count = 0
    for line in lines:
        product, variant = line.product, line.variant
        unit_price = pricing.unit_price(product=product, variant=variant)
        available = available_quantity(product, variant)
        problem = ""
        if product.status != Product.Status.PUBLISHED or not product.shop.takes_orders:
            problem = _("No longer for sale: remove it to order.")
        elif available < line.quantity:
            problem = (
                _("Only %(n)s left: lower the quantity.") % {"n": available}
                if available
                else _("Out of stock: remove it to order.")
            )
        group = groups.setdefault(product.shop_id, CartGroup(shop=product.shop))
        group.rows.append(
            CartRow(
                line=line,
                unit_price=unit_price,
                total=pricing.line_total(unit_price=unit_price, quantity=line.quantity),
                max_quantity=max(available, line.quantity),
                problem=problem,
            )
        )
        count += line.quantity
    for group in groups.values():
        group.subtotal = pricing.shop_subtotal(line_totals=(row.total for row in group.rows))
    total = pricing.cart_total(subtotals=(group.subtotal for group in groups.values()))
    return CartSummary(cart=cart, groups=list(groups.values()), total=total, count=count)


def available_quantity(product: Product, variant: Variant | None) -> int:
    """How many a shopper may put in their cart now: the stock, or ON_REQUEST_MAX for "on request"."""
    if product.availability == Product.Availability.ON_REQUEST:
        return ON_REQUEST_MAX
    return variant.stock if variant is not None else product.stock


def cart_count(*, cart: Cart | None) -> int:
    if cart is None or cart.pk is None:
        return 0
    return sum(CartLine.objects.filter(cart=cart).values_list("quantity", flat=True))


# --- Pickup slots ------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware, in the territory's zone
    ends_at: datetime
    remaining: int | None  # None: no capacity set

    @property
    def value(self) -> str:
        return self.starts_at.isoformat()

    @property
    def is_full(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


def checkout_slots(
    *,
    shop: Shop,
    now: datetime | None = None,
    settings: PickupSettings | None = None,
    days: int = SLOT_DAYS,
) -> list[Slot]:
    """Pickup slots for the next days: within opening ranges, outside closing periods,
    after the preparation time, in the territory's time zone; full slots included (is_full)."""
    zone = territory_zone()
    now = (now or timezone.now()).astimezone(zone)
    settings = settings or pickup_settings_for(shop)
    today = now.date()
    candidates = _slot_candidates(
        shop, now=now, settings=settings, days=[today + timedelta(days=offset) for offset in range(days)]
    )
    return _slots_counted(shop, candidates, settings=settings)


def checkout_slot_at(
    *, shop: Shop, starts_at: datetime, now: datetime, settings: PickupSettings, days: int = SLOT_DAYS
) -> Slot | None:
    """The slot of checkout_slots(shop=shop, now=now, ...) that starts at `starts_at`, or None.

    The same rules, computed for that slot's day only, and its capacity counted for that slot
    only: the checkout checks the one slot chosen without listing the week's.
    """
    zone = territory_zone()
    now = now.astimezone(zone)
    day, today = starts_at.astimezone(zone).date(), now.date()
    if not today <= day <= today + timedelta(days=days - 1):
        return None
    candidates = [c for c in _slot_candidates(shop, now=now, settings=settings, days=[day]) if c[0] == starts_at]
    slots = _slots_counted(shop, candidates, settings=settings)
    return slots[0] if slots else None


def _slot_candidates(
    shop: Shop, *, now: datetime, settings: PickupSettings, days: list[date]
) -> list[tuple[datetime, datetime]]:
    """The (start, end) of the pickup slots of `days` (consecutive), sorted: within opening ranges,
    outside closing periods, after the preparation time."""
    zone = territory_zone()
    earliest = now + timedelta(minutes=settings.lead_time_minutes)
    length = timedelta(minutes=settings.slot_minutes)
    ranges = list(shop.opening_ranges.all())
    closings = [(c.starts_on, c.ends_on) for c in _closing_periods(shop, days[0], days[-1])]
    candidates: list[tuple[datetime, datetime]] = []
    for day in days:
        if any(start <= day <= end for start, end in closings):
            continue
        for opening in ranges:
            if opening.weekday != day.weekday():
                continue
            start = datetime.combine(day, opening.opens, tzinfo=zone)
            closes = datetime.combine(day, opening.closes, tzinfo=zone)
            while start + length <= closes:
                if start >= earliest:
                    candidates.append((start, start + length))
                start += length
    candidates.sort()
    return candidates


def _slots_counted(shop: Shop, candidates: list[tuple[datetime, datetime]], *, settings: PickupSettings) -> list[Slot]:
    """The candidates as slots, with the places left in each when the shop caps them."""
    if settings.slot_capacity is None or not candidates:
        return [Slot(starts_at=start, ends_at=end, remaining=None) for start, end in candidates]
    # An order holds a place in the slot its pickup starts in, [start, end): orders placed
    # before the owner changed the slot length (14:30 in a 30-minute slot) still fill the
    # new slot around them (14:00–15:00).
    rows = (
        Order.objects.filter(
            shop=shop,
            status__in=SLOT_HOLDING,
            pickup_starts_at__gte=candidates[0][0],
            pickup_starts_at__lt=candidates[-1][1],
        )
        .values("pickup_starts_at")
        .annotate(n=Count("id"))
        .order_by("pickup_starts_at")
    )
    starts, running = [], [0]  # the pickup starts taken, and how many orders up to each (cumulated)
    for row in rows:
        starts.append(row["pickup_starts_at"])
        running.append(running[-1] + row["n"])

    def taken(start: datetime, end: datetime) -> int:
        return running[bisect_left(starts, end)] - running[bisect_left(starts, start)]

    return [
        Slot(starts_at=start, ends_at=end, remaining=settings.slot_capacity - taken(start, end))
        for start, end in candidates
    ]


def _closing_periods(shop: Shop, first: date, last: date) -> list:
    """The shop's closing periods touching [first, last]: from what a checkout prefetched, else one query."""
    prefetched = getattr(shop, "_prefetched_objects_cache", {}).get("closing_periods")
    if prefetched is not None:
        return [c for c in prefetched if c.ends_on >= first and c.starts_on <= last]
    return list(shop.closing_periods.filter(ends_on__gte=first, starts_on__lte=last))


def slots_by_day(slots: list[Slot]) -> list[tuple[str, list[Slot]]]:
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.starts_at.date(), []).append(slot)
    return [(day_label(day), day_slots) for day, day_slots in days.items()]


# --- Orders ------------------------------------------------------------------------------


def _order_queryset() -> QuerySet[Order]:
    # "payment": the order's online payment (vitrine.payments, named here only as a relation):
    # the shop's pages say whether it is paid online, in the same query.
    return Order.objects.select_related("shop__commune", "payment").prefetch_related("lines")


def orders_for_checkout(*, idempotency_key: UUID) -> list[Order]:
    return list(_order_queryset().filter(idempotency_key=idempotency_key).order_by("id"))


def orders_expiry_due(*, now: datetime, settings: OrderSettings | None = None) -> QuerySet[Order]:
    """Accepted or ready orders whose pickup ended more than the territory's N days ago."""
    days = (settings or order_settings()).not_collected_after_days
    return Order.objects.select_related("shop__commune").filter(
        status__in=(Order.Status.ACCEPTED, Order.Status.READY), pickup_ends_at__lt=now - timedelta(days=days)
    )


def orders_reminder_due(*, now: datetime, settings: OrderSettings | None = None) -> QuerySet[Order]:
    """Ready orders the territory's N days from being released, not reminded yet (none if N is 0).

    Only orders not yet due for release: one past the delay (the delay shortened, runs
    missed) is released by this run, and its shopper is not told "it will be released soon".
    """
    settings = settings or order_settings()
    if settings.reminder_days_before == 0:
        return Order.objects.none()
    days = settings.not_collected_after_days
    after = max(days - settings.reminder_days_before, 0)
    return Order.objects.select_related("shop__commune").filter(
        status=Order.Status.READY,
        reminder_sent_at__isnull=True,
        pickup_ends_at__lt=now - timedelta(days=after),
        pickup_ends_at__gte=now - timedelta(days=days),
    )


def orders_unpaid_due(*, now: datetime, settings: OrderSettings | None = None) -> QuerySet[Order]:
    """Orders still waiting for their online payment the territory's N minutes after checkout.

    Not those paid on a payment page of their own (paid_online): they are cancelled when that
    page closes unpaid (the payments app), never while the shopper may still be paying there.
    """
    minutes = (settings or order_settings()).unpaid_release_minutes
    return Order.objects.select_related("shop__commune").filter(
        status=Order.Status.PENDING_PAYMENT, paid_online=False, created_at__lt=now - timedelta(minutes=minutes)
    )


def merchant_orders(*, shop: Shop, query: str = "", day: date | None = None) -> QuerySet[Order]:
    """A shop's orders: by pickup time; found by customer name or pickup code; one day's if given."""
    orders = _order_queryset().filter(shop=shop).order_by("pickup_starts_at", "id")
    query = query.strip()
    if query:
        orders = orders.filter(Q(customer_name__icontains=query) | Q(pickup_code__iexact=query.upper()))
    if day is not None:
        start, end = day_bounds(day)
        orders = orders.filter(pickup_starts_at__gte=start, pickup_starts_at__lt=end)
    return orders


@dataclass
class MerchantBoard:
    new: list[Order]  # placed, waiting for the shop to accept
    slots: list[tuple[datetime, list[Order]]]  # today's accepted / ready / collected pickups, by slot
    found: list[Order] | None  # the counter search, when there is one
    collected_today: int  # handed over today, whatever their pickup day
    collected_total: Decimal
    late: list[Order] = field(default_factory=list)  # accepted or ready, pickup day gone, not collected yet
    upcoming: list[tuple[str, list[Order]]] = field(default_factory=list)  # accepted or ready for the next days


def merchant_board(*, shop: Shop, day: date, query: str = "") -> MerchantBoard:
    """What the shop's order board shows on `day`: new orders, the day's pickups by slot, orders
    waiting from earlier days and accepted for the next days, what was collected that day
    (whatever its pickup day); or the counter search (two queries)."""
    if query:
        found = list(merchant_orders(shop=shop, query=query).order_by("-pickup_starts_at")[:30])
        return MerchantBoard(new=[], slots=[], found=found, collected_today=0, collected_total=Decimal("0.00"))
    start, end = day_bounds(day)
    orders = list(
        _order_queryset()
        .filter(shop=shop)
        .filter(
            Q(status__in=Order.AWAITING_PICKUP)
            | Q(pickup_starts_at__gte=start, pickup_starts_at__lt=end)
            | Q(collected_at__gte=start, collected_at__lt=end)
        )
        .order_by("pickup_starts_at", "id")
    )
    by_slot: dict[datetime, list[Order]] = {}
    upcoming: dict[date, list[Order]] = {}
    late = []
    collected = [o for o in orders if o.collected_at is not None and start <= o.collected_at < end]
    for order in orders:
        if order.status == Order.Status.PLACED:
            continue
        if start <= order.pickup_starts_at < end:
            if order.status in (Order.Status.ACCEPTED, Order.Status.READY, Order.Status.COLLECTED):
                by_slot.setdefault(order.pickup_starts_at, []).append(order)
        elif order.status not in Order.AWAITING_PICKUP:  # collected today, for another day's pickup: counted only
            continue
        elif order.pickup_starts_at < start:
            late.append(order)
        else:
            upcoming.setdefault(timezone.localtime(order.pickup_starts_at, territory_zone()).date(), []).append(order)
    return MerchantBoard(
        new=[o for o in orders if o.status == Order.Status.PLACED],
        slots=sorted(by_slot.items()),
        found=None,
        collected_today=len(collected),
        collected_total=sum((o.total for o in collected), Decimal("0.00")),
        late=late,
        upcoming=[(day_label(d), day_orders) for d, day_orders in sorted(upcoming.items())],
    )


@dataclass(frozen=True)
class HistoryFilters:
    status: str = ""
    date_from: date | None = None  # pickup days, in the territory's time zone, both included
    date_to: date | None = None
    query: str = ""  # customer's name or pickup code


def merchant_order_history(*, shop: Shop, filters: HistoryFilters = HistoryFilters()) -> QuerySet[Order]:
    """Every order of the shop, latest pickup first, filtered by status, pickup days, name or code."""
    orders = merchant_orders(shop=shop, query=filters.query).order_by("-pickup_starts_at", "-id")
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.date_from is not None:
        orders = orders.filter(pickup_starts_at__gte=day_bounds(filters.date_from)[0])
    if filters.date_to is not None:
        orders = orders.filter(pickup_starts_at__lt=day_bounds(filters.date_to)[1])
    return orders


# Statuses in the order a day's summary lists them.
SUMMARY_STATUSES = (
    Order.Status.PLACED,
    Order.Status.ACCEPTED,
    Order.Status.READY,
    Order.Status.COLLECTED,
    Order.Status.NOT_COLLECTED,
    Order.Status.REFUSED,
    Order.Status.CANCELLED,
    Order.Status.PENDING_PAYMENT,
)
TO_PREPARE = (Order.Status.PLACED, Order.Status.ACCEPTED)


@dataclass
class DaySummary:
    day: date
    orders: list[Order]  # the day's pickups, by pickup time
    counts: list[tuple[str, str, int]]  # (status, label, number), statuses with at least one order
    collected_amount: Decimal  # the till: orders handed over that day, whatever their pickup day, paid there
    expected_amount: Decimal  # the day's pickups still to be paid at the counter (Order.AWAITING_PICKUP, not online)
    to_prepare: list[Order]  # placed or accepted
    waiting: list[Order]  # ready, not collected yet
    not_collected: list[Order]

    @property
    def total(self) -> int:
        return len(self.orders)


def merchant_day_summary(*, shop: Shop, day: date) -> DaySummary:
    """The shop's pickups of `day` (territory's time zone): counts by status, money collected
    that day, what is left (one query)."""
    start, end = day_bounds(day)
    fetched = list(
        Order.objects.filter(shop=shop)
        .filter(
            Q(pickup_starts_at__gte=start, pickup_starts_at__lt=end) | Q(collected_at__gte=start, collected_at__lt=end)
        )
        .order_by("pickup_starts_at", "id")
    )
    orders = [o for o in fetched if start <= o.pickup_starts_at < end]
    by_status: dict[str, list[Order]] = {}
    for order in orders:
        by_status.setdefault(order.status, []).append(order)

    # The till's figures: an order paid online is not paid at the counter (never asked for twice).
    def amount(*statuses: str) -> Decimal:
        return sum(
            (o.total for status in statuses for o in by_status.get(status, []) if not o.paid_online), Decimal("0.00")
        )

    return DaySummary(
        day=day,
        orders=orders,
        counts=[(s.value, str(s.label), len(by_status[s])) for s in SUMMARY_STATUSES if s in by_status],
        collected_amount=sum(
            (
                o.total
                for o in fetched
                if o.collected_at is not None and start <= o.collected_at < end and not o.paid_online
            ),
            Decimal("0.00"),
        ),
        expected_amount=amount(*Order.AWAITING_PICKUP),
        to_prepare=[o for o in orders if o.status in TO_PREPARE],
        waiting=by_status.get(Order.Status.READY, []),
        not_collected=by_status.get(Order.Status.NOT_COLLECTED, []),
    )


# --- A shopper's own orders (/compte/commandes/) -----------------------------------------


def account_orders(*, user) -> QuerySet[Order]:
    """The account's orders, newest first, with their shop (for the history list)."""
    return Order.objects.filter(customer=user).select_related("shop").order_by("-created_at", "-id")


def _order_page_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("shop__commune", "payment").prefetch_related("lines", "events")


def account_order_get(*, user, order_id: int) -> Order | None:
    """One of the account's orders with its shop, lines and history; None if it is not theirs."""
    return _order_page_queryset().filter(customer=user, pk=order_id).first()


def order_page_get(*, order_id: int) -> Order | None:
    """An order with its shop, lines and history, for its shopper's page (who they are is checked before)."""
    return _order_page_queryset().filter(pk=order_id).first()


def order_history(*, order: Order) -> list[tuple[str, datetime]]:
    """Each state the order went through, labelled, with when (from its prefetched events)."""
    return [(str(Order.Status(event.to_status).label), event.created_at) for event in order.events.all()]


def orders_in_progress(*, user) -> QuerySet[Order]:
    """The account's orders not yet collected, refused, cancelled or released (Order.IN_PROGRESS)."""
    return account_orders(user=user).filter(status__in=Order.IN_PROGRESS).order_by("pickup_starts_at", "id")
