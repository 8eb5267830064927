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
