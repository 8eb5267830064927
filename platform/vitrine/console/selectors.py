"""Reads for the console: territories and the audit log."""

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
