"""Read the territory's audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from vitrine.audit.models import AuditEvent


def audit_events(*, object_type: str = "", verb_prefix: str = "") -> QuerySet[AuditEvent]:
    """The trail, newest first; optionally one kind of object (shop, order...) or one family of verbs."""
    events = AuditEvent.objects.all()
    if object_type:
        events = events.filter(object_type=object_type)
    if verb_prefix:
        events = events.filter(verb__startswith=verb_prefix)
    return events.order_by("-created_at", "-id")
