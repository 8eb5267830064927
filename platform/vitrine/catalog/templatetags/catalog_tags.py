"""Template helpers of the catalogue: prices in euros, VAT rates, responsive photos."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.core.files.storage import default_storage
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from vitrine.common import money
from vitrine.common.html import html_sanitise

register = template.Library()


@register.filter
def euros(value) -> str:
    """Format an amount in euros (vitrine.common.money.euros): "1 234,50 €"; nothing for no value."""
    if value in (None, ""):
        return ""
    return money.euros(Decimal(str(value)))


@register.filter
def cents(value) -> str:
    """Format integer cents (payments' unit) in euros: 1230 -> "12,30 €"; nothing for no value."""
    if value in (None, ""):
        return ""
    return money.euros_of_cents(int(value))


@register.filter
def price_input(value) -> str:
    """A price as the merchant types it back into a form: "12,50" (French) or "12.50"."""
    if value in (None, ""):
        return ""
    text = f"{Decimal(str(value)).quantize(Decimal('0.01')):.2f}"
    return text if (get_language() or "fr").startswith("en") else text.replace(".", ",")


@register.filter
def vat(value) -> str:
    """Decimal("5.5") -> "5,5 %", Decimal("20.0") -> "20 %"."""
    if value in (None, ""):
        return ""
    text = f"{Decimal(str(value)).normalize():f}"
    if (get_language() or "fr").startswith("en"):
        return f"{text}%"
    return f"{text.replace('.', ',')} %"


def photo_sources(photo) -> dict:
    """src, srcset, width and height of a photo: its web renditions, or the original until they exist."""
    renditions = sorted((photo.renditions or {}).values(), key=lambda r: r["width"])
    if renditions:
        middle = renditions[min(1, len(renditions) - 1)]
        return {
            "src": default_storage.url(middle["name"]),
            "srcset": ", ".join(f"{default_storage.url(r['name'])} {r['width']}w" for r in renditions),
            "width": middle["width"],
            "height": middle["height"],
        }
    return {
        "src": photo.image.url,
        "srcset": "",
        "width": getattr(photo, "width", 0) or None,
        "height": getattr(photo, "height", 0) or None,
    }


@register.simple_tag
def photo_img(photo, sizes: str = "100vw", css_class: str = "", loading: str = "lazy", alt=None) -> str:
    """<img> of a product (or shop) photo with srcset, width, height and alt text.

    loading="eager" is for the page's first, largest image (what a phone paints last): it is
    fetched at once and first (fetchpriority="high"); every other image waits to be scrolled to.
    """
    source = photo_sources(photo)
    text = photo.alt if alt is None else alt
    attrs = format_html('src="{}" alt="{}" loading="{}" decoding="async"', source["src"], text, loading)
    if loading == "eager":
        attrs += mark_safe(' fetchpriority="high"')  # noqa: S308 (a constant)
    if source["srcset"]:
        attrs += format_html(' srcset="{}" sizes="{}"', source["srcset"], sizes)
    if source["width"] and source["height"]:
        attrs += format_html(' width="{}" height="{}"', source["width"], source["height"])
    if css_class:
        attrs += format_html(' class="{}"', css_class)
    return format_html("<img {}>", attrs)


@register.filter
def first_photo(product):
    """The product's first photo, or None.

    A loader that fetched the first photo alone sets it as `product.card_photo` (None when
    the product has none), as the search does; otherwise the first of the prefetched,
    ordered photos.
    """
    if hasattr(product, "card_photo"):
        return product.card_photo
    photos = list(product.photos.all())
    return photos[0] if photos else None


def _fragment_key(context, parts: list) -> str:
    """A card's fragment cache key: what it shows, the language and the theme (the territory's
    schema prefixes every key of the "fragments" cache). Any change to what is shown is a new key,
    so a card is never drawn stale, whoever wrote the change and however."""
    theme = context.get("theme")
    parts += [get_language(), getattr(theme, "name", "")]
    return "\x1f".join(str(part) for part in parts)


def _photo_parts(photo) -> list:
    if not photo:  # None, or "" (the `first` of no photo)
        return [None]
    return [photo.pk, photo.image.name, photo.renditions, getattr(photo, "width", None), getattr(photo, "height", None)]


@register.simple_tag(takes_context=True)
def product_card_key(context, product, photo) -> str:
    """The key of a product card (catalog/public/_product_card.html): everything the card draws."""
    shop_slug = context.get("shop_slug")
    parts = [product.pk, product.slug, product.title, product.price, context.get("loading") or "lazy"]
    parts += [bool(context.get("preview")), shop_slug or ""]
    if not shop_slug:
        parts += [product.shop.slug, product.shop.name]
    return _fragment_key(context, parts + _photo_parts(photo))


@register.simple_tag(takes_context=True)
def shop_card_key(context, shop, photo) -> str:
    """The key of a shop card (catalog/public/_shop_card.html): everything the card draws."""
    parts = [shop.pk, shop.slug, shop.name, shop.category.name, shop.commune.name, shop.logo.name if shop.logo else ""]
    parts += [getattr(shop, "is_ready", None), context.get("is_open"), shop.showcase_only, shop.click_and_collect]
    parts += [context.get("heading") or "", context.get("loading") or "lazy"]
    parts += [getattr(context.get("territory"), "lockdown", False)]  # no "open now" badge in lockdown
    return _fragment_key(context, parts + _photo_parts(photo))


@register.filter
def weekday_name(weekday: int) -> str:
    """0 -> "Monday" (translated)."""
    return WEEKDAYS[int(weekday)]


@register.filter
def sanitised(value: str) -> str:
    """Merchant formatted text, cleaned again at display (defence in depth), then marked safe."""
    return mark_safe(html_sanitise(value or ""))  # noqa: S308 (nh3 keeps only the allow-list)
