"""Reads on shops."""
from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from vitrine.shops.models import ClosingPeriod, OpeningRange, Shop
from vitrine.shops.opening import is_open_at


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
    territory = getattr(connection, "tenant", None)
    return is_open_at(
        moment=moment or timezone.now(),
        time_zone=getattr(territory, "time_zone", "Europe/Paris"),
        ranges=[(r.weekday, r.opens, r.closes) for r in shop.opening_ranges.all()],
        closings=[(c.starts_on, c.ends_on) for c in shop.closing_periods.all()],
    )
