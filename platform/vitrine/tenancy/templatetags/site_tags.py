"""Absolute addresses on the territory's primary domain, for what leaves the page (social previews)."""

from __future__ import annotations

from django import template

from vitrine.tenancy.selectors import url_absolute

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    """{% absolute_url photo_url %} -> https://nancy.vitrine.fr/media/...; "" for no url."""
    return url_absolute(url or "", base_url=context.get("site_url", ""))
