"""In a real browser, on a phone: a merchant reads their shop's statistics (screenshot under var/screenshots/)."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from vitrine.testing.browser import axe_violations, territory_sign_in

pytestmark = pytest.mark.browser

PASSWORD = "e2e-merchant-pass-3"


def _shop_with_figures(token: str) -> dict:
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.metrics.models import DailyCount
    from vitrine.orders.models import Order, OrderEvent, OrderLine
    from vitrine.shops.opening import territory_today
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, shop_open_every_day

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        owner = User.objects.create_user(email=f"stats-{token}@example.fr", password=PASSWORD, role="merchant")
        shop = shop_open_every_day(name=f"Épicerie {token}", owner=owner)
        honey = ProductFactory(shop=shop, title="Miel de sapin des Vosges", price=Decimal("9.50"))
        mirabelles = ProductFactory(shop=shop, title="Confiture de mirabelles", price=Decimal("6.20"))
        ProductFactory(shop=shop, title="Bergamotes de Nancy", price=Decimal("4.80"))
        today = territory_today()
        rows = []
        for back in range(0, 60):
            day = today - timedelta(days=back)
            rows += [
                DailyCount(day=day, kind="storefront", shop_id=shop.pk, count=20 + back % 7),
                DailyCount(day=day, kind="product", shop_id=shop.pk, key=str(honey.pk), count=6),
                DailyCount(day=day, kind="product", shop_id=shop.pk, key=str(mirabelles.pk), count=9),
                DailyCount(day=day, kind="search_shop", shop_id=shop.pk, count=3 + back % 3),
            ]
        DailyCount.objects.bulk_create(rows)
        now = timezone.now()
        for i, status in enumerate(["collected"] * 9 + ["not_collected", "refused", "placed"]):
            order = Order.objects.create(
                shop=shop,
                customer_name="Claire Blaison",
                email="client@example.fr",
                status=status,
                pickup_code=f"{token[:3].upper()}{i:03d}",
                pickup_starts_at=now,
                pickup_ends_at=now + timedelta(minutes=30),
                total=Decimal("19.00"),
                idempotency_key=__import__("uuid").uuid4(),
                collected_at=now - timedelta(days=i) if status == "collected" else None,
            )
            Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=i + 1))
            OrderLine.objects.create(order=order, product=honey, title=honey.title, unit_price=honey.price, quantity=2)
            if status in ("not_collected", "refused"):
                OrderEvent.objects.create(order=order, from_status="placed", to_status=status)
        return {"shop": shop.pk, "owner": owner.pk, "email": owner.email}


def _cleanup(facts: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.metrics.models import DailyCount
    from vitrine.orders.models import Order
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        Order.objects.filter(shop_id=facts["shop"]).delete()
        DailyCount.objects.filter(shop_id=facts["shop"]).delete()
        Shop.objects.filter(pk=facts["shop"]).delete()
        User.objects.filter(pk=facts["owner"]).delete()


def test_a_merchant_reads_their_statistics_on_a_phone(orm, phone_page, base_url, screenshot):
    token = secrets.token_hex(3)
    facts = orm(_shop_with_figures, token)
    try:
        # given the merchant signed in on their phone
        page = phone_page
        territory_sign_in(page, facts["email"], PASSWORD, url=base_url("nancy", "/compte/connexion/"))

        # when they open the statistics from the merchant area's menu, then pick 7 days
        page.goto(base_url("nancy", "/pro/"))
        page.get_by_role("link", name="Statistiques", exact=True).click()
        expect(page.get_by_role("heading", name="Statistiques", level=1)).to_be_visible()
        page.get_by_role("link", name="7 jours").click()
        expect(page.get_by_role("link", name="7 jours")).to_have_attribute("aria-current", "true")

        # then each figure is there with its line of explanation, the products in tables
        cards = page.locator(".stat-cards li")
        expect(cards).to_have_count(9)
        expect(cards.filter(has_text="Recettes")).to_contain_text("133,00")  # 7 orders of 19 € collected in 7 days
        expect(cards.filter(has_text="Taux de non-retrait")).to_contain_text("13\u00a0%")  # 1 of 8 due: 12.5 %
        expect(page.get_by_role("row", name="Miel de sapin des Vosges")).to_be_visible()
        expect(page.locator("table").nth(1).get_by_role("row", name="Confiture de mirabelles")).to_be_visible()
        # one-handed: nothing wider than the phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert axe_violations(page) == []
        screenshot(page, "merchant-statistics-phone")
    finally:
        orm(_cleanup, facts)
