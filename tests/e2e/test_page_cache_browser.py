"""Shoppers on pages served whole from the cache (common.pagecache): each sees their own cart, adds
to it with their own CSRF token, and switches language with a link."""

from __future__ import annotations

import re
import secrets

import pytest

pytestmark = pytest.mark.browser


def _shop_make(token: str) -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, shop_open_every_day

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        shop = shop_open_every_day(name=f"Bijouterie du cache {token}")
        product = ProductFactory(shop=shop, title=f"Bague mise en cache {token}", stock=5)
        return {
            "shop": shop.pk,
            "storefront": f"/boutiques/{shop.slug}/",
            "product": f"/boutiques/{shop.slug}/{product.slug}/",
        }


def _shop_delete(facts: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        Shop.objects.filter(pk=facts["shop"]).delete()


@pytest.fixture
def cached_shop(orm):
    facts = orm(_shop_make, secrets.token_hex(3))
    yield facts
    orm(_shop_delete, facts)


def _cart_count(page) -> str:
    return re.sub(r"\s+", " ", page.locator(".cart-link").inner_text())


def test_two_visitors_on_cached_pages_each_have_their_own_cart_and_language(browser, base_url, screenshot, cached_shop):
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    first, second = browser.new_context(**phone), browser.new_context(**phone)
    try:
        # given the product page drawn for a first visitor, then served from the cache to a second
        one, two = first.new_page(), second.new_page()
        one.goto(base_url("nancy", cached_shop["product"]))
        served = two.goto(base_url("nancy", cached_shop["product"]))
        assert served.headers.get("x-page-cache") == "hit"

        # when the second adds the ring to their cart from that cached page (its form's token is theirs)
        two.get_by_role("button", name="Ajouter au panier").click()
        two.wait_for_url(re.compile(r"/panier/"))
        # and both open the storefront, cached too
        two.goto(base_url("nancy", cached_shop["storefront"]))
        theirs = two.goto(base_url("nancy", cached_shop["storefront"]))
        mine = one.goto(base_url("nancy", cached_shop["storefront"]))

        # then each sees their own cart
        assert theirs.headers.get("x-page-cache") == "hit" and mine.headers.get("x-page-cache") == "hit"
        assert _cart_count(two) == "Panier (1)" and _cart_count(one) == "Panier (0)"
        screenshot(two, "page-cache-storefront-with-cart-phone")

        # and the language switch, a link, brings the second back to the same page in English
        two.get_by_role("link", name="English").click()
        two.wait_for_url(re.compile(re.escape(cached_shop["storefront"]) + "$"))
        assert two.locator("html").get_attribute("lang") == "en"
        assert _cart_count(two) == "Cart (1)"
        screenshot(two, "page-cache-storefront-english-phone")
        # while the first still reads French
        one.reload()
        assert one.locator("html").get_attribute("lang") == "fr"
    finally:
        first.close()
        second.close()
