"""Writes on the control plane: suspension, domains, a territory's branding and announcement, the console's audit log.

Provisioning (which also creates the first territory admin) is the console's: vitrine.console.services.
"""
from __future__ import annotations

import logging
import re
from datetime import date

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser as User  # for types: tenancy sits below accounts
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vitrine.common.images import ImageRejected, image_clean
from vitrine.tenancy.models import AuditEntry, Domain, Territory
from vitrine.tenancy.routing import routing_invalidate
from vitrine.theming.services import primary_color_check, theme_load

logger = logging.getLogger(__name__)

# RFC 1123 host names: labels of letters, digits and hyphens, a dot between.
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")

def default_domain(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def domain_check(domain: str, *, territory: Territory | None = None) -> list[str]:
    """Return what is wrong with a host name for a territory (an empty list when nothing)."""
    errors = []
    if not DOMAIN_RE.match(domain):
        errors.append(_("“%(domain)s” is not a valid domain name (for example achetez.grandnancy.fr).") % {"domain": domain})
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
def territory_set_status(*, territory: Territory, status: str, actor: User | None, reason: str = "") -> Territory:
    """Suspend or resume a territory; a suspended one answers 503 on every page."""
    if status not in Territory.Status.values:
        raise ValidationError(_("Unknown status “%(status)s”.") % {"status": status})
    if territory.status == status:
        return territory
    territory.status = status
    territory.save(update_fields=["status", "updated_at"])
    action = "territory.suspend" if status == Territory.Status.SUSPENDED else "territory.resume"
    audit_record(actor=actor, action=action, territory=territory, details={"reason": reason} if reason else {})
    transaction.on_commit(routing_invalidate)
    return territory


@transaction.atomic
def domain_add(*, territory: Territory, domain: str, actor: User | None, make_primary: bool = False) -> Domain:
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
    audit_record(actor=actor, action="domain.add", territory=territory, details={"domain": domain, "primary": make_primary})
    transaction.on_commit(routing_invalidate)
    return record


def audit_record(
    *, actor: User | None, action: str, territory: Territory | None = None, details: dict | None = None,
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


LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4_000_000


@transaction.atomic
def territory_branding_update(
    *, territory: Territory, actor: User, name: str, hero_text: str, primary_color: str, logo=None
) -> Territory:
    """Change a territory's name, hero text, primary colour and logo (all checked first)."""
    errors: dict[str, list[str]] = {}
    name, hero_text, primary_color = name.strip(), hero_text.strip(), primary_color.strip().lower()
    if not name:
        errors["name"] = [_("Give the territory a name.")]
    if primary_color:
        message = primary_color_check(primary_color, theme=theme_load(territory.theme))
        if message:
            errors["primary_color"] = [message]
    clean_logo = None
    if logo is not None:
        try:
            clean_logo = image_clean(logo, max_bytes=LOGO_MAX_BYTES, max_pixels=LOGO_MAX_PIXELS)
        except ImageRejected as exc:
            errors["logo"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    territory.name, territory.hero_text, territory.primary_color = name, hero_text, primary_color
    fields = ["name", "hero_text", "primary_color", "updated_at"]
    if clean_logo is not None:
        territory.logo.save(f"logo.{clean_logo.extension}", clean_logo.content, save=False)
        fields.append("logo")
    territory.save(update_fields=fields)
    # The actor is a territory account (not in the public schema): named by email only.
    audit_record(actor=None, actor_email=actor.email, action="territory.branding", territory=territory,
                 details={"primary_color": primary_color, "logo": logo is not None})
    transaction.on_commit(routing_invalidate)
    return territory


@transaction.atomic
def territory_announcement_set(
    *, territory: Territory, actor: User, text: str, link: str = "", until: date | None = None, today: date
) -> Territory:
    """Set (or clear, with an empty text) the announcement on the territory's home page."""
    text, link = " ".join(text.split()), link.strip()
    errors: dict[str, list[str]] = {}
    if len(text) > 280:
        errors["text"] = [_("Keep the announcement under 280 characters (it has %(n)s).") % {"n": len(text)}]
    local = re.fullmatch(r"/(?![/\\])\S*", link)  # a page of this site; "//x" and "/\x" lead elsewhere
    if link and not local and not re.fullmatch(r"https://[^\s/\\]+\S*", link):
        errors["link"] = [_("Give a page of the marketplace (starting with /) or a full address starting with https://.")]
    if link and not text:
        errors["text"] = [_("Write the announcement the link goes with.")]
    if until is not None and until < today:
        errors["until"] = [_("This date is past: choose today or a later day, or leave it empty.")]
    if errors:
        raise ValidationError(errors)
    # A fresh copy: the caller's may be the routing cache's, shared by every request of this process.
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    territory.announcement, territory.announcement_link = text, link if text else ""
    territory.announcement_until = until if text else None
    territory.save(update_fields=["announcement", "announcement_link", "announcement_until", "updated_at"])
    audit_record(actor=None, actor_email=actor.email, action="territory.announcement", territory=territory,
                 details={"text": text, "until": until.isoformat() if until else None})
    transaction.on_commit(routing_invalidate)  # request.tenant comes from the routing cache
    return territory
