"""Record a decision in the territory's audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from vitrine.audit.models import AuditEvent

SYSTEM = "system"
# A shopper's own decisions (cancelling their order) name them by role: the territory's team
# reads the trail, and a shopper's email is not theirs to see.
SHOPPER = "shopper"
GUEST = "guest"
PAYLOAD_TEXT_MAX = 500  # a reason or a note is kept, but a pasted novel is not


def _bounded(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value[:PAYLOAD_TEXT_MAX] if isinstance(value, str) else value for key, value in payload.items()}


def _object_label(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    return str(getattr(obj, "name", None) or getattr(obj, "title", None) or obj)


def _actor_label(actor: Any | None) -> str:
    if actor is None:
        return SYSTEM
    if getattr(actor, "role", "") == "shopper":
        return SHOPPER
    return getattr(actor, "email", "") or SYSTEM


def audit_record(
    *,
    actor: Any | None,
    verb: str,
    obj: models.Model | None = None,
    payload: dict[str, Any] | None = None,
    label: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Write one row of the trail in the caller's transaction (a decision undone by a rollback leaves none).

    `actor` is the territory account that decided, or None for the system (a scheduled job);
    `label` names the object for people (by default its name, title or str()); `actor_label`
    names an actor who has no account (GUEST).
    """
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=actor_label or _actor_label(actor),
        verb=verb,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        object_label=(label or _object_label(obj))[:200],
        payload=_bounded(payload or {}),
    )
