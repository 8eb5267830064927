"""Template helpers of orders: the cart count in the header, a pickup code's QR code."""

from __future__ import annotations

import segno
from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_noop

from vitrine.common import pagecache
from vitrine.orders.selectors import checkout_slots, day_label
from vitrine.orders.views import SESSION_COUNT

register = template.Library()

# The header's link (territory/base.html) is translated in this app's catalogue.
gettext_noop("Cart (%(n)s)")


@register.simple_tag(takes_context=True)
def cart_count(context) -> int:
    """How many items the visitor's cart holds, as the cart pages last saw it (no query on other pages)."""
    request = context.get("request")
    session = getattr(request, "session", None)
    if session is None:
        return 0
    # A page drawn to be cached for every anonymous visitor gets a placeholder, filled per visitor.
    return pagecache.personal(request, "cart_count", session.get(SESSION_COUNT, 0))


@register.simple_tag
def pickup_qr(code: str, label: str = "") -> str:
    """The pickup code as an inline SVG QR code (readable by the shop's phone at the counter).

    A standard QR code (make_qr): segno's make() picks the smallest symbol, a Micro QR for six
    characters, which ordinary phone readers do not read.
    """
    svg = segno.make_qr(code, error="m").svg_inline(
        scale=6, border=2, omitsize=True, title=label or code, svgclass="pickup-qr"
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 (segno's SVG, the title escaped by it)


@register.simple_tag
def pickup_hours(shop, days: int = 4) -> list[tuple[str, list[tuple]]]:
    """The shop's Click & Collect pickup hours of the next days, as (day label, [(from, to), ...]).

    Lockdown mode shows these on the storefront instead of the opening hours: consecutive slots
    are joined into one range; full slots stay in (a range says when the door serves, not seats).
    """
    ranges: dict = {}
    for slot in checkout_slots(shop=shop, days=days):
        day = ranges.setdefault(slot.starts_at.date(), [])
        if day and day[-1][1] == slot.starts_at:
            day[-1] = (day[-1][0], slot.ends_at)
        else:
            day.append((slot.starts_at, slot.ends_at))
    return [(day_label(day), day_ranges) for day, day_ranges in ranges.items()]
