"""Reads on the control plane."""
from django.conf import settings
from django.db.models import Prefetch, QuerySet

from vitrine.tenancy.models import AuditEntry, Domain, Territory


def territory_list() -> QuerySet[Territory]:
    """Every territory with its domains (primary first), for the console."""
    return Territory.objects.prefetch_related(
        Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain"))
    ).order_by("name")


def audit_list(*, territory: Territory | None = None, limit: int = 200) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.select_related("territory")
    if territory is not None:
        entries = entries.filter(territory=territory)
    return entries[:limit]


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
    from vitrine.tenancy.routing import routes

    return routes.memo(("base_url", territory.schema_name), lambda: territory_base_url(territory))
