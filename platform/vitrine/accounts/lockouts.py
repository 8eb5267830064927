"""Sign-ins locked by django-axes in the current schema: which, and lifting one.

Axes keeps its counts in AccessAttempt, one table per schema (a territory's, or the console's
in public), one row per account name, client address and browser. A sign-in is locked when the
failures of one account name from one address within the cool-off reach AXES_FAILURE_LIMIT
(config/settings/throttling.py). Who may lift a lock, and the record of it, belong to the
pages above (backoffice for a territory's team, console for operators).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Max, Sum
from django.utils import timezone

LOCKOUTS_SHOWN = 200


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str | None
    failures: int
    last_failure: datetime
    until: datetime


def lockout_list() -> list[Lockout]:
    """The sign-ins locked now in the current schema, the latest first (one query)."""
    cool_off = get_cool_off()
    if cool_off is None:
        raise ImproperlyConfigured("AXES_COOLOFF_TIME must be set: locks end by themselves.")
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_failure=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_failure")[:LOCKOUTS_SHOWN]
    )
    return [
        Lockout(
            username=row["username"] or "",
            ip_address=row["ip_address"],
            failures=row["failures"],
            last_failure=row["last_failure"],
            until=row["last_failure"] + cool_off,
        )
        for row in rows
    ]


def lockout_clear(*, username: str, ip_address: str | None) -> int:
    """Forget the failures of one account name from one address (every browser); how many rows went.

    Call it from a service that checked who may, and records the decision.
    """
    deleted, _ = AccessAttempt.objects.filter(username=username or None, ip_address=ip_address).delete()
    return deleted
