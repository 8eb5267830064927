"""The territory's own address for templates: canonical links and absolute URLs."""

from __future__ import annotations

from django.http import HttpRequest

from vitrine.common.text import whole_number
from vitrine.tenancy.selectors import territory_base_url_cached

# The one query parameter that names a different page of the same content: every other
# (filters, a search, tracking tags) is dropped from the canonical address.
CANONICAL_KEPT_PARAMETER = "page"


def canonical_url(request: HttpRequest, base_url: str) -> str:
    """This page's address on the territory's primary domain, keeping only a page number past 1."""
    url = base_url + request.path
    page = whole_number(request.GET.get(CANONICAL_KEPT_PARAMETER))
    if page is not None and page > 1:
        url += f"?{CANONICAL_KEPT_PARAMETER}={page}"
    return url


def site(request: HttpRequest) -> dict:
    """`site_url` (primary domain, scheme and port) and `canonical_url`; nothing on the console."""
    territory = getattr(request, "tenant", None)
    if territory is None or not getattr(territory, "theme", None):
        return {}
    # Memoised with the routes: no query once the territory's host has been served.
    base_url = territory_base_url_cached(territory)
    if not base_url:
        return {}
    return {"site_url": base_url, "canonical_url": canonical_url(request, base_url)}
