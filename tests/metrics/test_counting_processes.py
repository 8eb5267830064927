"""The real web server buffers the counts in Redis; the real Celery worker writes them (the beat's task)."""

from __future__ import annotations

import urllib.request

from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.metrics.models import DailyCount
from vitrine.metrics.tasks import daily_counts_flush_all
from vitrine.shops.models import Shop
from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import wait_for

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _get(port: int, path: str, agent: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": f"nancy.localhost:{port}", "User-Agent": agent}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # our own test server
        return response.status


def test_the_server_buffers_and_the_worker_writes_the_counts(committed, web_server, celery_worker):
    nancy = committed["nancy"]
    with tenant_context(nancy):
        shop = ShopFactory()
    try:
        # given a shopper who opens a storefront twice, and a crawler once, on the real server
        for agent in (BROWSER, BROWSER, CRAWLER):
            assert _get(web_server, f"/boutiques/{shop.slug}/", agent) == 200
        with tenant_context(nancy):
            assert not DailyCount.objects.filter(shop_id=shop.pk).exists()  # the page wrote nothing

        # when the periodic flush runs (as beat sends it, from the public schema)
        connection.set_schema_to_public()
        daily_counts_flush_all.delay()

        # then the worker writes the two visits in Nancy's counts
        def written():
            with tenant_context(nancy):
                return (
                    DailyCount.objects.filter(kind="storefront", shop_id=shop.pk)
                    .values_list("count", flat=True)
                    .first()
                )

        assert wait_for(written, timeout=30, message="the counts written by the worker") == 2
    finally:
        with tenant_context(nancy):
            DailyCount.objects.all().delete()
            owner = shop.owner_user
            Shop.objects.filter(pk=shop.pk).delete()
            owner.delete()
        connection.set_schema_to_public()
