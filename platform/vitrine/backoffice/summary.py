"""The dashboard's summary of orders per day (issue #12): what makes a year of figures as quick as a month.

`DashboardDay` holds each day's counts and takings, `DashboardBuyerDay` each buyer's checkouts of a day (a
64-bit hash of the address, never the address). `summary_refresh()` recomputes the days whose orders
changed since it last read them (by `Order.updated_at`, from the oldest transaction still writing then), so
it costs little once the summary exists; the dashboard calls it before reading, so its figures are exact,
and a periodic task keeps it warm. Every service that changes an order's figures without `save()` must set
`updated_at` too (the privacy service does).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from vitrine.backoffice.models import DashboardBuyerDay, DashboardDay, DashboardSummaryState
from vitrine.orders.models import Order
from vitrine.shops.opening import territory_zone

# Orders are read again from the start of the oldest transaction that was writing when the summary last
# read them (committed after, they were not visible then), less this for the application's clock, which
# sets `updated_at`, running behind the database's.
CLOCK_SLACK = timedelta(seconds=5)
MOST_DAYS_BY_INDEX = 90  # more days changed at once: one pass over the orders
ACCEPTED = ("accepted", "ready", "collected", "not_collected")
STOCK_WORDS = ("stock", "rupture", "épuisé", "epuise", "plus disponible", "indisponible")
_LOCK = 0x5655_4442  # pg_advisory_xact_lock(_LOCK, hashtext(schema)): one refresh at a time per territory


def _day(column: str) -> str:
    return f"({column} AT TIME ZONE %(zone)s)::date"


def _spans(days: list[date], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Each run of consecutive days as one span of moments, from its first midnight to the one after."""
    spans: list[tuple[datetime, datetime]] = []
    for day in sorted(days):
        lo = datetime.combine(day, time.min, tzinfo=zone)
        hi = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        if spans and spans[-1][1] == lo:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


def _refresh_days(days: list[date] | None, *, salt: str) -> None:
    """Recompute the summary rows of `days` (every day when None) from the orders."""
    zone = territory_zone()
    params: dict[str, Any] = {"zone": str(zone), "days": days, "salt": salt}
    # Each day's own bounds (midnight to midnight where the territory is), which the indexes can use.
    spans = _spans(days, zone) if days is not None and len(days) <= MOST_DAYS_BY_INDEX else []
    for n, (lo, hi) in enumerate(spans):
        params[f"lo_{n}"], params[f"hi_{n}"] = lo, hi
    for i, word in enumerate(STOCK_WORDS):
        params[f"stock_{i}"] = f"%{word}%"
    stock = " OR ".join(f"refusal_reason ILIKE %(stock_{i})s" for i in range(len(STOCK_WORDS)))
    order, day_table, buyer_table = Order._meta.db_table, DashboardDay._meta.db_table, DashboardBuyerDay._meta.db_table

    def among(column: str) -> str:
        if days is None:
            return "TRUE"
        if not spans:
            return f"{_day(column)} = ANY(%(days)s)"
        return "(" + " OR ".join(f"({column} >= %(lo_{n})s AND {column} < %(hi_{n})s)" for n in range(len(spans))) + ")"

    placed = Order.PLACED_SQL
    which = "TRUE" if days is None else "day = ANY(%(days)s)"
    sql = f"""
        WITH checkouts AS (
            SELECT {_day("created_at")} AS day, idempotency_key, MIN(LOWER(email)) AS email, COUNT(*) AS n
            FROM {order} WHERE {placed} AND {among("created_at")} GROUP BY 1, 2
        ), made AS (
            SELECT {_day("created_at")} AS day, COUNT(*) FILTER (WHERE {placed}) AS placed,
                COUNT(*) FILTER (WHERE {placed} AND status IN {ACCEPTED}) AS accepted,
                COUNT(*) FILTER (WHERE {placed} AND status = 'refused') AS refused,
                COUNT(*) FILTER (WHERE {placed} AND status = 'refused' AND ({stock})) AS refused_stock
            FROM {order} WHERE {among("created_at")} GROUP BY 1
        ), handed AS (
            SELECT {_day("collected_at")} AS day, COUNT(*) AS collected, SUM(total) AS sales
            FROM {order} WHERE collected_at IS NOT NULL AND {among("collected_at")} GROUP BY 1
        ), missed AS (
            SELECT {_day("pickup_starts_at")} AS day, COUNT(*) AS not_collected
            FROM {order} WHERE status = 'not_collected' AND {among("pickup_starts_at")} GROUP BY 1
        ), carts AS (
            SELECT day, COUNT(*) AS checkouts, COUNT(*) FILTER (WHERE n > 1) AS multi FROM checkouts GROUP BY 1
        ), buyers AS (
            INSERT INTO {buyer_table} (day, buyer, checkouts)
            SELECT day, ('x' || SUBSTR(MD5(%(salt)s || email), 1, 16))::bit(64)::bigint, COUNT(*)
            FROM checkouts GROUP BY 1, 2
        )
        INSERT INTO {day_table}
            (day, placed, accepted, refused, refused_stock, collected, sales, not_collected, checkouts,
             multi_shop_checkouts)
        SELECT day, COALESCE(made.placed, 0), COALESCE(made.accepted, 0), COALESCE(made.refused, 0),
            COALESCE(made.refused_stock, 0), COALESCE(handed.collected, 0), COALESCE(handed.sales, 0),
            COALESCE(missed.not_collected, 0), COALESCE(carts.checkouts, 0), COALESCE(carts.multi, 0)
        FROM made FULL JOIN handed USING (day) FULL JOIN missed USING (day) FULL JOIN carts USING (day)
    """  # noqa: S608 (table names and constants; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {day_table} WHERE {which}", params)  # noqa: S608 (constants)
        cursor.execute(f"DELETE FROM {buyer_table} WHERE {which}", params)  # noqa: S608 (constants)
        cursor.execute(sql, params)


def _changed_days(since) -> list[date]:
    """The days (placed, handed over, pickup) of the orders saved since `since`."""
    sql = f"""
        SELECT DISTINCT d FROM {Order._meta.db_table},
            LATERAL (VALUES ({_day("created_at")}), ({_day("collected_at")}), ({_day("pickup_starts_at")})) v(d)
        WHERE updated_at >= %(since)s AND d IS NOT NULL
    """  # noqa: S608 (table names and constants; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"since": since, "zone": str(territory_zone())})
        return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def summary_refresh(*, full: bool = False) -> int:
    """Bring the summary up to date with the orders; returns how many days were recomputed (-1: all)."""
    with connection.cursor() as cursor:
        # Now, or the start of the oldest transaction that has written and is still open, if earlier: what
        # it saved may commit after this read and must be read next time.
        cursor.execute(
            """
            SELECT pg_advisory_xact_lock(%s, hashtext(current_schema())), LEAST(statement_timestamp(), (
                SELECT MIN(xact_start) FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND datname = current_database()))
            """,
            [_LOCK],
        )
        now = cursor.fetchone()[1]
    state = DashboardSummaryState.objects.filter(pk=1).first()
    salt = state.salt if state is not None else ""
    if not salt or state is None or state.read_until is None or full:
        salt = salt or secrets.token_hex(16)
        _refresh_days(None, salt=salt)
        done = -1
    else:
        days = _changed_days(state.read_until - CLOCK_SLACK)
        if days:
            _refresh_days(days, salt=salt)
        done = len(days)
    values = {"read_until": now, "refreshed_at": timezone.now(), "salt": salt}
    if not DashboardSummaryState.objects.filter(pk=1).update(**values):
        DashboardSummaryState.objects.create(pk=1, **values)
    return done
