"""The merchant's catalogue pages (/pro/produits/): list, create and edit with variants and photos,
quick add from a phone, previews "as a shopper" and the "add to cart" dry run."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, Product, ProductPhoto
from vitrine.testing.factories import (
    ProductFactory,
    ShopFactory,
    UserFactory,
    VariantFactory,
)
from vitrine.testing.helpers import host_client


def _form(**overrides) -> dict:
    data = {
        "title": "Vase en grès",
        "price": "34,50",
        "vat_rate": "20.0",
        "status": "published",
        "availability": "stock",
        "stock": "4",
        "sku": "",
        "description": "<p>Tourné à <em>Nancy</em></p>",
        "variant_name": [
            "",
        ],
        "variant_price": [""],
        "variant_stock": [""],
        "variant_sku": [""],
    }
    data.update(overrides)
    return data


def _category_id(nancy, slug="decoration") -> int:
    with tenant_context(nancy):
        return Category.objects.get(slug=slug).pk


def test_merchant_lists_their_products_with_status_and_the_staff_reason(nancy, nancy_shop, nancy_merchant):
    # given three products of the shop, one taken offline by staff, and another shop's product
    with tenant_context(nancy):
        ProductFactory(shop=nancy_shop, title="Bague argent")
        ProductFactory(shop=nancy_shop, title="Collier perles", status="draft", unpublished_reason="La photo est floue")
        ProductFactory(shop=nancy_shop, title="Broche ancienne", status="archived")
        ProductFactory(title="Produit du voisin")

    # when the merchant opens their product list
    response = nancy_merchant.get("/pro/produits/")

    # then they see their products, their statuses in French and the staff's reason; not the neighbour's
    assert response.status_code == 200
    text = response.text
    assert "Bague argent" in text and "Collier perles" in text and "Broche ancienne" in text
    assert "Produit du voisin" not in text
    assert "En ligne" in text and "Brouillon" in text and "Archivé" in text
    assert "Retiré du site par l’équipe du territoire" in text and "La photo est floue" in text


def test_merchant_searches_within_their_shop(nancy, nancy_shop, nancy_merchant):
    with tenant_context(nancy):
        ProductFactory(shop=nancy_shop, title="Bague argent", sku="BA-1")
        ProductFactory(shop=nancy_shop, title="Collier perles")
        ProductFactory(title="Bague du voisin")

    text = nancy_merchant.get("/pro/produits/", {"q": "bague"}).text
    assert "Bague argent" in text and "Collier perles" not in text and "Bague du voisin" not in text
    assert "Collier perles" in nancy_merchant.get("/pro/produits/", {"q": "perles"}).text
    assert "Bague argent" in nancy_merchant.get("/pro/produits/", {"q": "ba-1"}).text


def test_product_list_query_count_does_not_grow_with_products(nancy, nancy_shop, nancy_merchant, media, png_upload):
    # given a shop with one product (with a photo and variants)
    with tenant_context(nancy):

        def product_with_photo_and_variants():
            product = ProductFactory(shop=nancy_shop)
            ProductPhoto.objects.create(product=product, image="nancy/products/x.png", width=10, height=10)
            VariantFactory(product=product)
            VariantFactory(product=product)

        product_with_photo_and_variants()
    nancy_merchant.get("/pro/produits/")  # warm the routing cache and the session

    with CaptureQueriesContext(connection) as one:
        nancy_merchant.get("/pro/produits/")
    # when the shop has twenty products
    with tenant_context(nancy):
        for _ in range(19):
            product_with_photo_and_variants()
    with CaptureQueriesContext(connection) as twenty:
        response = nancy_merchant.get("/pro/produits/")

    # then the page costs the same number of queries
    assert response.status_code == 200
    assert len(twenty) == len(one), [q["sql"] for q in twenty.captured_queries]


def test_merchant_creates_a_product_with_two_variants_typed_the_french_way(
    nancy, nancy_shop, nancy_merchant, media, png_upload
):
    # when the merchant posts the full form with two variants (one at its own price) and a photo
    response = nancy_merchant.post(
        "/pro/produits/nouveau/",
        _form(
            category=_category_id(nancy),
            variant_name=["Petit", "Grand", ""],
            variant_price=["", "49,90", ""],
            variant_stock=["2", "1", ""],
            variant_sku=["V-P", "V-G", ""],
            photos=[png_upload("vase.png")],
        ),
    )

    # then the product exists with its variants and its photo, and the edit page opens
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(nancy):
        product = Product.objects.get(shop=nancy_shop, title="Vase en grès")
        assert response["Location"] == f"/pro/produits/{product.pk}/"
        assert product.price == Decimal("34.50") and product.stock == 4
        assert [(v.name, v.price, v.stock) for v in product.variants.all()] == [
            ("Petit", None, 2),
            ("Grand", Decimal("49.90"), 1),
        ]
        assert product.photos.get().image.name.startswith("nancy/products/vase-en-gres")
    page = nancy_merchant.get(response["Location"]).text
    assert "« Vase en grès » est enregistré." in page
    assert 'value="34,50"' in page and 'value="49,90"' in page


def test_bad_input_on_the_form_says_why_in_french_and_saves_nothing(nancy, nancy_shop, nancy_merchant):
    response = nancy_merchant.post(
        "/pro/produits/nouveau/",
        _form(
            category=_category_id(nancy),
            price="douze",
            variant_name=["M", "m"],
            variant_price=["", ""],
            variant_stock=["1", "x"],
            variant_sku=["", ""],
        ),
    )

    assert response.status_code == 400
    text = response.text
    assert "Rien n’a été enregistré" in text
    assert "« douze » n’est pas un prix" in text
    assert "Deux variantes s’appellent m." in text
    assert 'role="alert"' in text
    # what was typed is kept
    assert 'value="Vase en grès"' in text and 'value="douze"' in text
    with tenant_context(nancy):
        assert not Product.objects.filter(shop=nancy_shop).exists()


def test_merchant_edits_a_product_and_removes_a_variant(nancy, nancy_shop, nancy_merchant):
    with tenant_context(nancy):
        product = ProductFactory(shop=nancy_shop, title="Tasse")
        VariantFactory(product=product, name="Bleue", stock=2)
        VariantFactory(product=product, name="Verte", stock=2)

    page = nancy_merchant.get(f"/pro/produits/{product.pk}/").text
    assert 'value="Bleue"' in page and 'value="Verte"' in page and 'value="24,90"' in page

    response = nancy_merchant.post(
        f"/pro/produits/{product.pk}/",
        _form(
            title="Tasse émaillée",
            price="19",
            category=product.category_id,
            status="draft",
            variant_name=["Bleue"],
            variant_price=["21,00"],
            variant_stock=["5"],
            variant_sku=[""],
        ),
    )

    assert response.status_code == 302
    with tenant_context(nancy):
        product.refresh_from_db()
        assert (product.title, product.price, product.status) == ("Tasse émaillée", Decimal("19.00"), "draft")
        assert [(v.name, v.price, v.stock) for v in product.variants.all()] == [("Bleue", Decimal("21.00"), 5)]


def test_variant_row_for_htmx(nancy, nancy_merchant):
    response = nancy_merchant.get("/pro/produits/variante/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'name="variant_name"' in response.text and 'name="variant_price"' in response.text
    assert "<html" not in response.text


def test_quick_add_page_is_made_for_a_phone_camera(nancy, nancy_merchant):
    text = nancy_merchant.get("/pro/produits/rapide/").text
    assert 'accept="image/*"' in text and 'capture="environment"' in text
    assert 'inputmode="decimal"' in text
    assert "Mettre en ligne" in text


def test_quick_add_puts_a_product_online_and_offers_the_next_one(nancy, nancy_shop, nancy_merchant, media, png_upload):
    response = nancy_merchant.post(
        "/pro/produits/rapide/",
        {"title": "Coussin lin", "price": "29,90", "photo": png_upload("IMG_1.png")},
        follow=True,
    )

    assert response.status_code == 200
    assert "« Coussin lin » est en ligne." in response.text
    assert "Ajouter un autre produit" in response.text
    with tenant_context(nancy):
        product = Product.objects.get(shop=nancy_shop)
        assert (product.status, product.price, product.photos.count()) == ("published", Decimal("29.90"), 1)


def test_quick_add_with_a_bad_price_or_a_fake_photo_says_why(nancy, nancy_shop, nancy_merchant, media):
    fake = SimpleUploadedFile("IMG_2.jpg", b"GIF89a not really", content_type="image/jpeg")
    response = nancy_merchant.post("/pro/produits/rapide/", {"title": "", "price": "1,234", "photo": fake})

    assert response.status_code == 400
    assert "Donnez un titre au produit." in response.text or "Ce champ est obligatoire." in response.text
    with tenant_context(nancy):
        assert not Product.objects.filter(shop=nancy_shop).exists()

    fake = SimpleUploadedFile("IMG_3.jpg", b"GIF89a not really", content_type="image/jpeg")
    response = nancy_merchant.post("/pro/produits/rapide/", {"title": "Coussin", "price": "1,234", "photo": fake})
    assert response.status_code == 400
    assert "au plus deux décimales" in response.text and "pas une image" in response.text


def test_merchant_manages_photos_with_htmx(nancy, nancy_shop, nancy_merchant, media, png_upload):
    with tenant_context(nancy):
        product = ProductFactory(shop=nancy_shop, title="Lampe")
    htmx = {"HTTP_HX_REQUEST": "true"}

    # upload two photos at once
    response = nancy_merchant.post(
        f"/pro/produits/{product.pk}/photos/", {"photos": [png_upload("a.png"), png_upload("b.png")]}, **htmx
    )
    assert response.status_code == 200 and 'id="photos"' in response.text and "<html" not in response.text
    with tenant_context(nancy):
        first, second = product.photos.all()
    # move the second first, describe it, delete the other
    nancy_merchant.post(f"/pro/produits/{product.pk}/photos/{second.pk}/deplacer/", {"direction": "up"}, **htmx)
    nancy_merchant.post(f"/pro/produits/{product.pk}/photos/{second.pk}/description/", {"alt": "Lampe allumée"}, **htmx)
    response = nancy_merchant.post(f"/pro/produits/{product.pk}/photos/{first.pk}/supprimer/", **htmx)
    assert 'alt="Lampe allumée"' in response.text
    with tenant_context(nancy):
        assert [(p.pk, p.alt, p.position) for p in product.photos.all()] == [(second.pk, "Lampe allumée", 0)]

    # a fake image is refused with a message, nothing added
    response = nancy_merchant.post(
        f"/pro/produits/{product.pk}/photos/",
        {"photos": [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")]},
        **htmx,
    )
    assert response.status_code == 400 and "pas une image" in response.text
    with tenant_context(nancy):
        assert product.photos.count() == 1

    # without htmx, the same forms work and come back to the edit page
    response = nancy_merchant.post(f"/pro/produits/{product.pk}/photos/{second.pk}/description/", {"alt": "Lampe"})
    assert response.status_code == 302 and response["Location"] == f"/pro/produits/{product.pk}/#photos"


def test_another_shops_products_and_photos_are_unreachable(nancy, nancy_shop, nancy_merchant, media, png_upload):
    # given a product of another shop of the same territory, with a photo
    with tenant_context(nancy):
        other = ShopFactory(name="Chez le voisin")
        theirs = ProductFactory(shop=other, title="Leur produit", status="draft")
        photo = ProductPhoto.objects.create(product=theirs, image="nancy/products/theirs.png", alt="leur photo")

    # then every page and action on it answers 404 to our merchant, and nothing changes
    for url in (f"/pro/produits/{theirs.pk}/", f"/pro/produits/{theirs.pk}/apercu/"):
        assert nancy_merchant.get(url).status_code == 404, url
    assert nancy_merchant.post(f"/pro/produits/{theirs.pk}/", _form(category=theirs.category_id)).status_code == 404
    assert nancy_merchant.post(f"/pro/produits/{theirs.pk}/essai-panier/").status_code == 404
    assert nancy_merchant.post(f"/pro/produits/{theirs.pk}/photos/", {"photos": [png_upload()]}).status_code == 404
    for action, data in (("supprimer", {}), ("deplacer", {"direction": "up"}), ("description", {"alt": "x"})):
        assert nancy_merchant.post(f"/pro/produits/{theirs.pk}/photos/{photo.pk}/{action}/", data).status_code == 404
    with tenant_context(nancy):
        theirs.refresh_from_db()
        assert theirs.title == "Leur produit"
        assert ProductPhoto.objects.get(pk=photo.pk).alt == "leur photo"


def test_merchant_pages_need_a_merchant(nancy, client_for):
    # a visitor is sent to sign in; a shopper is refused
    response = host_client("nancy.localhost").get("/pro/produits/")
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")
    with tenant_context(nancy):
        shopper = UserFactory()
    shopper_client = client_for(nancy, shopper)
    for url in ("/pro/produits/", "/pro/produits/nouveau/", "/pro/produits/rapide/", "/pro/produits/vitrine/apercu/"):
        assert shopper_client.get(url).status_code == 403, url


def test_cross_territory_a_nancy_product_is_unreachable_from_limoges(
    nancy, limoges, nancy_shop, nancy_merchant, client_for
):
    # given a nancy product, and a limoges merchant
    with tenant_context(nancy):
        product = ProductFactory(shop=nancy_shop, title="Produit nancéien")
    with tenant_context(limoges):
        limoges_shop = ShopFactory(name="Porcelaine de Limoges")
    limoges_merchant = client_for(limoges, limoges_shop.owner_user)

    # then limoges' merchant cannot reach it by its id, and their list does not show it
    assert limoges_merchant.get(f"/pro/produits/{product.pk}/").status_code == 404
    assert limoges_merchant.get(f"/pro/produits/{product.pk}/apercu/").status_code == 404
    assert "Produit nancéien" not in limoges_merchant.get("/pro/produits/").text
    # and nancy's merchant session means nothing on limoges' host
    on_limoges = host_client("limoges.localhost")
    on_limoges.cookies = nancy_merchant.cookies
    assert on_limoges.get("/pro/produits/").status_code == 302


def test_preview_shows_a_draft_as_shoppers_would_see_it(nancy, nancy_shop, nancy_merchant):
    with tenant_context(nancy):
        product = ProductFactory(
            shop=nancy_shop,
            title="Bougie cire d'abeille",
            status="draft",
            description='<p>Parfum <strong>miel</strong></p><script>alert("x")</script>',
        )

    response = nancy_merchant.get(f"/pro/produits/{product.pk}/apercu/")

    assert response.status_code == 200
    text = response.text
    assert "Aperçu" in text and "voici exactement ce que voient les clients" in text
    assert "Ce produit est « Brouillon » : les clients ne le voient pas." in text
    assert "Bougie cire d&#x27;abeille" in text and "24,90\xa0€" in text
    assert "<strong>miel</strong>" in text and "<script>alert" not in text
    # shoppers still get a 404 for this draft
    assert host_client("nancy.localhost").get(f"/boutiques/{nancy_shop.slug}/{product.slug}/").status_code == 404


def test_try_add_to_cart_is_a_dry_run_answered_with_htmx(nancy, nancy_shop, nancy_merchant):
    with tenant_context(nancy):
        product = ProductFactory(shop=nancy_shop, title="Pull")
        size_m = VariantFactory(product=product, name="M", stock=1)
        size_l = VariantFactory(product=product, name="L", stock=0)
    htmx = {"HTTP_HX_REQUEST": "true"}

    ok = nancy_merchant.post(f"/pro/produits/{product.pk}/essai-panier/", {"variant": size_m.pk, "quantity": 1}, **htmx)
    out = nancy_merchant.post(f"/pro/produits/{product.pk}/essai-panier/", {"variant": size_l.pk}, **htmx)
    none = nancy_merchant.post(f"/pro/produits/{product.pk}/essai-panier/", {"quantity": 1}, **htmx)
    too_many = nancy_merchant.post(
        f"/pro/produits/{product.pk}/essai-panier/", {"variant": size_m.pk, "quantity": 5}, **htmx
    )

    assert "OK : un client pourrait ajouter ce produit au panier." in ok.text
    assert "Rupture de stock" in out.text and 'role="alert"' in out.text
    assert "Choisissez d’abord une variante" in none.text
    assert "Plus que 1 en stock." in too_many.text
    # nothing was written: stock unchanged
    with tenant_context(nancy):
        size_m.refresh_from_db()
        assert size_m.stock == 1


def test_storefront_preview_shows_a_pending_shop_to_its_merchant_only(nancy, client_for):
    with tenant_context(nancy):
        shop = ShopFactory(name="Épicerie en attente", status="pending")
        ProductFactory(shop=shop, title="Confiture mirabelle")
    merchant = client_for(nancy, shop.owner_user)

    response = merchant.get("/pro/produits/vitrine/apercu/")

    assert response.status_code == 200
    assert "Épicerie en attente" in response.text and "Confiture mirabelle" in response.text
    assert "Votre boutique n’est pas encore en ligne" in response.text
    assert host_client("nancy.localhost").get(f"/boutiques/{shop.slug}/").status_code == 404


@pytest.mark.parametrize("url", ["/pro/produits/", "/pro/produits/nouveau/", "/pro/produits/rapide/"])
def test_merchant_pages_are_in_french_with_labelled_fields(nancy, nancy_merchant, url):
    text = nancy_merchant.get(url).text
    assert '<html lang="fr"' in text
    assert "Mes produits" in text
    assert "/theme.css?v=" in text  # the catalogue's styles are in the territory's one stylesheet
