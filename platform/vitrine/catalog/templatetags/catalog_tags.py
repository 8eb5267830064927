"""Template helpers of the catalogue: prices in euros, VAT rates, responsive photos."""
from __future__ import annotations

from decimal import Decimal

from django import template
from django.core.files.storage import default_storage
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from vitrine.common.html import html_sanitise

register = template.Library()


def _grouped(amount: Decimal, *, thousands: str, decimal: str) -> str:
    whole, cents = f"{amount:.2f}".split(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{thousands.join(groups)}{decimal}{cents}"


NBSP, NARROW_NBSP = "\u00a0", "\u202f"


@register.filter
def euros(value) -> str:
    """Decimal("1234.5") -> "1 234,50 €" in French (narrow no-break space between thousands, no-break
    space before the sign: "€" never starts a line), "€1,234.50" in English."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    if (get_language() or "fr").startswith("en"):
        return f"€{_grouped(amount, thousands=',', decimal='.')}"
    return _grouped(amount, thousands=NARROW_NBSP, decimal=",") + NBSP + "€"


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
    """<img> of a product (or shop) photo with srcset, width, height and alt text."""
    source = photo_sources(photo)
    text = photo.alt if alt is None else alt
    attrs = format_html('src="{}" alt="{}" loading="{}" decoding="async"', source["src"], text, loading)
    if source["srcset"]:
        attrs += format_html(' srcset="{}" sizes="{}"', source["srcset"], sizes)
    if source["width"] and source["height"]:
        attrs += format_html(' width="{}" height="{}"', source["width"], source["height"])
    if css_class:
        attrs += format_html(' class="{}"', css_class)
    return format_html("<img {}>", attrs)


@register.filter
def first_photo(product):
    """The product's first photo (from the prefetched, ordered photos), or None."""
    photos = list(product.photos.all())
    return photos[0] if photos else None


@register.filter
def weekday_name(weekday: int) -> str:
    """0 -> "Monday" (translated)."""
    from django.utils.dates import WEEKDAYS

    return WEEKDAYS[int(weekday)]


@register.filter
def sanitised(value: str) -> str:
    """Merchant formatted text, cleaned again at display (defence in depth), then marked safe."""
    return mark_safe(html_sanitise(value or ""))
