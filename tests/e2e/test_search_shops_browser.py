"""The search's "Shops" block on a phone and a desktop, in both themes: shops above the products,
ready ones first, "Bientôt" on the others, products with a photo first; screenshots under var/screenshots/."""

from __future__ import annotations

import io

import pytest

pytestmark = pytest.mark.browser

THEMES = {"nancy": "metropole", "limoges": "terroir"}
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

MEASURE_JS = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  hits: [...document.querySelectorAll('.shop-hit')].map(a => a.getBoundingClientRect().height),
  blockTop: document.querySelector('.shop-hits').getBoundingClientRect().top,
  productsTop: document.querySelector('.product-grid').getBoundingClientRect().top,
})"""


def _png(colour: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _world_make(schema: str) -> list[int]:
    from datetime import time

    from django.core.files.base import ContentFile
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from vitrine.catalog.models import Category, ProductPhoto
    from vitrine.shops.models import OpeningRange, ShopPhoto
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, ShopFactory

    with tenant_context(Territory.objects.get(schema_name=schema)):
        crafts = Category.objects.get(slug="loisirs-creatifs")
        new = ShopFactory(name="Atelier Céramique Neuf", slug=f"e2e-{schema}-atelier-neuf", category=crafts)
        ready = ShopFactory(name="Atelier du Potier", slug=f"e2e-{schema}-atelier-potier", category=crafts)
        fabric = ShopFactory(name="L’Atelier Tissus", slug=f"e2e-{schema}-atelier-tissus", category=crafts)
        for shop in (ready, fabric):
            ShopPhoto(shop=shop).image.save(f"e2e-{shop.pk}.png", ContentFile(_png("#2d6a4f")), save=True)
            OpeningRange.objects.create(shop=shop, weekday=1, opens=time(9), closes=time(19))
        now = timezone.now()
        for index, (shop, title) in enumerate(
            [
                (ready, "Bol en grès, atelier"),
                (fabric, "Coussin lin, atelier"),
                (ready, "Tasse émaillée, atelier"),
                (fabric, "Tote bag, atelier"),
            ]
        ):
            product = ProductFactory(shop=shop, title=title, published_at=now - timezone.timedelta(hours=index))
            if index >= 2:  # the oldest two have a photo: they must still come first
                photo = ProductPhoto(product=product, width=800, height=600, alt="")
                photo.image.save(f"e2e-{index}.png", ContentFile(_png(["#c0392b", "#1d3557"][index - 2])), save=True)
        return [new.pk, ready.pk, fabric.pk]


def _world_remove(schema: str, shop_ids: list[int]) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.catalog.models import ProductPhoto
    from vitrine.shops.models import Shop, ShopPhoto
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name=schema)):
        for photo in [
            *ProductPhoto.objects.filter(product__shop_id__in=shop_ids),
            *ShopPhoto.objects.filter(shop_id__in=shop_ids),
        ]:
            photo.image.delete(save=False)
        for shop in Shop.objects.filter(pk__in=shop_ids):
            owners = list(shop.members.values_list("user_id", flat=True))
            shop.delete()
            User.objects.filter(pk__in=owners).delete()


@pytest.mark.parametrize("territory", THEMES)
def test_the_search_shows_the_shops_found_above_the_products_on_a_phone_and_a_desktop(
    browser, base_url, screenshot, orm, territory
):
    shop_ids = orm(_world_make, territory)
    try:
        for viewport, size in VIEWPORTS.items():
            phone = viewport == "phone"
            context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone, device_scale_factor=2)
            page = context.new_page()
            try:
                # when a shopper searches "atelier"
                page.goto(base_url(territory, "/recherche/?q=atelier"))
                screenshot(page, f"search-shops-{THEMES[territory]}-{viewport}")
                shape = page.evaluate(MEASURE_JS)
                hits = page.locator(".shop-hit")

                # then the shops come first, above the products: the ready ones, then the new one, "Bientôt"
                assert page.get_by_role("heading", name="Boutiques", exact=True).is_visible()
                names = page.locator(".shop-hit-name").all_inner_texts()
                assert names[-1] == "Atelier Céramique Neuf" and sorted(names[:2]) == [
                    "Atelier du Potier",
                    "L’Atelier Tissus",
                ]
                assert hits.nth(2).locator(".badge-soon").inner_text() == "Bientôt"
                assert hits.nth(0).locator(".badge-soon").count() == 0
                assert shape["blockTop"] < shape["productsTop"]
                # each shop a link big enough for a thumb, nothing scrolling sideways
                assert min(shape["hits"]) >= 44 and shape["scrollWidth"] <= size["width"]
                # products with a photo first, whatever their age
                cards = page.locator(".product-card-title").all_inner_texts()
                assert cards[:2] == ["Tasse émaillée, atelier", "Tote bag, atelier"], cards
                # the keyboard reaches a shop, which leads to its storefront
                hits.first.focus()
                page.keyboard.press("Enter")
                page.wait_for_url("**/boutiques/e2e-*/")
                assert page.get_by_role("heading", level=1).inner_text() in names
            finally:
                context.close()
    finally:
        orm(_world_remove, territory, shop_ids)
