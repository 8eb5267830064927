"""Reads on the control plane."""

from django.conf import settings

from vitrine.tenancy.models import Territory
from vitrine.tenancy.routing import routes


def territory_base_url(territory: Territory) -> str:
    """The territory's address as people type it, e.g. https://nancy.vitrine.fr.

    Uses the prefetched domains when the territory comes from territory_list().
    """
    domain = next((d for d in territory.domains.all() if d.is_primary), None)
    if domain is None:
        return ""
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{domain.domain}{port}"


def territory_base_url_cached(territory: Territory) -> str:
    """territory_base_url, remembered until a territory or domain changes (no query when warm)."""
    return routes.memo(("base_url", territory.schema_name), lambda: territory_base_url(territory))


def url_absolute(url: str, *, base_url: str) -> str:
    """`url` as an absolute address: kept when it already is one (a bucket's), else under base_url."""
    if not url or url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return base_url.split("//", 1)[0] + url
    return base_url + (url if url.startswith("/") else "/" + url)
