"""The merchant's statistics: their own visits, searches, orders, takings, no-shows and products."""

import secrets
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django_tenants.utils import tenant_context

from vitrine.metrics.models import DailyCount
from vitrine.orders.models import Order, OrderEvent, OrderLine
from vitrine.pro.statistics import period_parse, shop_statistics
from vitrine.shops.models import ShopMember
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory
from vitrine.testing.helpers import client_on

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 12, 5)  # a Saturday: the 7 days are 29 November to 5 December, before them 22 to 28


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def order_at(shop, *, created, status="placed", total="10.00", lines=(), collected=None, event_at=None):
    """An order written straight to the database at `created`, with its lines and its last event."""
    order = Order.objects.create(
        shop=shop,
        customer_name="Claire Blaison",
        email="client@example.fr",
        status=status,
        pickup_code="".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(6)),
        pickup_starts_at=created + timedelta(days=1),
        pickup_ends_at=created + timedelta(days=1, minutes=30),
        total=Decimal(total),
        idempotency_key=uuid.uuid4(),
        collected_at=collected,
    )
    Order.objects.filter(pk=order.pk).update(created_at=created)
    for product, quantity in lines:
        OrderLine.objects.create(
            order=order, product=product, title=product.title, unit_price=product.price, quantity=quantity
        )
    if event_at is not None:
        event = OrderEvent.objects.create(order=order, from_status="placed", to_status=status)
        OrderEvent.objects.filter(pk=event.pk).update(created_at=event_at)
    return order


def counts(shop_id, rows):
    DailyCount.objects.bulk_create(
        DailyCount(day=day, kind=kind, shop_id=shop_id, key=key, count=n) for day, kind, key, n in rows
    )


def test_a_shops_figures_over_seven_days_against_the_seven_before(nancy):
    with tenant_context(nancy):
        # given a shop, two products, another shop, visits and orders around the periods' edges
        shop, other = ShopFactory(), ShopFactory()
        cup = ProductFactory(shop=shop, title="Tasse", price=Decimal("8.00"))
        teapot = ProductFactory(shop=shop, title="Théière", price=Decimal("30.00"))
        counts(
            shop.pk,
            [
                (date(2026, 12, 5), "storefront", "", 4),
                (date(2026, 11, 29), "storefront", "", 2),  # the period's first day
                (date(2026, 11, 28), "storefront", "", 3),  # the day before: the previous period
                (date(2026, 11, 21), "storefront", "", 100),  # before both
                (date(2026, 12, 1), "product", str(cup.pk), 5),
                (date(2026, 12, 2), "product", str(teapot.pk), 3),
                (date(2026, 12, 2), "search_shop", "", 6),
            ],
        )
        counts(other.pk, [(date(2026, 12, 5), "storefront", "", 50), (date(2026, 12, 5), "search_shop", "", 9)])
        DailyCount.objects.create(day=date(2026, 12, 5), kind="page", key="home", count=1000)
        # 00:30 in Paris on the 29th is still the 28th in UTC: it belongs to this period
        order_at(shop, created=paris(date(2026, 11, 29), 0, 30), lines=[(cup, 2)])
        order_at(
            shop,
            created=paris(date(2026, 12, 1), 10),
            status="collected",
            total="25.50",
            lines=[(cup, 1)],
            collected=paris(date(2026, 12, 2), 17),
        )
        order_at(
            shop,
            created=paris(date(2026, 12, 2), 9),
            status="not_collected",
            lines=[(teapot, 1)],
            event_at=paris(date(2026, 12, 4), 20),
        )
        order_at(
            shop,
            created=paris(date(2026, 12, 3), 9),
            status="refused",
            lines=[(teapot, 1)],
            event_at=paris(date(2026, 12, 3), 11),
        )
        order_at(shop, created=paris(date(2026, 12, 4), 9), status="pending_payment", lines=[(teapot, 2)])
        unpaid = order_at(shop, created=paris(date(2026, 12, 4), 10), status="pending_payment", lines=[(teapot, 1)])
        Order.objects.filter(pk=unpaid.pk).update(status="cancelled")  # its payment never came
        OrderEvent.objects.create(order=unpaid, from_status="pending_payment", to_status="cancelled")
        # 23:30 in Paris on the 28th: the previous period, placed and collected then
        order_at(
            shop,
            created=paris(date(2026, 11, 28), 23, 30),
            status="collected",
            total="12.00",
            collected=paris(date(2026, 11, 28), 23, 45),
        )
        order_at(
            other,
            created=paris(date(2026, 12, 1), 10),
            status="collected",
            total="999.00",
            collected=paris(date(2026, 12, 1), 12),
        )

        # when the shop's statistics over 7 days are read
        stats = shop_statistics(shop=shop, days=7, today=TODAY)

    # then each figure is exact, this shop's only
    assert (stats.period.first, stats.period.last) == (date(2026, 11, 29), TODAY)
    assert (stats.previous.first, stats.previous.last) == (date(2026, 11, 22), date(2026, 11, 28))
    now, before = stats.now, stats.before
    assert (now.storefront_visits, now.product_views, now.search_appearances) == (6, 8, 6)
    assert (before.storefront_visits, before.product_views, before.search_appearances) == (3, 0, 0)
    assert (now.orders_placed, now.orders_collected, now.orders_refused, now.orders_not_collected) == (4, 1, 1, 1)
    assert now.takings == Decimal("25.50")
    assert now.no_show_rate == 0.5
    assert (before.orders_placed, before.orders_collected, before.takings) == (1, 1, Decimal("12.00"))
    assert before.no_show_rate == 0.0
    # and the cup sells (3 units in orders not refused, cancelled nor left), the teapot is looked at only
    assert [(r.title, r.units, r.amount, r.views) for r in stats.selling] == [("Tasse", 3, Decimal("24.00"), 5)]
    assert [(r.title, r.views) for r in stats.viewed_not_sold] == [("Théière", 3)]


def test_the_period_is_7_30_or_90_days():
    assert [period_parse(text) for text in ("7", "30", "90", "", None, "12", "abc", "-7")] == [
        7,
        30,
        90,
        30,
        30,
        30,
        30,
        30,
    ]


def _member(territory, shop, role="employee"):
    with tenant_context(territory):
        user = UserFactory(role="merchant")
        ShopMember.objects.create(shop=shop, user=user, role=role)
        return user


def test_a_merchant_sees_their_own_shops_figures_only(nancy):
    # given two shops with their own visits today
    with tenant_context(nancy):
        from vitrine.shops.opening import territory_today

        mine, theirs = ShopFactory(), ShopFactory()
        today = territory_today()
        counts(mine.pk, [(today, "storefront", "", 4321)])
        counts(theirs.pk, [(today, "storefront", "", 98765)])
        mine_owner, theirs_owner = mine.owner_user, theirs.owner_user
    employee = _member(nancy, mine)

    # when each shop's people open the statistics page
    pages = {
        who: client_on(nancy, user).get("/pro/statistiques/?periode=7")
        for who, user in (("owner", mine_owner), ("employee", employee), ("other", theirs_owner))
    }

    # then each sees their own shop's visits, never the other's
    for who in ("owner", "employee"):
        assert pages[who].status_code == 200
        text = pages[who].content.decode()
        assert "4321" in text and "98765" not in text, who
    assert "98765" in pages["other"].content.decode() and "4321" not in pages["other"].content.decode()


def test_who_may_not_open_the_statistics(nancy, limoges):
    # given a Nancy merchant, a shopper and the territory's staff
    with tenant_context(nancy):
        shop = ShopFactory()
        shopper = UserFactory(role="shopper")
    # then a visitor is sent to sign in, a shopper is refused
    anonymous = client_on(nancy).get("/pro/statistiques/")
    assert anonymous.status_code == 302 and "/connexion/" in anonymous["Location"]
    assert client_on(nancy, shopper).get("/pro/statistiques/").status_code == 403
    # and a Nancy merchant's session means nothing in Limoges (cross-territory)
    nancy_client = client_on(nancy, shop.owner_user)
    nancy_client.defaults["HTTP_HOST"] = "limoges.localhost"
    answer = nancy_client.get("/pro/statistiques/")
    assert answer.status_code == 302 and "/connexion/" in answer["Location"]


def test_the_statistics_page_reads_a_fixed_number_of_queries(nancy, django_assert_max_num_queries):
    with tenant_context(nancy):
        shop = ShopFactory()
        for i in range(12):
            product = ProductFactory(shop=shop, title=f"Article {i}")
            order_at(shop, created=paris(date.today(), 0, 1) - timedelta(days=1), lines=[(product, 1)])
    client = client_on(nancy, shop.owner_user)
    client.get("/pro/statistiques/")
    with django_assert_max_num_queries(14):
        assert client.get("/pro/statistiques/?periode=90").status_code == 200
