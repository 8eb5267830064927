"""Found on the web: canonical links, descriptions and social previews, structured data, robots.txt
and each territory's sitemap."""

import json
import re
from datetime import time
from decimal import Decimal
from xml.etree import ElementTree

from django.conf import settings
from django.template.loader import render_to_string
from django_tenants.utils import tenant_context

from vitrine.catalog.models import ProductPhoto
from vitrine.shops.models import OpeningRange, ShopPhoto
from vitrine.tenancy.services import domain_add
from vitrine.testing.factories import CommuneFactory, ProductFactory, ShopFactory, VariantFactory
from vitrine.testing.helpers import host_client

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _port() -> str:
    return f":{settings.SITE_PORT}" if settings.SITE_PORT else ""


def _json_ld(html: str) -> list[dict]:
    return [
        json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def _meta(html: str, attribute: str, name: str) -> str | None:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def _canonical(html: str) -> str:
    return re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)


def _photo(product):
    return ProductPhoto.objects.create(
        product=product,
        image="nancy/products/p.png",
        width=800,
        height=600,
        alt=f"Photo de {product.title}",
        renditions={},
    )


def _sitemap_locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own response, in a test)
    return [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]


def test_the_sitemap_lists_only_its_own_territorys_live_pages_on_its_primary_domain(
    nancy, limoges, django_capture_on_commit_callbacks
):
    # given nancy on a primary custom domain, with live and hidden shops and products
    with django_capture_on_commit_callbacks(execute=True):
        domain_add(territory=nancy, domain="achetez.grandnancy.example", make_primary=True, actor=None)
    with tenant_context(nancy):
        live = ShopFactory(name="Bijouterie Stanislas")
        published = ProductFactory(shop=live, title="Bague mirabelle")
        ProductFactory(shop=live, title="Brouillon secret", status="draft")
        ProductFactory(shop=live, title="Ancien article", status="archived")
        suspended = ShopFactory(name="Boutique suspendue", status="suspended")
        ProductFactory(shop=suspended, title="Produit suspendu")
        pending = ShopFactory(name="Boutique en attente", status="pending")
        ProductFactory(shop=pending, title="Produit en attente")
    # and limoges with a live shop of its own
    with tenant_context(limoges):
        other = ShopFactory(name="Porcelaine de Limoges")
        ProductFactory(shop=other, title="Tasse en porcelaine")

    # when the sitemap is asked through another of nancy's hosts
    locations = _sitemap_locations(host_client("nancy.localhost"))

    # then it holds nancy's home, shop list, live storefront and published product, on the primary domain
    base = f"http://achetez.grandnancy.example{_port()}"
    assert f"{base}/" in locations and f"{base}/boutiques/" in locations
    assert f"{base}/boutiques/{live.slug}/" in locations
    assert f"{base}/boutiques/{live.slug}/{published.slug}/" in locations
    for legal in ("mentions-legales", "cgu", "confidentialite", "accessibilite"):
        assert f"{base}/{legal}/" in locations
    assert all(location.startswith(f"{base}/") for location in locations)
    # and nothing hidden, nor anything of limoges
    text = " ".join(locations)
    for hidden in ("brouillon-secret", "ancien-article", "suspendu", "en-attente", "porcelaine", "tasse"):
        assert hidden not in text
    limoges_locations = _sitemap_locations(host_client("limoges.localhost"))
    assert any("porcelaine-de-limoges" in location for location in limoges_locations)
    assert not any("stanislas" in location for location in limoges_locations)


def test_robots_txt_lets_crawlers_read_the_catalogue_only_and_names_the_sitemap(nancy):
    text = host_client("nancy.localhost").get("/robots.txt").text

    lines = text.splitlines()
    assert lines[0] == "User-agent: *"
    for private in ("/compte/", "/espace/", "/equipe/", "/pro/", "/panier/", "/recherche/*&"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /recherche/?" not in lines  # a one-word search may be found
    assert "Disallow: /" not in lines and "Disallow: /boutiques/" not in lines
    assert "Allow: /confidentialite/" in lines and "Allow: /accessibilite/" in lines
    assert f"Sitemap: http://nancy.localhost{_port()}/sitemap.xml" in lines


def test_the_console_host_disallows_everything(db):
    response = host_client(f"console.{settings.BASE_DOMAIN}").get("/robots.txt")

    assert response.status_code == 200
    assert response.text.splitlines() == ["User-agent: *", "Disallow: /"]


def test_canonical_link_is_on_the_primary_domain_whatever_host_asked(nancy, django_capture_on_commit_callbacks):
    # given nancy reachable by its own subdomain and by a custom domain, which is primary
    with django_capture_on_commit_callbacks(execute=True):
        domain_add(territory=nancy, domain="achetez.grandnancy.example", make_primary=True, actor=None)
    with tenant_context(nancy):
        shop = ShopFactory(name="Librairie Stanislas")
    base = f"http://achetez.grandnancy.example{_port()}"

    # when the pages are asked through each host (with and without a port), with tracking tags
    for host in (
        "nancy.localhost",
        "nancy.localhost:8000",
        "achetez.grandnancy.example",
        "achetez.grandnancy.example:80",
    ):
        client = host_client(host)
        home = client.get("/?utm_source=newsletter").text
        storefront = client.get(f"/boutiques/{shop.slug}/?utm_campaign=noel").text
        page_two = client.get("/boutiques/?page=2&commune=nancy").text
        search = client.get("/recherche/?q=livre").text

        # then the canonical link is on the primary domain, the query dropped except a page number
        assert _canonical(home) == f"{base}/", host
        assert _canonical(storefront) == f"{base}/boutiques/{shop.slug}/", host
        assert _canonical(page_two) == f"{base}/boutiques/?page=2", host
        assert _canonical(search) == f"{base}/recherche/", host
        assert _meta(home, "property", "og:url") == f"{base}/"


def test_home_storefront_product_and_search_describe_themselves(nancy):
    # given a shop with a described product and a photo
    with tenant_context(nancy):
        shop = ShopFactory(name="Fromagerie Mirabelle", description="<p>Fromages affinés &amp; produits lorrains.</p>")
        product = ProductFactory(
            shop=shop, title="Tomme lorraine", description="<p>Une tomme <b>affinée</b> 3 mois.</p>"
        )
        _photo(product)
    client = host_client("nancy.localhost")
    base = f"http://nancy.localhost{_port()}"

    pages = {
        "home": client.get("/").text,
        "storefront": client.get(f"/boutiques/{shop.slug}/").text,
        "product": client.get(f"/boutiques/{shop.slug}/{product.slug}/").text,
        "search": client.get("/recherche/?q=tomme").text,
    }

    for name, html in pages.items():
        assert _meta(html, "name", "description"), name
        assert _meta(html, "property", "og:title"), name
        assert _meta(html, "property", "og:description") == _meta(html, "name", "description"), name
        assert _meta(html, "property", "og:type"), name
    assert _meta(pages["home"], "name", "description") == (
        "Achetez en ligne auprès des commerçants indépendants de Achetez Grand Nancy, et retirez en boutique."
    )
    assert _meta(pages["product"], "name", "description") == "Une tomme affinée 3 mois."
    assert _meta(pages["product"], "property", "og:type") == "product"
    assert _meta(pages["product"], "property", "og:image") == f"{base}/media/nancy/products/p.png"
    assert _meta(pages["storefront"], "name", "description") == "Fromages affinés &amp; produits lorrains."
    assert _meta(pages["home"], "property", "og:image") is None  # nothing to show, so nothing said


def test_a_storefront_has_local_business_data_with_its_address_and_hours(nancy):
    # given a shop open Monday morning and afternoon, and Saturday
    with tenant_context(nancy):
        commune = CommuneFactory(name="Nancy", postcode="54000")
        shop = ShopFactory(name="Bijouterie </script> Stanislas", commune=commune, phone="03 83 00 00 00")
        OpeningRange.objects.bulk_create(
            [
                OpeningRange(shop=shop, weekday=0, opens=time(9, 0), closes=time(12, 0)),
                OpeningRange(shop=shop, weekday=0, opens=time(14, 0), closes=time(18, 30)),
                OpeningRange(shop=shop, weekday=5, opens=time(10, 0), closes=time(19, 0)),
            ]
        )
        ShopPhoto.objects.create(shop=shop, image="nancy/shops/photos/s.png", alt="La devanture")

    html = host_client("nancy.localhost").get(f"/boutiques/{shop.slug}/").text

    # then the JSON-LD parses, and the shop's name cannot close its script element
    assert "</script> Stanislas" not in html
    [data] = _json_ld(html)
    assert data["@type"] == "LocalBusiness" and data["name"] == "Bijouterie </script> Stanislas"
    assert data["url"] == f"http://nancy.localhost{_port()}/boutiques/{shop.slug}/"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "12 rue Saint-Dizier",
        "postalCode": "54000",
        "addressLocality": "Nancy",
        "addressCountry": "FR",
    }
    assert data["telephone"] == "03 83 00 00 00"
    assert [(h["dayOfWeek"], h["opens"], h["closes"]) for h in data["openingHoursSpecification"]] == [
        ("https://schema.org/Monday", "09:00", "12:00"),
        ("https://schema.org/Monday", "14:00", "18:30"),
        ("https://schema.org/Saturday", "10:00", "19:00"),
    ]
    assert data["image"] == [f"http://nancy.localhost{_port()}/media/nancy/shops/photos/s.png"]


def test_a_product_has_product_data_with_its_offer_in_or_out_of_stock(nancy):
    # given a product in stock, one out of stock, and one with variants of which one is sold out
    with tenant_context(nancy):
        shop = ShopFactory(name="Épicerie Stan")
        in_stock = ProductFactory(shop=shop, title="Confiture", price=Decimal("6.50"), stock=4, sku="CONF-1")
        sold_out = ProductFactory(shop=shop, title="Miel", price=Decimal("12.00"), stock=0)
        with_variants = ProductFactory(shop=shop, title="Tablier", price=Decimal("20.00"))
        VariantFactory(product=with_variants, name="S", stock=2)
        VariantFactory(product=with_variants, name="L", stock=0, price=Decimal("22.00"))
    client = host_client("nancy.localhost")
    base = f"http://nancy.localhost{_port()}"

    [first] = _json_ld(client.get(f"/boutiques/{shop.slug}/{in_stock.slug}/").text)
    [second] = _json_ld(client.get(f"/boutiques/{shop.slug}/{sold_out.slug}/").text)
    [third] = _json_ld(client.get(f"/boutiques/{shop.slug}/{with_variants.slug}/").text)

    assert first["@type"] == "Product" and first["name"] == "Confiture" and first["sku"] == "CONF-1"
    assert first["url"] == f"{base}/boutiques/{shop.slug}/{in_stock.slug}/"
    offer = first["offers"]
    assert offer["@type"] == "Offer" and offer["price"] == "6.50" and offer["priceCurrency"] == "EUR"
    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["seller"]["name"] == "Épicerie Stan"
    assert offer["seller"]["@id"] == f"{base}/boutiques/{shop.slug}/"
    assert second["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert [(o["name"], o["price"], o["availability"]) for o in third["offers"]] == [
        ("S", "20.00", "https://schema.org/InStock"),
        ("L", "22.00", "https://schema.org/OutOfStock"),
    ]


def test_the_first_image_is_eager_and_the_others_lazy_all_sized(nancy):
    # given a storefront with two photos and a product with three
    with tenant_context(nancy):
        shop = ShopFactory(name="Galerie Lorraine")
        for n in range(2):
            ShopPhoto.objects.create(
                shop=shop,
                image=f"nancy/shops/photos/{n}.png",
                renditions={"640": {"name": f"nancy/shops/photos/{n}-640.webp", "width": 640, "height": 480}},
            )
        product = ProductFactory(shop=shop, title="Vase Daum")
        for _ in range(3):
            _photo(product)
        for _ in range(3):
            _photo(ProductFactory(shop=shop))
    client = host_client("nancy.localhost")

    for url in (f"/boutiques/{shop.slug}/", f"/boutiques/{shop.slug}/{product.slug}/", "/recherche/?q=vase"):
        images = re.findall(r"<img [^>]*>", client.get(url).text.split('<main id="contenu"', 1)[1])
        photos = [image for image in images if "/media/" in image]
        assert photos, url
        assert 'loading="eager"' in photos[0] and 'fetchpriority="high"' in photos[0], url
        assert all('loading="lazy"' in image and "fetchpriority" not in image for image in photos[1:]), url
        assert all('width="' in image and 'height="' in image for image in photos), url


def test_public_pages_block_rendering_on_one_stylesheet_and_load_no_script(nancy):
    with tenant_context(nancy):
        shop = ShopFactory(name="Cave Saint-Epvre")
        product = ProductFactory(shop=shop, title="Vin gris de Toul")
    client = host_client("nancy.localhost")

    for url in (
        "/",
        "/boutiques/",
        f"/boutiques/{shop.slug}/",
        f"/boutiques/{shop.slug}/{product.slug}/",
        "/recherche/?q=vin",
    ):
        html = client.get(url).text
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert len(stylesheets) == 1 and stylesheets[0].startswith("/theme.css?v="), (url, stylesheets)
        assert "style=" not in html and "<style" not in html, url
        # no script runs on these pages: only structured data, which browsers do not execute
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert all(tag == '<script type="application/ld+json">' for tag in scripts), (url, scripts)


def test_the_one_stylesheet_holds_tokens_base_theme_and_catalogue_and_is_compressed(nancy):
    client = host_client("nancy.localhost")
    home = client.get("/").text
    version = re.search(r'href="/theme.css\?v=([0-9a-f]+)"', home).group(1)

    response = client.get(f"/theme.css?v={version}", HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip" and "immutable" in response["Cache-Control"]
    css = client.get(f"/theme.css?v={version}").text
    assert css.startswith(":root {") and "--color-primary: #7a1f3d;" in css
    for part in ("vitrine/base.css", "themes/metropole/theme.css", "catalog/catalog.css", "search/search.css"):
        assert f"/* {part} */" in css
    assert css.index("vitrine/base.css") < css.index("themes/metropole/theme.css") < css.index("catalog/catalog.css")


def test_the_territorys_social_image_is_the_preview_where_a_page_has_no_photo_of_its_own(nancy):
    # given the territory's social preview image (given by the theming context) and a product with a photo
    with tenant_context(nancy):
        product = ProductFactory(title="Madeleine de Commercy")
        _photo(product)
    context = {"territory": nancy, "site_url": "https://achetez.grandnancy.example"}
    social = "/media/nancy/branding/social.png"

    # when the head is rendered for a page without a photo, and for the product's page
    plain = render_to_string("territory/_seo_head.html", {**context, "territory_social_image_url": social})
    with tenant_context(nancy):
        product_page = host_client("nancy.localhost").get(f"/boutiques/{product.shop.slug}/{product.slug}/").text

    # then the territory's image, made absolute, is the page's preview; the product's photo is its own
    assert _meta(plain, "property", "og:image") == "https://achetez.grandnancy.example/media/nancy/branding/social.png"
    assert _meta(plain, "name", "twitter:card") == "summary_large_image"
    assert _meta(product_page, "property", "og:image").endswith("/media/nancy/products/p.png")
