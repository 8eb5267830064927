"""Opening hours: is a shop open at a given moment, in its territory's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone


def is_open_at(
    *,
    moment: datetime,
    zone: ZoneInfo,
    ranges: Iterable[tuple[int, time, time]],
    closings: Iterable[tuple[date, date]] = (),
) -> bool:
    """Whether weekly ranges (weekday, opens, closes) cover a moment, closing periods excepted.

    The moment is converted to the territory's local time first: a shop in
    Nancy opens at 9:00 Paris time whatever the server's zone.
    """
    local = moment.astimezone(zone)
    today = local.date()
    if any(start <= today <= end for start, end in closings):
        return False
    now = local.time()
    return any(weekday == local.weekday() and opens <= now < closes for weekday, opens, closes in ranges)


def territory_zone() -> ZoneInfo:
    """The current territory's time zone (Paris on the public schema or when unset)."""
    return ZoneInfo(getattr(getattr(connection, "tenant", None), "time_zone", None) or "Europe/Paris")


def territory_today() -> date:
    """Today's date where the territory is (its time zone), not where the server is."""
    return timezone.localdate(timezone=territory_zone())
