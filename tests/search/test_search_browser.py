"""A shopper on a phone searches every shop from the header (Debian's Chromium, Playwright)."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category
from vitrine.config.env import VAR_DIR
from vitrine.shops.models import Shop
from vitrine.testing.factories import CommuneFactory, ProductFactory, ShopFactory

CHROMIUM = Path(os.environ.get("VITRINE_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 390, "height": 844}


def _chromium_or_skip():
    if CHROMIUM.is_file():
        return
    if os.environ.get("VITRINE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing (VITRINE_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed")


def test_a_shopper_on_a_phone_searches_bijou_and_filters_by_shop(committed, web_server):
    _chromium_or_skip()
    nancy = committed["nancy"]
    with tenant_context(nancy):
        # given two jewellers and a bookshop in Nancy (committed: the web server must see them)
        commune = CommuneFactory(name="Nancy", postcode="54000")
        rings, books = Category.objects.get(slug="bagues"), Category.objects.get(slug="romans")
        stan = ShopFactory(
            name="Bijouterie Stanislas", slug="e2e-bijouterie-stanislas", commune=commune, category=rings
        )
        atelier = ShopFactory(name="Atelier Émeraude", slug="e2e-atelier-emeraude", commune=commune, category=rings)
        shelf = ShopFactory(name="Librairie du Tilleul", slug="e2e-librairie-tilleul", commune=commune, category=books)
        ProductFactory(shop=stan, title="Bague argent et grenat", category=rings, price=Decimal("89.00"))
        ProductFactory(shop=stan, title="Bijoux de famille restaurés", category=rings, price=Decimal("45.50"))
        ProductFactory(
            shop=atelier,
            title="Pendentif émeraude",
            category=Category.objects.get(slug="colliers"),
            price=Decimal("120.00"),
            description="Un bijou fait main.",
        )
        ProductFactory(shop=shelf, title="Roman policier lorrain", category=books)
    shots = VAR_DIR / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            page = context.new_page()
            page.set_default_timeout(10_000)

            # when she types "bijou" in the header's search box and submits
            page.goto(f"http://nancy.localhost:{web_server}/")
            page.get_by_label("Chercher dans les boutiques").fill("bijou")
            page.get_by_label("Chercher dans les boutiques").press("Enter")
            page.wait_for_url("**/recherche/?q=bijou")

            # then the jewels of both shops are found, and the count is announced
            status = page.get_by_role("status").inner_text()
            cards = page.locator(".product-card-title").all_inner_texts()
            page.screenshot(path=str(shots / "search-bijou-phone.png"), full_page=True)
            assert status == "3 produits trouvés pour « bijou »"
            assert sorted(cards) == ["Bague argent et grenat", "Bijoux de famille restaurés", "Pendentif émeraude"]
            # the title match outranks the others (a ring and a pendant, in categories under "Bijoux")
            assert cards[0] == "Bijoux de famille restaurés"

            # when she opens the filters and picks one shop
            page.locator("summary", has_text="Filtrer").click()
            page.screenshot(path=str(shots / "search-filters-phone.png"), full_page=True)
            page.get_by_role("link", name="Atelier Émeraude (1)").click()

            # then only that shop's jewel remains
            assert page.locator(".product-card-title").all_inner_texts() == ["Pendentif émeraude"]
            assert page.get_by_role("status").inner_text() == "1 produit trouvé pour « bijou »"

            # when she misspells a word, then she is offered the right one
            page.goto(f"http://nancy.localhost:{web_server}/recherche/?q=bijoox")
            page.screenshot(path=str(shots / "search-suggestions-phone.png"), full_page=True)
            assert "Aucun produit ne correspond à votre recherche." in page.content()
            assert page.get_by_role("link", name="Chercher « bijoux »").count() == 1
            context.close()
            browser.close()
    finally:
        with tenant_context(nancy):
            shops = Shop.objects.filter(slug__startswith="e2e-")
            owners = [m.user for s in shops for m in s.members.all()]
            for shop in shops:
                shop.products.all().delete()
                shop.members.all().delete()
            shops.delete()
            for user in owners:
                user.delete()
            commune.delete() if not commune.shops.exists() else None
