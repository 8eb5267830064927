"""How the public pages are found on the web: descriptions, social previews, structured data
(schema.org JSON-LD) and the sitemap's list of addresses.

Every address is absolute, on the territory's primary domain, whatever host the page was asked on.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from vitrine.catalog.models import Product
from vitrine.catalog.templatetags.catalog_tags import photo_sources
from vitrine.shops.models import Shop
from vitrine.tenancy.selectors import url_absolute

DESCRIPTION_CHARS = 160  # what search engines show of a description
SCHEMA_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Pages of the territory's own, public whoever asks: listed in the sitemap when they exist.
LEGAL_PAGES = ("legal_mentions", "legal_cgu", "legal_privacy", "legal_accessibility")  # the legal app's pages
# The sitemaps protocol's limit for one file; a territory past it would need a sitemap index.
SITEMAP_MAX_URLS = 50_000
# The same escapes as Django's json_script: the JSON can never close its <script> element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@dataclass
class PageSeo:
    """What a page says about itself to search engines and social networks."""

    title: str = ""
    description: str = ""
    image: str = ""  # absolute
    type: str = "website"
    structured_data: list[dict[str, Any]] = field(default_factory=list)

    @property
    def json_ld(self) -> SafeString:
        """<script type="application/ld+json"> elements, escaped as json_script escapes."""
        scripts = (
            '<script type="application/ld+json">'
            + json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
            + "</script>"
            for data in self.structured_data
        )
        return mark_safe("".join(scripts))  # noqa: S308 (JSON with <, > and & escaped, as json_script)


def text_summary(rich_text: str, *, chars: int = DESCRIPTION_CHARS) -> str:
    """Plain text of a merchant's formatted text, on one line, cut at a word near `chars`."""
    plain = " ".join(html.unescape(strip_tags(rich_text or "")).split())
    return Truncator(plain).chars(chars)


def _photo_url(photo, *, base_url: str) -> str:
    return url_absolute(photo_sources(photo)["src"], base_url=base_url)


def _shop_url(shop: Shop, *, base_url: str) -> str:
    return base_url + reverse("shop_detail", args=[shop.slug])


def _address(shop: Shop) -> dict[str, str]:
    return {
        "@type": "PostalAddress",
        "streetAddress": shop.address,
        "postalCode": shop.commune.postcode,
        "addressLocality": shop.commune.name,
        "addressCountry": "FR",
    }


def shop_structured_data(shop: Shop, *, photos: list, base_url: str) -> dict[str, Any]:
    """schema.org LocalBusiness of a storefront: address, hours (its prefetched opening ranges), photos."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": _shop_url(shop, base_url=base_url),
        "name": shop.name,
        "url": _shop_url(shop, base_url=base_url),
        "address": _address(shop),
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[opening.weekday]}",
                "opens": opening.opens.strftime("%H:%M"),
                "closes": opening.closes.strftime("%H:%M"),
            }
            for opening in shop.opening_ranges.all()
        ],
    }
    if shop.description:
        data["description"] = text_summary(shop.description, chars=500)
    if shop.phone:
        data["telephone"] = shop.phone
    if photos:
        data["image"] = [_photo_url(photo, base_url=base_url) for photo in photos]
    if shop.logo:
        data["logo"] = url_absolute(shop.logo.url, base_url=base_url)
    return data


def _availability(in_stock: bool) -> str:
    return "https://schema.org/InStock" if in_stock else "https://schema.org/OutOfStock"


def _price(amount: Decimal) -> str:
    return f"{amount:.2f}"


def product_structured_data(product: Product, *, photos: list, variants: list[dict], base_url: str) -> dict[str, Any]:
    """schema.org Product with its offers (one per variant, or one): price in euros, stock, the shop."""
    shop = product.shop
    url = base_url + reverse("product_detail", args=[shop.slug, product.slug])
    seller = {"@type": "LocalBusiness", "@id": _shop_url(shop, base_url=base_url), "name": shop.name}

    def offer(price: Decimal, in_stock: bool, name: str = "") -> dict[str, Any]:
        data = {
            "@type": "Offer",
            "url": url,
            "price": _price(price),
            "priceCurrency": "EUR",
            "availability": _availability(in_stock),
            "itemCondition": "https://schema.org/NewCondition",
            "seller": seller,
        }
        if name:
            data["name"] = name
        return data

    on_request = product.availability == Product.Availability.ON_REQUEST
    if variants:
        offers: Any = [
            offer(row["price"], on_request or row["variant"].stock > 0, row["variant"].name) for row in variants
        ]
    else:
        offers = offer(product.price, on_request or product.stock > 0)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "url": url,
        "offers": offers,
    }
    if product.description:
        data["description"] = text_summary(product.description, chars=500)
    if photos:
        data["image"] = [_photo_url(photo, base_url=base_url) for photo in photos]
    if product.sku:
        data["sku"] = product.sku
    return data


def product_seo(product: Product, *, photos: list, variants: list[dict], base_url: str) -> PageSeo:
    shop = product.shop
    description = text_summary(product.description) or _("%(product)s, from %(shop)s in %(commune)s.") % {
        "product": product.title,
        "shop": shop.name,
        "commune": shop.commune.name,
    }
    return PageSeo(
        title=f"{product.title} · {shop.name}",
        description=description,
        image=_photo_url(photos[0], base_url=base_url) if photos else "",
        type="product",
        structured_data=[product_structured_data(product, photos=photos, variants=variants, base_url=base_url)],
    )


def shop_seo(shop: Shop, *, photos: list, base_url: str) -> PageSeo:
    description = text_summary(shop.description) or _("%(shop)s, %(category)s in %(commune)s: %(address)s.") % {
        "shop": shop.name,
        "category": shop.category.name,
        "commune": shop.commune.name,
        "address": shop.address,
    }
    image = _photo_url(photos[0], base_url=base_url) if photos else ""
    if not image and shop.logo:
        image = url_absolute(shop.logo.url, base_url=base_url)
    return PageSeo(
        title=shop.name,
        description=description,
        image=image,
        structured_data=[shop_structured_data(shop, photos=photos, base_url=base_url)],
    )


# --- The sitemap ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SitemapEntry:
    location: str
    last_modified: str = ""  # W3C date (YYYY-MM-DD), or nothing


def legal_paths() -> list[str]:
    """The public legal pages this deployment has (privacy policy, legal notice...)."""
    paths = []
    for name in LEGAL_PAGES:
        try:
            paths.append(reverse(name))
        except NoReverseMatch:  # not every deployment has every page
            continue
    return paths


def sitemap_entries(*, base_url: str) -> list[SitemapEntry]:
    """Every public page of the current territory: home, shops, approved storefronts, published products.

    Two queries whatever the catalogue's size; nothing suspended, refused, pending, draft or archived.
    """
    entries = [SitemapEntry(base_url + reverse("home")), SitemapEntry(base_url + reverse("shop_list"))]
    # Reversed once, filled per row: tens of thousands of reverse() calls would cost a second.
    shop_path = reverse("shop_detail", args=["shop-slug"]).replace("shop-slug", "{shop}")
    product_path = reverse("product_detail", args=["shop-slug", "product-slug"])
    product_path = product_path.replace("shop-slug", "{shop}").replace("product-slug", "{product}")
    shops: QuerySet[Shop] = Shop.objects.filter(status=Shop.Status.APPROVED).order_by("name", "id")
    for slug, updated_at in shops.values_list("slug", "updated_at"):
        entries.append(SitemapEntry(base_url + shop_path.format(shop=slug), updated_at.date().isoformat()))
    products = (
        Product.objects.filter(status=Product.Status.PUBLISHED, shop__status=Shop.Status.APPROVED)
        .order_by("shop__slug", "slug")
        .values_list("shop__slug", "slug", "updated_at")
    )
    room = max(SITEMAP_MAX_URLS - len(entries) - len(LEGAL_PAGES), 0)
    for shop_slug, slug, updated_at in products[:room]:
        location = base_url + product_path.format(shop=shop_slug, product=slug)
        entries.append(SitemapEntry(location, updated_at.date().isoformat()))
    entries += [SitemapEntry(base_url + path) for path in legal_paths()]
    return entries
