"""Each territory's health for the console: computed in its schema by a periodic task, read from the public one.

territory_health_compute() runs in a territory's schema (the Celery task is sent there) and
writes that territory's row of tenancy.TerritoryHealth; the console's list reads only those
rows, so a page costs the same queries at ten territories or at thousands. The figures:

- shops: shops approved (listed on the site);
- active shops: approved shops with an order placed in the last 30 days;
- orders this week: orders placed in the last 7 days (an order still awaiting its online
  payment is not placed yet);
- outbox backlog: emails waiting to be sent (notifications.OutboxEmail, pending);
- last activity: the later of the last order and the last sign-in of anyone in the territory.

A territory's own page adds its team's dashboard figures, read from its schema on that page only
(territory_dashboard_figures: backoffice.dashboard, this month against the same days of the last).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.backoffice.dashboard import Line, Period, dashboard, dashboard_lines, period_choose
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Order
from vitrine.shops.models import Shop
from vitrine.tenancy.models import Territory, TerritoryHealth

ACTIVE_DAYS = 30
WEEK_DAYS = 7


def _placed_orders():
    """Orders a shop received: placed (an online order whose payment never came never was)."""
    return Order.objects.filter(Order.PLACED_Q)


def territory_health_figures(*, now: datetime) -> dict:
    """The health figures of the territory whose schema is current."""
    orders = _placed_orders()
    approved = Shop.objects.filter(status=Shop.Status.APPROVED)
    last_order = orders.aggregate(last=Max("created_at"))["last"]
    last_sign_in = User.objects.aggregate(last=Max("last_login"))["last"]
    moments = [moment for moment in (last_order, last_sign_in) if moment is not None]
    return {
        "shops": approved.count(),
        "active_shops": approved.filter(
            Exists(orders.filter(shop=OuterRef("pk"), created_at__gte=now - timedelta(days=ACTIVE_DAYS)))
        ).count(),
        "orders_week": orders.filter(created_at__gte=now - timedelta(days=WEEK_DAYS)).count(),
        "outbox_pending": OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).count(),
        "last_activity_at": max(moments) if moments else None,
    }


@transaction.atomic
def territory_health_compute(*, now: datetime | None = None) -> TerritoryHealth:
    """Compute the current schema's territory's figures and write its health row (public schema).

    The row is written through the search path (the territory's schema, then public), in
    the same connection: no schema switch.
    """
    now = now or timezone.now()
    territory = Territory.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    figures = territory_health_figures(now=now)
    health, _created = TerritoryHealth.objects.update_or_create(
        territory=territory, defaults={**figures, "computed_at": now}
    )
    return health


@dataclass(frozen=True)
class TerritoryFigures:
    """A territory's dashboard figures for the console: this month so far against the same days of the last."""

    period: Period
    lines: list[Line]


def territory_dashboard_figures(territory: Territory, *, today: date | None = None) -> TerritoryFigures:
    """The territory team's own dashboard figures (backoffice.dashboard), read from its schema."""
    with tenant_context(territory):
        period = period_choose("mois", today=today)[0]
        return TerritoryFigures(period=period, lines=dashboard_lines(dashboard(period=period)))
