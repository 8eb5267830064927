"""In a real browser, phone-sized: a merchant signs in, quick-adds a product from a photo, adds a
product with two variants, previews it as a shopper (with a dry-run "add to cart"), and the
products appear on the public storefront.

Runs against the session's real web server and Celery worker, so the shop is committed first
and removed afterwards.
"""

from __future__ import annotations

import io
import re
import secrets

import pytest
from playwright.sync_api import expect

from vitrine.testing.helpers import wait_for

pytestmark = pytest.mark.browser

PASSWORD = "e2e-merchant-pass-1"


def _shop_create(token: str) -> dict:
    from datetime import time

    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.catalog.models import Category
    from vitrine.shops.models import OpeningRange
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import CommuneFactory, ShopFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        owner = User.objects.create_user(email=f"marchand-{token}@example.fr", password=PASSWORD, role="merchant")
        commune = CommuneFactory(name=f"Villers-lès-Nancy {token}", postcode="54600")
        shop = ShopFactory(
            name=f"Atelier Faïence {token}",
            owner=owner,
            commune=commune,
            phone="03 83 12 34 56",
            category=Category.objects.get(slug="decoration"),
            description="<p>Faïence de Lunéville, <strong>peinte à la main</strong> dans notre atelier.</p>",
        )
        OpeningRange.objects.bulk_create(
            [
                OpeningRange(shop=shop, weekday=day, opens=opens, closes=closes)
                for day in range(5)
                for opens, closes in ((time(9), time(12)), (time(14), time(19)))
            ]
        )
        return {"slug": shop.slug, "pk": shop.pk, "email": owner.email, "owner": owner.pk, "commune": commune.pk}


def _shop_delete(facts: dict) -> None:
    from django.core.files.storage import default_storage
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.catalog.models import ProductPhoto
    from vitrine.shops.models import Commune, Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        for photo in ProductPhoto.objects.filter(product__shop_id=facts["pk"]):
            for name in [photo.image.name, *(r["name"] for r in photo.renditions.values())]:
                default_storage.delete(name)
        Shop.objects.filter(pk=facts["pk"]).delete()
        User.objects.filter(pk=facts["owner"]).delete()
        Commune.objects.filter(pk=facts["commune"]).delete()


def _products(shop_pk: int) -> list[tuple]:
    from django_tenants.utils import tenant_context

    from vitrine.catalog.models import Product
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        return [
            (
                p.title,
                str(p.price),
                p.status,
                [(v.name, v.price and str(v.price), v.stock) for v in p.variants.all()],
                [bool(photo.renditions) for photo in p.photos.all()],
            )
            for p in Product.objects.filter(shop_id=shop_pk)
            .order_by("created_at")
            .prefetch_related("variants", "photos")
        ]


def _png(path, colour: str) -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 900), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((350, 200, 850, 700), fill="#f5f0e6", outline="#1d3557", width=18)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def _fits_the_phone(page) -> bool:
    # compared with the phone's width: a mobile browser widens its layout viewport to fit wide content
    return page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.fixture
def merchant_shop(orm):
    facts = orm(_shop_create, secrets.token_hex(3))
    yield facts
    orm(_shop_delete, facts)


def test_merchant_fills_the_catalogue_from_a_phone_and_shoppers_see_it(
    phone_page, base_url, screenshot, orm, merchant_shop, tmp_path
):
    page = phone_page
    shop_slug = merchant_shop["slug"]

    # given a merchant who signs in on their phone
    page.goto(base_url("nancy", "/compte/connexion/?next=/pro/produits/"))
    page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.IGNORECASE)).fill(
        merchant_shop["email"]
    )
    page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.IGNORECASE)).fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    page.wait_for_url(base_url("nancy", "/pro/produits/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mes produits")

    # when they quick-add a product: a photo from the camera, a title, a price, one button
    page.get_by_role("link", name=re.compile("Ajout rapide")).first.click()
    page.locator("input[type=file][capture=environment]").set_input_files(_png(tmp_path / "IMG_0001.png", "#c0392b"))
    expect(page.locator("#quick-photo-preview")).to_be_visible()
    page.get_by_label("Qu’est-ce que c’est ?").fill("Assiette fleurie")
    page.get_by_label("Prix TTC (€)").fill("24,90")
    button = page.get_by_role("button", name="Mettre en ligne")
    assert button.bounding_box()["height"] >= 44
    button.click()

    # then it is online at once, and the page offers the next one
    expect(page.get_by_role("status")).to_contain_text("« Assiette fleurie » est en ligne.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter un autre produit")
    assert _fits_the_phone(page)
    screenshot(page, "merchant-quick-add")

    # when they add a product with two variants through the full form (the second row added with htmx)
    page.goto(base_url("nancy", "/pro/produits/nouveau/"))
    page.get_by_label("Titre").fill("Bol à café")
    page.get_by_label("Prix TTC (€)").fill("18,50")
    page.get_by_label("Catégorie").select_option(label="Objets et accessoires")
    page.get_by_label("Stock suivi").check()
    page.get_by_label("Description").fill("Bol émaillé, tourné à la main.\n\nPasse au lave-vaisselle.")
    page.locator("input[name=photos]").set_input_files(_png(tmp_path / "bol.png", "#1d3557"))
    rows = page.locator(".variant-row")
    expect(rows).to_have_count(1)
    rows.nth(0).get_by_label("Nom").fill("Petit")
    rows.nth(0).get_by_label("Stock").fill("3")
    page.get_by_role("button", name="Ajouter une variante").click()
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_label("Nom").fill("Grand")
    rows.nth(1).get_by_label("Prix (€)").fill("22,00")
    rows.nth(1).get_by_label("Stock").fill("1")
    # and a third row, added by mistake, taken out again (a static script: no inline handler)
    page.get_by_role("button", name="Ajouter une variante").click()
    expect(rows).to_have_count(3)
    rows.nth(2).get_by_role("button", name="Retirer").click()
    expect(rows).to_have_count(2)
    assert _fits_the_phone(page)
    screenshot(page, "merchant-product-form")
    page.get_by_role("button", name="Enregistrer", exact=True).first.click()

    # then it is saved with its variants
    expect(page.locator(".messages")).to_contain_text("« Bol à café » est enregistré.")
    products = orm(_products, merchant_shop["pk"])
    assert [(title, price, status, variants) for title, price, status, variants, _ in products] == [
        ("Assiette fleurie", "24.90", "published", []),
        ("Bol à café", "18.50", "published", [("Petit", None, 3), ("Grand", "22.00", 1)]),
    ]

    # when they look at it as a shopper and try "add to cart" on the big variant
    page.get_by_role("link", name="Voir comme un client").click()
    expect(page.get_by_role("note")).to_contain_text("Aperçu")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bol à café")
    page.get_by_label("Variante").select_option(label="Grand — 22,00 €")
    page.get_by_role("button", name=re.compile("Essayer")).click()

    # then the dry run answers without creating anything
    expect(page.locator("#try-add-result")).to_contain_text("OK : un client pourrait ajouter ce produit au panier.")
    page.get_by_label("Quantité").fill("2")
    page.get_by_role("button", name=re.compile("Essayer")).click()
    expect(page.locator("#try-add-result")).to_contain_text("Plus que 1 en stock.")
    screenshot(page, "merchant-product-preview")

    # and their product list shows both, with their status
    page.goto(base_url("nancy", "/pro/produits/"))
    expect(page.locator(".product-row")).to_have_count(2)
    expect(page.locator(".product-row").first).to_contain_text("Bol à café")
    expect(page.locator(".product-row").first).to_contain_text("En ligne")
    # the photos' web renditions are made by the worker meanwhile
    wait_for(
        lambda: all(all(done) for *_, done in orm(_products, merchant_shop["pk"])),
        timeout=30,
        message="the photo renditions",
    )
    page.reload()
    assert _fits_the_phone(page)
    screenshot(page, "merchant-products")

    # when a shopper (not signed in) opens the public storefront
    shopper = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    try:
        public = shopper.new_page()
        response = public.goto(base_url("nancy", f"/boutiques/{shop_slug}/"))

        # then both products are there, with the shop's hours and its map link
        assert response.status == 200
        expect(public.get_by_role("heading", level=1)).to_contain_text("Atelier Faïence")
        expect(public.locator(".product-card")).to_have_count(2)
        expect(public.locator(".product-grid")).to_contain_text("24,90 €")
        expect(public.get_by_role("link", name=re.compile("Voir sur la carte"))).to_have_attribute(
            "href", re.compile(r"^https://www\.openstreetmap\.org/search\?query=")
        )
        expect(public.locator("table.hours")).to_contain_text("9:00–12:00, 14:00–19:00")
        assert public.locator(".product-card img").first.get_attribute("srcset")
        assert _fits_the_phone(public)
        screenshot(public, "storefront")

        # and the product page shows the variants, the price in euros and the VAT
        public.get_by_role("link", name=re.compile("Bol à café")).click()
        expect(public.get_by_role("heading", level=1)).to_have_text("Bol à café")
        expect(public.locator(".product-price")).to_contain_text("18,50 €")
        expect(public.locator(".variants-table")).to_contain_text("22,00 €")
        expect(public.get_by_text("TVA 20 % incluse")).to_be_visible()
        expect(public.locator(".rich-text p")).to_have_text(
            ["Bol émaillé, tourné à la main.", "Passe au lave-vaisselle."]
        )
        assert public.locator(".product-main-photo").get_attribute("width")
        assert _fits_the_phone(public)
        screenshot(public, "product")
    finally:
        shopper.close()
