"""Orders' test helpers: shops that open every day, a fixed "now", clients on a host."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from vitrine.testing.factories import shop_open_every_day  # noqa: F401 (for the tests)
from vitrine.testing.helpers import client_on  # noqa: F401 (for the tests)

PARIS = ZoneInfo("Europe/Paris")
# A Monday morning in Paris: every test computes slots from this moment.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Paris, `day` of November/December 2026 (30 = Monday 30 November, 31 = 1 December...)."""
    if day > 30:
        return datetime(2026, 12, day - 30, hour, minute, tzinfo=PARIS)
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


def order_row(
    shop,
    *,
    name: str = "Claire Blaison",
    status: str = "placed",
    pickup=None,
    total: str = "10.00",
    lines: tuple[tuple[str, int], ...] = (("Bague argent", 1),),
    collected_at=None,
):
    """An order written straight to the database (for boards, history and summaries), with its lines.

    A collected order was handed over at `collected_at`, by default at its pickup time.
    """
    import secrets
    import uuid
    from datetime import timedelta
    from decimal import Decimal

    from vitrine.orders.models import Order, OrderLine

    pickup = pickup or NOW
    code = "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(6))
    order = Order.objects.create(
        shop=shop,
        customer_name=name,
        email="client@example.fr",
        phone="0612345678",
        status=status,
        pickup_code=code,
        pickup_starts_at=pickup,
        pickup_ends_at=pickup + timedelta(minutes=30),
        total=Decimal(total),
        idempotency_key=uuid.uuid4(),
        collected_at=(collected_at or pickup) if status == Order.Status.COLLECTED else None,
    )
    for title, quantity in lines:
        OrderLine.objects.create(
            order=order, title=title, unit_price=Decimal(total) / quantity / len(lines), quantity=quantity
        )
    return order
