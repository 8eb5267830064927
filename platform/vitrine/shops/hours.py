"""A shop's opening hours (several ranges a day) and closing periods."""

from __future__ import annotations

from datetime import date, time
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.common.pagecache import pages_changed
from vitrine.shops.models import (
    ClosingPeriod,
    OpeningRange,
    Shop,
)
from vitrine.shops.permissions import shop_member_check

MAX_RANGES_PER_DAY = 3


def weekday_names() -> list[str]:
    """Monday first, in the current language."""
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


def _locked(shop: Shop) -> Shop:
    return Shop.objects.select_for_update().get(pk=shop.pk)


@transaction.atomic
def shop_hours_set(*, shop: Shop, ranges: list[tuple[int, time, time]], actor: User) -> None:
    """Replace a shop's weekly opening ranges (up to 3 per day, no overlap); all or nothing."""
    shop_member_check(shop=shop, user=actor)
    days = weekday_names()
    errors: list[str] = []
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in ranges:
        if not 0 <= weekday <= 6:
            errors.append(_("Unknown day."))
            continue
        if opens >= closes:
            errors.append(
                _("%(day)s: each range must open before it closes (%(opens)s–%(closes)s).")
                % {"day": days[weekday], "opens": opens.strftime("%H:%M"), "closes": closes.strftime("%H:%M")}
            )
            continue
        by_day.setdefault(weekday, []).append((opens, closes))
    for weekday, day_ranges in sorted(by_day.items()):
        day_ranges.sort()
        if len(day_ranges) > MAX_RANGES_PER_DAY:
            errors.append(
                _("%(day)s: at most %(count)s ranges a day.") % {"day": days[weekday], "count": MAX_RANGES_PER_DAY}
            )
        if any(previous[1] > current[0] for previous, current in pairwise(day_ranges)):
            errors.append(_("%(day)s: two ranges overlap.") % {"day": days[weekday]})
    if errors:
        raise ValidationError({"hours": list(dict.fromkeys(errors))})
    _locked(shop)
    OpeningRange.objects.filter(shop=shop).delete()
    pages_changed()  # bulk_create sends no signal
    OpeningRange.objects.bulk_create(
        [
            OpeningRange(shop=shop, weekday=w, opens=o, closes=c)
            for w, ranges_ in sorted(by_day.items())
            for o, c in ranges_
        ]
    )


@transaction.atomic
def shop_closing_add(*, shop: Shop, starts_on: date, ends_on: date, reason: str, actor: User) -> ClosingPeriod:
    """Add days the shop is closed (holidays, inventory); shoppers see it is closed then."""
    shop_member_check(shop=shop, user=actor)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The last day comes after the first.")]})
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": [_("This period is already over.")]})
    if (ends_on - starts_on).days > 366:
        raise ValidationError({"ends_on": [_("A closing period lasts at most a year.")]})
    return ClosingPeriod.objects.create(
        shop=shop, starts_on=starts_on, ends_on=ends_on, reason=(reason or "").strip()[:120]
    )


@transaction.atomic
def shop_closing_remove(*, period: ClosingPeriod, actor: User) -> None:
    shop_member_check(shop=period.shop, user=actor)
    period.delete()
