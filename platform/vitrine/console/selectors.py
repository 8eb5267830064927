"""Reads for the console: territories and the audit log."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from vitrine.audit.labels import details_in_words
from vitrine.audit.models import VERB_LABELS
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


@dataclass(frozen=True)
class ConsoleAuditRow:
    entry: AuditEntry
    label: str
    details: list[tuple[str, str]]


def audit_rows(entries: Iterable[AuditEntry]) -> list[ConsoleAuditRow]:
    """The log's rows in the operator's language: what happened, and its details named.

    A decision also in the territory's own trail (its identity, its announcement) is named as
    the territory's team reads it there (audit.models.VERB_LABELS); the console's own actions
    by AuditEntry.ACTION_LABELS.
    """
    return [
        ConsoleAuditRow(
            entry,
            str(VERB_LABELS[entry.action]) if entry.action in VERB_LABELS else entry.action_label,
            details_in_words(entry.details),
        )
        for entry in entries
    ]
