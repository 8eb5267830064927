"""Orders' test helpers: shops that open every day, a fixed "now", clients on a host."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django_tenants.utils import tenant_context
from vitrine.shops.models import OpeningRange
from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import host_client

PARIS = ZoneInfo("Europe/Paris")
# A Monday morning in Paris: every test computes slots from this moment.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)


def shop_open_every_day(**kwargs):
    """An approved shop open 9:00-12:00 and 14:00-19:00 every day of the week."""
    shop = ShopFactory(**kwargs)
    for weekday in range(7):
        OpeningRange.objects.create(shop=shop, weekday=weekday, opens=time(9), closes=time(12))
        OpeningRange.objects.create(shop=shop, weekday=weekday, opens=time(14), closes=time(19))
    return shop


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Paris, `day` of November/December 2026 (30 = Monday 30 November, 31 = 1 December...)."""
    if day > 30:
        return datetime(2026, 12, day - 30, hour, minute, tzinfo=PARIS)
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)



def client_on(territory, user=None):
    client = host_client(f"{territory.schema_name}.localhost")
    if user is not None:
        with tenant_context(territory):
            client.force_login(user)
    return client


def order_row(shop, *, name: str = "Claire Blaison", status: str = "placed", pickup=None, total: str = "10.00",
              lines: tuple[tuple[str, int], ...] = (("Bague argent", 1),)):
    """An order written straight to the database (for boards, history and summaries), with its lines."""
    import secrets
    import uuid
    from datetime import timedelta
    from decimal import Decimal

    from vitrine.orders.models import Order, OrderLine

    pickup = pickup or NOW
    code = "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(6))
    order = Order.objects.create(
        shop=shop, customer_name=name, email="client@example.fr", phone="0612345678", status=status,
        pickup_code=code, pickup_starts_at=pickup, pickup_ends_at=pickup + timedelta(minutes=30),
        total=Decimal(total), idempotency_key=uuid.uuid4(),
    )
    for title, quantity in lines:
        OrderLine.objects.create(order=order, title=title, unit_price=Decimal(total) / quantity / len(lines),
                                 quantity=quantity)
    return order
