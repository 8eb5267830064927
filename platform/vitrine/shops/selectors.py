"""Reads on shops: the public list, opening hours, and what merchant and staff pages show."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from vitrine.shops.models import ClosingPeriod, Commune, OpeningRange, Shop, ShopMember
from vitrine.shops.opening import is_open_at, territory_zone


def shop_public_list() -> QuerySet[Shop]:
    """Approved shops, as shoppers see them."""
    return Shop.objects.filter(status=Shop.Status.APPROVED).select_related("commune", "category")


def shop_with_hours(queryset: QuerySet[Shop]) -> QuerySet[Shop]:
    """Prefetch what shop_is_open needs (two queries for any number of shops)."""
    today = timezone.localdate()
    return queryset.prefetch_related(
        Prefetch("opening_ranges", queryset=OpeningRange.objects.order_by("weekday", "opens")),
        Prefetch("closing_periods", queryset=ClosingPeriod.objects.filter(ends_on__gte=today)),
    )


def shop_is_open(shop: Shop, *, moment: datetime | None = None) -> bool:
    """Whether the shop is open now (or at moment), in its territory's time zone."""
    return is_open_at(
        moment=moment or timezone.now(),
        zone=territory_zone(),
        ranges=[(r.weekday, r.opens, r.closes) for r in shop.opening_ranges.all()],
        closings=[(c.starts_on, c.ends_on) for c in shop.closing_periods.all()],
    )


# --- Forms' choices ---------------------------------------------------------------------


def commune_list() -> QuerySet[Commune]:
    """The territory's communes, alphabetical (then by postcode: Nancy 54000 before 54100)."""
    return Commune.objects.order_by("name", "postcode")


# --- Merchant area ----------------------------------------------------------------------


def shop_member_list(*, shop: Shop) -> QuerySet[ShopMember]:
    """The shop's team, owner first."""
    return shop.members.select_related("user").order_by("-role", "created_at")  # "owner" > "employee"


# --- Staff area -------------------------------------------------------------------------


def shop_staff_list(*, status: str | None = None) -> QuerySet[Shop]:
    """Shops for the staff list: pending first, then by name; optionally one status."""
    shops = Shop.objects.select_related("commune", "category", "category__parent")
    if status in Shop.Status.values:
        shops = shops.filter(status=status)
    return shops.order_by("name")


def shop_pending_list() -> QuerySet[Shop]:
    """Applications waiting for staff, oldest first (first come, first served)."""
    return (
        Shop.objects.filter(status=Shop.Status.PENDING)
        .select_related("commune", "category", "category__parent")
        .order_by("created_at")
    )


def shop_status_counts() -> dict[str, int]:
    counts = dict(Shop.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Shop.Status.values}
