"""Reads for the console: territories and the audit log."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from vitrine.audit.labels import details_in_words
from vitrine.audit.models import VERB_LABELS
from vitrine.tenancy.models import AuditEntry, Domain, Territory


def territory_list() -> QuerySet[Territory]:
    """Every territory with its domains (primary first), for the console."""
    return Territory.objects.prefetch_related(
        Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain"))
    ).order_by("name")


# The health list's columns an operator may sort by: URL name -> field.
HEALTH_SORTS = {
    "nom": "name",
    "boutiques": "health__shops",
    "actives": "health__active_shops",
    "commandes": "health__orders_week",
    "emails": "health__outbox_pending",
    "activite": "health__last_activity_at",
}


def health_sort_clean(sort: str) -> str:
    """The sort asked for ("commandes", "-commandes"...), or the name's when unknown."""
    return sort if sort.lstrip("-") in HEALTH_SORTS else "nom"


def territory_health_list(*, search: str = "", sort: str = "nom", status: str = "") -> QuerySet[Territory]:
    """Every territory with its health row (figures computed by the periodic task), searched and sorted.

    Searches name, identifier (slug) and domains, keeps one status when given; sorts by any column of HEALTH_SORTS ("-" first:
    descending), territories without figures yet last either way, then by name. The domains come
    in one more query for the page shown.
    """
    territories = Territory.objects.select_related("health").prefetch_related(
        Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain"))
    )
    if status in Territory.Status.values:
        territories = territories.filter(status=status)
    search = search.strip()
    if search:
        territories = territories.filter(
            Q(name__icontains=search)
            | Q(schema_name__icontains=search)
            | Exists(Domain.objects.filter(tenant=OuterRef("pk"), domain__icontains=search))
        )
    sort = health_sort_clean(sort)
    field = F(HEALTH_SORTS[sort.lstrip("-")])
    order = field.desc(nulls_last=True) if sort.startswith("-") else field.asc(nulls_last=True)
    return territories.order_by(order, "name", "pk")


def audit_list(
    *,
    territory: Territory | None = None,
    limit: int | None = 200,
    actor_email: str = "",
    action: str = "",
    territory_search: str = "",
) -> QuerySet[AuditEntry]:
    """The console's log, newest first, filtered by territory, operator and action when given."""
    entries = AuditEntry.objects.select_related("territory")
    if territory is not None:
        entries = entries.filter(territory=territory)
    if actor_email:
        entries = entries.filter(actor_email__iexact=actor_email.strip())
    if action:
        entries = entries.filter(action=action.replace("-", "."))
    if territory_search.strip():
        entries = entries.filter(
            Q(territory__schema_name__iexact=territory_search.strip())
            | Q(territory__name__icontains=territory_search.strip())
        )
    return entries[:limit] if limit is not None else entries


def audit_actors() -> list[str]:
    """The operators (emails) in the log, for its filter."""
    return list(AuditEntry.objects.order_by("actor_email").values_list("actor_email", flat=True).distinct())


def audit_actions() -> list[tuple[str, str]]:
    """Every action the log records, for its filter: its value in the address ("territory-suspend",
    read back by audit_list) and its name in the operator's language."""
    codes = [*AuditEntry.ACTION_LABELS, "territory.branding", "territory.announcement"]
    labels = [
        (
            code.replace(".", "-"),
            str(VERB_LABELS[code]) if code in VERB_LABELS else AuditEntry(action=code).action_label,
        )
        for code in codes
    ]
    return sorted(labels, key=lambda item: item[1])


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
