"""Writes on the control plane: suspension, domains, the console's audit log.

Provisioning (which also creates the first territory admin) is the console's: vitrine.console.services.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vitrine.tenancy.models import AuditEntry, Domain, Territory
from vitrine.tenancy.routing import routing_invalidate

logger = logging.getLogger(__name__)

# RFC 1123 host names: labels of letters, digits and hyphens, a dot between.
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")


def default_domain(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def domain_check(domain: str, *, territory: Territory | None = None) -> list[str]:
    """Return what is wrong with a host name for a territory (an empty list when nothing)."""
    errors = []
    if not DOMAIN_RE.match(domain):
        errors.append(
            _("“%(domain)s” is not a valid domain name (for example achetez.grandnancy.fr).") % {"domain": domain}
        )
    elif domain in {h.lower() for h in settings.PUBLIC_HOSTS}:
        errors.append(_("“%(domain)s” is reserved for the platform.") % {"domain": domain})
    else:
        taken = Domain.objects.filter(domain=domain)
        if territory is not None and territory.pk:
            taken = taken.exclude(tenant=territory)
        if taken.exists():
            errors.append(_("The domain “%(domain)s” is already used by another territory.") % {"domain": domain})
    return errors


@transaction.atomic
def territory_set_status(*, territory: Territory, status: str, actor: Any | None, reason: str = "") -> Territory:
    """Suspend or resume a territory; a suspended one answers 503 on every page."""
    if status not in (Territory.Status.ACTIVE, Territory.Status.SUSPENDED):
        raise ValidationError(_("Unknown status “%(status)s”.") % {"status": status})
    if territory.is_archived:  # archiving has its own way in and out (vitrine.console.lifecycle)
        raise ValidationError(_("%(name)s is archived: take it out of the archive first.") % {"name": territory.name})
    if territory.status == status:
        return territory
    territory.status = status
    territory.save(update_fields=["status", "updated_at"])
    action = "territory.suspend" if status == Territory.Status.SUSPENDED else "territory.resume"
    console_log_record(actor=actor, action=action, territory=territory, details={"reason": reason} if reason else {})
    transaction.on_commit(routing_invalidate)
    return territory


@transaction.atomic
def domain_add(*, territory: Territory, domain: str, actor: Any | None, make_primary: bool = False) -> Domain:
    """Attach a custom domain to a territory, optionally as its primary one."""
    domain = domain.strip().lower().rstrip(".")
    errors = domain_check(domain, territory=territory)
    if errors:
        raise ValidationError({"domain": errors})
    record, _created = Domain.objects.get_or_create(domain=domain, tenant=territory, defaults={"is_primary": False})
    if make_primary and not record.is_primary:
        Domain.objects.filter(tenant=territory, is_primary=True).update(is_primary=False)
        record.is_primary = True
        record.save(update_fields=["is_primary"])
    console_log_record(
        actor=actor, action="domain.add", territory=territory, details={"domain": domain, "primary": make_primary}
    )
    transaction.on_commit(routing_invalidate)
    return record


def console_log_record(
    *,
    actor: Any | None,
    action: str,
    territory: Territory | None = None,
    details: dict | None = None,
    actor_email: str = "",
) -> AuditEntry:
    """Write one line of the audit log (in the caller's transaction)."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_email=actor_email or getattr(actor, "email", "") or "system",
        action=action,
        territory=territory,
        details=details or {},
    )
