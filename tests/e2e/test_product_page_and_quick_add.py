"""In a real browser: the size error sits by the size selector, "from X €" only when variant prices
differ, the quick add keeps its photo across an error, and the terroir hero's call to action goes
somewhere. Phone first, every theme where shoppers look."""

from __future__ import annotations

import io
import re
import secrets

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

THEMES = {"nancy": "metropole", "limoges": "terroir"}
PASSWORD = "e2e-merchant-pass-2"


def _shop_with_products(schema: str, token: str) -> dict:
    from decimal import Decimal

    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, VariantFactory, shop_open_every_day

    with tenant_context(Territory.objects.get(schema_name=schema)):
        owner = User.objects.create_user(email=f"marchand-{token}@example.fr", password=PASSWORD, role="merchant")
        shop = shop_open_every_day(name=f"Mercerie {token}", owner=owner)
        sweater = ProductFactory(shop=shop, title=f"Pull marin {token}", price=Decimal("59.00"))
        VariantFactory(product=sweater, name="S", price=Decimal("55.00"), position=0)
        VariantFactory(product=sweater, name="XL", price=Decimal("65.00"), position=1)
        socks = ProductFactory(shop=shop, title=f"Chaussettes {token}", price=Decimal("12.00"))
        VariantFactory(product=socks, name="39-42", position=0)
        VariantFactory(product=socks, name="43-46", position=1)
        return {
            "schema": schema,
            "shop": shop.pk,
            "owner": owner.pk,
            "email": owner.email,
            "sweater": f"/boutiques/{shop.slug}/{sweater.slug}/",
            "socks": f"/boutiques/{shop.slug}/{socks.slug}/",
        }


def _shop_delete(facts: dict) -> None:
    from django.core.files.storage import default_storage
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.catalog.models import ProductPhoto
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name=facts["schema"])):
        for photo in ProductPhoto.objects.filter(product__shop_id=facts["shop"]):
            for name in [photo.image.name, *(r["name"] for r in photo.renditions.values())]:
                default_storage.delete(name)
        Shop.objects.filter(pk=facts["shop"]).delete()
        User.objects.filter(pk=facts["owner"]).delete()


def _photos_of(facts: dict, title: str) -> int:
    from django_tenants.utils import tenant_context

    from vitrine.catalog.models import Product
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name=facts["schema"])):
        return Product.objects.get(shop_id=facts["shop"], title=title).photos.count()


@pytest.fixture
def shops(orm):
    token = secrets.token_hex(3)
    made = {schema: orm(_shop_with_products, schema, f"{token}{schema[0]}") for schema in THEMES}
    yield made
    for facts in made.values():
        orm(_shop_delete, facts)


ERROR_JS = """() => { const select = document.getElementById('buy-variant');
  const error = document.getElementById(select.getAttribute('aria-describedby'));
  const s = select.getBoundingClientRect(), e = error.getBoundingClientRect();
  return {invalid: select.getAttribute('aria-invalid'), focused: document.activeElement === select,
          gap: Math.max(s.top - e.bottom, e.top - s.bottom), colour: getComputedStyle(error).color,
          text: error.textContent.trim()}; }"""


@pytest.mark.parametrize("territory", THEMES)
def test_the_size_error_is_by_the_selector_and_the_price_says_from_only_when_it_varies(
    phone_page, base_url, screenshot, shops, territory
):
    page, facts = phone_page, shops[territory]

    # given a sweater whose sizes cost 55 and 65 €: "from 55 €" and the note
    page.goto(base_url(territory, facts["sweater"]))
    expect(page.locator(".product-price")).to_have_text("À partir de 55,00 €")
    expect(page.get_by_text("(le prix peut varier selon la variante)")).to_be_visible()

    # when the shopper adds it to the cart without choosing a size
    page.get_by_role("button", name="Ajouter au panier").click()

    # then the error is right by the size selector, red, tied to it, and the focus is there
    page.wait_for_selector("#buy-variant-error")
    found = page.evaluate(ERROR_JS)
    screenshot(page, f"product-variant-error-{THEMES[territory]}")
    assert found["invalid"] == "true" and found["focused"]
    assert found["gap"] <= 16, found
    assert found["colour"] == "rgb(122, 0, 22)" and "Choisissez d’abord une variante" in found["text"]
    expect(page.locator(".messages")).to_have_count(0)

    # and once a size is chosen, it goes in the cart
    page.get_by_label("Variante").select_option(label="XL — 65,00 €")
    page.get_by_role("button", name="Ajouter au panier").click()
    expect(page.locator(".messages")).to_contain_text("est dans votre panier")

    # given socks whose two sizes cost the same: the price alone, no "from", no note
    page.goto(base_url(territory, facts["socks"]))
    expect(page.locator(".product-price")).to_have_text("12,00 €")
    expect(page.get_by_text("(le prix peut varier selon la variante)")).to_have_count(0)


def _png(path, colour: str) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (900, 700), colour).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_the_quick_add_keeps_the_photo_after_a_mistyped_price(phone_page, base_url, screenshot, orm, shops, tmp_path):
    page, facts = phone_page, shops["nancy"]
    page.goto(base_url("nancy", "/compte/connexion/?next=/pro/produits/rapide/"))
    page.get_by_label(re.compile(r"adresse [ée]lectronique", re.IGNORECASE)).fill(facts["email"])
    page.get_by_label(re.compile(r"^\s*mot de passe\s*$", re.IGNORECASE)).fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    page.wait_for_url(base_url("nancy", "/pro/produits/rapide/"))

    # given a photo taken and a price with three decimals
    page.locator("input[type=file][capture=environment]").set_input_files(_png(tmp_path / "IMG_7.png", "#2a9d8f"))
    expect(page.locator("#quick-photo-preview")).to_be_visible()
    page.get_by_label("Qu’est-ce que c’est ?").fill("Pelote de laine")
    page.get_by_label("Prix TTC (€)").fill("8,505")
    page.get_by_role("button", name="Mettre en ligne").click()

    # then the error is said, and the photo is still there, shown, without taking it again
    expect(page.get_by_text("au plus deux décimales")).to_be_visible()
    expect(page.locator("#quick-photo-preview")).to_be_visible()
    assert page.locator("#quick-photo-preview").evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_text("Votre photo est gardée")).to_be_visible()
    assert page.locator("script:not([src])").count() == 0  # the page's script is a static file
    screenshot(page, "quick-add-photo-kept")

    # when the price is corrected
    page.get_by_label("Prix TTC (€)").fill("8,50")
    page.get_by_role("button", name="Mettre en ligne").click()

    # then the product is online with its photo
    expect(page.get_by_role("status")).to_contain_text("« Pelote de laine » est en ligne.")
    assert orm(_photos_of, facts, "Pelote de laine") == 1


def _terroir_hero_html() -> str:
    """The terroir theme's own hero, as a territory without its own hero gets it (Limoges has its own)."""
    from django.template import engines
    from django.utils import translation
    from django_tenants.utils import tenant_context

    from vitrine.config.env import ROOT_DIR
    from vitrine.tenancy.models import Territory

    limoges = Territory.objects.get(schema_name="limoges")
    source = (ROOT_DIR / "themes" / "terroir" / "templates" / "territory" / "_hero.html").read_text()
    with tenant_context(limoges), translation.override("fr"):
        return engines["django"].from_string(source).render({"territory": limoges})


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_terroir_hero_call_to_action_leads_to_the_shops_taking_orders(browser, base_url, screenshot, orm, viewport):
    hero = orm(_terroir_hero_html)
    size = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}[viewport]
    context = browser.new_context(viewport=size, is_mobile=viewport == "phone", has_touch=viewport == "phone")
    page = context.new_page()
    try:
        # given the terroir theme's hero on a terroir territory's home page
        page.goto(base_url("limoges"))
        page.locator(".hero").evaluate("(element, html) => { element.outerHTML = html; }", hero)

        # then its "order online" is a link, a comfortable target, to the shops taking orders
        link = page.get_by_role("link", name="Commandez en ligne, retirez en boutique")
        expect(link).to_be_visible()
        assert link.bounding_box()["height"] >= 44
        screenshot(page, f"terroir-hero-{viewport}")
        link.click()
        page.wait_for_url(re.compile(r"/boutiques/\?click_collect=1$"))
        expect(page.get_by_label("Click & Collect")).to_be_checked()
    finally:
        context.close()
