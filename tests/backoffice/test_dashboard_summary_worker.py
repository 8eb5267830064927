"""The dashboard's summary of orders per day is kept warm by the real Celery worker (the beat's task)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.backoffice.models import DashboardDay, DashboardSummaryState
from vitrine.backoffice.tasks import dashboard_summary_refresh_all
from vitrine.orders.models import Order
from vitrine.shops.models import Shop
from vitrine.shops.opening import territory_today
from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import wait_for


def test_the_worker_brings_each_territorys_summary_up_to_date(committed, celery_worker):
    nancy, limoges = committed["nancy"], committed["limoges"]
    with tenant_context(nancy):
        shop = ShopFactory()
        order = Order.objects.create(
            shop=shop,
            customer_name="Client",
            email="client@example.fr",
            status="placed",
            pickup_code="SUMM01",
            pickup_starts_at=shop.created_at,
            pickup_ends_at=shop.created_at,
            total="12.50",
            idempotency_key="00000000-0000-0000-0000-00000000c0de",
        )
        today = territory_today()
    try:
        # when the periodic task runs (as beat sends it, from the public schema)
        connection.set_schema_to_public()
        dashboard_summary_refresh_all.delay()

        # then Nancy's summary counts today's order, and Limoges' was brought up to date too (empty)
        def placed_today():
            with tenant_context(nancy):
                return DashboardDay.objects.filter(day=today).values_list("placed", flat=True).first()

        assert wait_for(placed_today, timeout=30, message="Nancy's summary written by the worker") == 1

        def limoges_refreshed():
            with tenant_context(limoges):
                return DashboardSummaryState.objects.filter(read_until__isnull=False).exists()

        assert wait_for(limoges_refreshed, timeout=30, message="Limoges' summary refreshed")
        with tenant_context(limoges):
            assert not DashboardDay.objects.exists()
        entry = settings.CELERY_BEAT_SCHEDULE["dashboard-summary"]
        assert entry["task"] == dashboard_summary_refresh_all.name and entry["schedule"] > 0
    finally:
        with tenant_context(nancy):
            Order.objects.filter(pk=order.pk).delete()
            owner = shop.owner_user
            Shop.objects.filter(pk=shop.pk).delete()
            owner.delete()
            DashboardDay.objects.all().delete()
            DashboardSummaryState.objects.all().delete()
        with tenant_context(limoges):
            DashboardSummaryState.objects.all().delete()
        connection.set_schema_to_public()
