"""What shoppers see: the shop directory, storefronts, product pages, categories and the home page."""

import re
from datetime import time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, ProductPhoto
from vitrine.shops.models import ClosingPeriod, OpeningRange, ShopPhoto
from vitrine.testing.factories import (
    CommuneFactory,
    ProductFactory,
    ShopFactory,
    VariantFactory,
)
from vitrine.testing.helpers import host_client

FRENCH_DAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]


def _nancy():
    return host_client("nancy.localhost")


def _open_all_week(shop) -> None:
    OpeningRange.objects.bulk_create(
        [OpeningRange(shop=shop, weekday=day, opens=time(0, 0), closes=time(23, 59, 59)) for day in range(7)]
    )


def _paris_today():
    return timezone.now().astimezone(ZoneInfo("Europe/Paris")).date()


def _photo(product, name="nancy/products/p.png", renditions=None):
    return ProductPhoto.objects.create(
        product=product, image=name, width=800, height=600, alt=f"Photo de {product.title}", renditions=renditions or {}
    )


def _count(client, url) -> int:
    """Queries of a page drawn (caches warm: routing, templates), then asserts the same page from
    the page cache costs none."""
    client.get(url)  # warm caches (routing, templates)
    caches["pages"].clear()  # the page itself is drawn again: its queries are counted
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url)["X-Page-Cache"] == "hit", url
    assert len(cached) == 0, (url, [q["sql"][:80] for q in cached])
    return len(queries)


def test_shop_list_shows_approved_shops_with_open_now_and_filters(nancy):
    with tenant_context(nancy):
        # given approved shops in two categories and two communes, and shops not approved
        jewels, books = Category.objects.get(slug="bijoux"), Category.objects.get(slug="librairie")
        rings = Category.objects.get(slug="bagues")
        laxou = CommuneFactory(name="Laxou", postcode="54520")
        nancy_commune = CommuneFactory(name="Nancy", postcode="54000")
        open_shop = ShopFactory(name="Bijouterie Stanislas", category=rings, commune=nancy_commune)
        _open_all_week(open_shop)
        ShopFactory(name="Librairie du Tilleul", category=books, commune=laxou)
        ShopFactory(name="Boutique en attente", status="pending", category=jewels)
        ShopFactory(name="Boutique suspendue", status="suspended", category=jewels)

    # when a shopper lists the shops
    text = _nancy().get("/boutiques/").text

    # then only approved shops appear, with "open now" or "closed now"
    assert "Bijouterie Stanislas" in text and "Librairie du Tilleul" in text
    assert "Boutique en attente" not in text and "Boutique suspendue" not in text
    assert "Ouvert maintenant" in text and "Fermé actuellement" in text
    assert "Click & Collect" in text
    # filtering by a top-level category includes its sub-categories; by commune too
    by_category = _nancy().get("/boutiques/", {"categorie": "bijoux"}).text
    assert "Bijouterie Stanislas" in by_category and "Librairie du Tilleul" not in by_category
    by_commune = _nancy().get("/boutiques/", {"commune": laxou.slug}).text
    assert "Librairie du Tilleul" in by_commune and "Bijouterie Stanislas" not in by_commune


def test_storefront_shows_the_shop_its_hours_and_published_products(nancy):
    with tenant_context(nancy):
        # given an approved shop open all week, closed for a coming holiday, with products in every status
        shop = ShopFactory(
            name="Maison Mirabelle",
            phone="03 83 00 00 00",
            address="12 rue Saint-Dizier",
            description="<p>Épicerie <strong>fine</strong></p>",
            showcase_only=False,
        )
        _open_all_week(shop)
        start = _paris_today() + timedelta(days=10)
        ClosingPeriod.objects.create(shop=shop, starts_on=start, ends_on=start + timedelta(days=2), reason="Congés")
        ClosingPeriod.objects.create(
            shop=shop, starts_on=start - timedelta(days=40), ends_on=start - timedelta(days=30)
        )
        ProductFactory(shop=shop, title="Confiture de mirabelles")
        ProductFactory(shop=shop, title="Brouillon secret", status="draft")
        ProductFactory(shop=shop, title="Ancien produit", status="archived")

    # when a shopper opens the storefront
    response = _nancy().get(f"/boutiques/{shop.slug}/")

    # then they see the shop, its map link, phone, hours with today marked, "open now", the coming closure
    assert response.status_code == 200
    text = response.text
    assert "<h1>Maison Mirabelle</h1>" in text
    assert "Épicerie <strong>fine</strong>" in text
    assert "https://www.openstreetmap.org/search?query=12+rue+Saint-Dizier" in text
    assert 'href="tel:0383000000"' in text
    assert "ouvert maintenant" in text and "Ouvert maintenant" in text
    today = FRENCH_DAYS[_paris_today().weekday()]
    assert re.search(
        rf'<tr class="today" aria-current="date">\s*<th scope="row">{today} <span class="small">\(aujourd’hui\)', text
    )
    assert "Congés" in text and "Fermé du" in text
    assert "Click & Collect" in text
    # and only the published products
    assert "Confiture de mirabelles" in text and "24,90\xa0€" in text
    assert "Brouillon secret" not in text and "Ancien produit" not in text


def test_storefront_is_closed_during_a_closing_period_and_says_showcase_only(nancy):
    with tenant_context(nancy):
        shop = ShopFactory(name="Vitrine seule", showcase_only=True, click_and_collect=False)
        _open_all_week(shop)
        ClosingPeriod.objects.create(shop=shop, starts_on=_paris_today(), ends_on=_paris_today(), reason="Inventaire")

    text = _nancy().get(f"/boutiques/{shop.slug}/").text

    assert "fermé actuellement" in text and "Inventaire" in text
    assert "Vitrine seulement" in text and "Click & Collect" not in text


def test_script_in_a_description_is_neutralised_on_every_page(nancy):
    with tenant_context(nancy):
        # given descriptions holding scripts (written around the services, e.g. by an old import)
        shop = ShopFactory(
            description='<p>Bonjour</p><script>alert("shop")</script><a href="javascript:alert(1)">x</a>'
        )
        product = ProductFactory(
            shop=shop, description='<img src=x onerror="alert(2)"><p onmouseover="alert(3)">Texte</p>'
        )

    shop_page = _nancy().get(f"/boutiques/{shop.slug}/").text
    product_page = _nancy().get(f"/boutiques/{shop.slug}/{product.slug}/").text

    assert "<p>Bonjour</p>" in shop_page and 'alert("shop")' not in shop_page and "javascript:" not in shop_page
    assert "<p>Texte</p>" in product_page and "onerror" not in product_page and "onmouseover" not in product_page


def test_product_page_shows_price_vat_variants_photos_and_the_shop(nancy):
    with tenant_context(nancy):
        shop = ShopFactory(name="Atelier Lin")
        product = ProductFactory(shop=shop, title="Nappe en lin", price=Decimal("1249.90"), vat_rate=Decimal("5.5"))
        VariantFactory(product=product, name="Blanche", stock=2)
        VariantFactory(product=product, name="Grise", stock=0, price=Decimal(1300))
        _photo(
            product,
            renditions={
                "320": {"name": "nancy/products/p-320.webp", "width": 320, "height": 240},
                "640": {"name": "nancy/products/p-640.webp", "width": 640, "height": 480},
            },
        )
        _photo(product, name="nancy/products/second.png")

    response = _nancy().get(f"/boutiques/{shop.slug}/{product.slug}/")

    assert response.status_code == 200
    text = response.text
    assert "<h1>Nappe en lin</h1>" in text
    assert "1\u202f249,90\xa0€" in text and "1\u202f300,00\xa0€" in text
    assert "TVA 5,5 % incluse" in text
    assert "Blanche" in text and "2 en stock" in text and "Rupture de stock" in text
    # the renditions with srcset, width, height and alt; the second photo falls back to its original
    assert 'srcset="/media/nancy/products/p-320.webp 320w, /media/nancy/products/p-640.webp 640w"' in text
    assert 'width="640" height="480"' in text and 'alt="Photo de Nappe en lin"' in text
    assert 'src="/media/nancy/products/second.png"' in text and 'width="800" height="600"' in text
    # the shop card, and a disabled "add to cart" until online ordering exists
    assert f'href="/boutiques/{shop.slug}/"' in text and "Atelier Lin" in text
    assert "Ajouter au panier" in text and "disabled" in text


@pytest.mark.parametrize("case", ["draft", "archived", "shop_pending", "shop_suspended", "unknown"])
def test_what_shoppers_may_not_see_is_404(nancy, case):
    with tenant_context(nancy):
        shop = ShopFactory(status={"shop_pending": "pending", "shop_suspended": "suspended"}.get(case, "approved"))
        product = ProductFactory(shop=shop, status=case if case in ("draft", "archived") else "published")
    slug = "inconnu" if case == "unknown" else product.slug

    assert _nancy().get(f"/boutiques/{shop.slug}/{slug}/").status_code == 404
    if case.startswith("shop_"):
        assert _nancy().get(f"/boutiques/{shop.slug}/").status_code == 404


def test_a_product_is_not_reachable_through_another_shops_address(nancy):
    with tenant_context(nancy):
        product = ProductFactory()
        other = ShopFactory()

    assert _nancy().get(f"/boutiques/{other.slug}/{product.slug}/").status_code == 404


def test_cross_territory_nancy_shops_and_products_are_404_on_limoges(nancy, limoges):
    with tenant_context(nancy):
        shop = ShopFactory(name="Nancéienne", is_featured=True)
        product = ProductFactory(shop=shop, title="Macarons de Nancy")
        category_slug = product.category.slug

    limoges_client = host_client("limoges.localhost")
    assert limoges_client.get(f"/boutiques/{shop.slug}/").status_code == 404
    assert limoges_client.get(f"/boutiques/{shop.slug}/{product.slug}/").status_code == 404
    assert "Nancéienne" not in limoges_client.get("/boutiques/").text
    assert "Macarons de Nancy" not in limoges_client.get("/").text
    assert limoges_client.get(f"/categories/{category_slug}/").status_code == 404
    assert "Macarons de Nancy" in _nancy().get("/").text


def test_category_page_lists_its_products_and_its_childrens(nancy):
    with tenant_context(nancy):
        jewels = Category.objects.get(slug="bijoux")
        ProductFactory(title="Bague or", category=Category.objects.get(slug="bagues"))
        ProductFactory(title="Collier", category=jewels)
        ProductFactory(title="Roman policier", category=Category.objects.get(slug="romans"))
        ProductFactory(title="Bague brouillon", category=jewels, status="draft")

    text = _nancy().get("/categories/bijoux/").text

    assert "Bague or" in text and "Collier" in text
    assert "Roman policier" not in text and "Bague brouillon" not in text
    assert 'href="/categories/bagues/"' in text
    assert _nancy().get("/categories/nulle-part/").status_code == 404


def test_home_shows_featured_shops_categories_and_the_ten_newest_products(nancy):
    with tenant_context(nancy):
        featured = ShopFactory(name="La Une", is_featured=True)
        ShopFactory(name="Pas à la une")
        ShopFactory(name="Une en attente", is_featured=True, status="pending")
        for number in range(12):
            ProductFactory(
                shop=featured,
                title=f"Nouveauté {number:02d}",
                published_at=timezone.now() - timedelta(minutes=12 - number),
            )

    text = _nancy().get("/").text

    assert "Boutiques à la une" in text and "La Une" in text
    assert "Pas à la une" not in text and "Une en attente" not in text
    assert 'href="/categories/decoration/"' in text and "Librairie" in text
    assert "Nouveauté 11" in text and "Nouveauté 02" in text
    assert "Nouveauté 01" not in text and "Nouveauté 00" not in text


def _shop_with_products(n: int, **shop_fields):
    shop = ShopFactory(**shop_fields)
    _open_all_week(shop)
    ShopPhoto.objects.create(shop=shop, image="nancy/shops/photos/s.png")
    for _ in range(n):
        product = ProductFactory(shop=shop)
        _photo(product)
        VariantFactory(product=product)
    return shop


def test_public_pages_cost_a_fixed_number_of_queries(nancy):
    client = _nancy()
    with tenant_context(nancy):
        shop = _shop_with_products(1, is_featured=True)
        product = shop.products.first()
        counts = {}
        urls = {
            "home": "/",
            "shops": "/boutiques/",
            "storefront": f"/boutiques/{shop.slug}/",
            "product": f"/boutiques/{shop.slug}/{product.slug}/",
            "category": f"/categories/{shop.category.slug}/",
        }
    for name, url in urls.items():
        counts[name] = _count(client, url)

    # when the territory has many more shops and products
    with tenant_context(nancy):
        for _ in range(8):
            _shop_with_products(3, is_featured=True, category=shop.category)
        for _ in range(15):
            _photo(ProductFactory(shop=shop))
            VariantFactory(product=product)

    # then every page costs the same number of queries as before
    for name, url in urls.items():
        assert _count(client, url) == counts[name], name
    # and these numbers are small and fixed
    # (the home page: + the current announcements, + the featured products)
    assert counts == {"home": 9, "shops": 7, "storefront": 7, "product": 3, "category": 6}


def test_shop_list_filters_open_now_and_click_and_collect(nancy):
    # given a shop open every day (all day), one never open, and a showcase-only shop open every day
    with tenant_context(nancy):
        open_shop = ShopFactory(name="Toujours Ouvert")
        _open_all_week(open_shop)
        ShopFactory(name="Jamais Ouvert")
        showcase = ShopFactory(name="Vitrine Seule", showcase_only=True, click_and_collect=False)
        _open_all_week(showcase)
    client = host_client("nancy.localhost")

    # when shoppers ask for shops open now, then for Click & Collect, then both
    open_now = client.get("/boutiques/", {"ouvert": "1"}).text
    collect = client.get("/boutiques/", {"click_collect": "1"}).text
    both = client.get("/boutiques/", {"ouvert": "1", "click_collect": "1"}).text

    # then each list keeps only the shops that match
    assert "Toujours Ouvert" in open_now and "Vitrine Seule" in open_now and "Jamais Ouvert" not in open_now
    assert "Vitrine Seule" not in collect and "Toujours Ouvert" in collect and "Jamais Ouvert" in collect
    assert "Toujours Ouvert" in both and "Vitrine Seule" not in both and "Jamais Ouvert" not in both
