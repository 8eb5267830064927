"""The territory team's decisions about its marketplace: its identity, its announcements, lockdown mode.

They write the territory's public row (tenancy), then record the decision twice: in the
console's log (public schema, the operator's view) and in the territory's own trail. And the
team's admins lift a locked sign-in of their territory.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.accounts.lockouts import lockout_clear
from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.shops.permissions import NotTerritoryAdmin, admin_check, staff_check
from vitrine.tenancy.branding import IdentityChange, territory_identity_update
from vitrine.tenancy.models import Announcement, Territory
from vitrine.tenancy.routing import routing_invalidate
from vitrine.tenancy.services import console_log_record


@transaction.atomic
def territory_branding_update(*, territory: Territory, actor: User, change: IdentityChange) -> Territory:
    """Change the territory's identity (name, colours, texts, images: all checked first); its admins only."""
    admin_check(actor)
    if connection.schema_name != territory.schema_name:  # type: ignore[attr-defined]  # django-tenants' connection
        # The actor is an account of the schema being served: it never speaks for another territory.
        raise NotTerritoryAdmin("Another territory's identity.")
    # The actor is a territory account (not in the public schema): the console's log names them by email.
    territory, details = territory_identity_update(
        territory=territory, change=change, actor=None, actor_email=actor.email
    )
    audit_record(actor=actor, verb="territory.branding", obj=territory, payload={"name": territory.name, **details})
    return territory


def _link_errors(link: str) -> list[str]:
    local = re.fullmatch(r"/(?![/\\])\S*", link)  # a page of this site; "//x" and "/\x" lead elsewhere
    if link and not local and not re.fullmatch(r"https://[^\s/\\]+\S*", link):
        return [_("Give a page of the marketplace (starting with /) or a full address starting with https://.")]
    return []


def _own_territory(territory: Territory) -> Territory:
    if connection.schema_name != territory.schema_name:  # type: ignore[attr-defined]  # django-tenants' connection
        raise NotTerritoryAdmin("Another territory.")
    # A fresh, locked copy: the caller's may be the routing cache's, shared by every request of this process.
    return Territory.objects.select_for_update().get(pk=territory.pk)


@transaction.atomic
def announcement_schedule(
    *,
    territory: Territory,
    actor: User,
    text: str,
    link: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    now: datetime | None = None,
) -> Announcement:
    """Add an announcement shown on the home page from `starts_at` (now if empty) until `ends_at` (or its end); the team only."""
    staff_check(actor)
    now = now or timezone.now()
    text, link = " ".join(text.split()), link.strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [_("Write the announcement.")]
    elif len(text) > 280:
        errors["text"] = [_("Keep the announcement under 280 characters (it has %(n)s).") % {"n": len(text)}]
    if link_errors := _link_errors(link):
        errors["link"] = link_errors
    starts_at = starts_at or now
    if ends_at is not None and ends_at <= now:
        errors["ends_at"] = [_("This end is past: choose a later time, or leave it empty.")]
    elif ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("The end must come after the start.")]
    if errors:
        raise ValidationError(errors)
    territory = _own_territory(territory)
    announcement = Announcement.objects.create(
        territory=territory, text=text, link=link, starts_at=starts_at, ends_at=ends_at, created_by_email=actor.email
    )
    details = {
        "text": text,
        "starts_at": timezone.localtime(starts_at).isoformat(timespec="minutes"),
        "ends_at": timezone.localtime(ends_at).isoformat(timespec="minutes") if ends_at else None,
    }
    console_log_record(
        actor=None, actor_email=actor.email, action="territory.announcement", territory=territory, details=details
    )
    audit_record(actor=actor, verb="announcement.schedule", obj=announcement, payload=details)
    return announcement


@transaction.atomic
def announcement_end(*, territory: Territory, actor: User, pk: int, now: datetime | None = None) -> Announcement:
    """End an announcement now (a scheduled one is withdrawn before it starts); the team only."""
    staff_check(actor)
    now = now or timezone.now()
    announcement = Announcement.objects.select_for_update().get(territory=territory, pk=pk)
    if announcement.state_at(now) == "past":
        raise ValidationError({"__all__": [_("This announcement has already ended.")]})
    if announcement.starts_at >= now:  # never shown: it ends where it starts... and is removed
        announcement.delete()
        announcement.pk = pk
    else:
        announcement.ends_at = now
        announcement.save(update_fields=["ends_at"])
    audit_record(actor=actor, verb="announcement.end", obj=announcement, payload={"text": announcement.text})
    return announcement


@transaction.atomic
def territory_lockdown_set(*, territory: Territory, actor: User, on: bool) -> Territory:
    """Switch lockdown mode on or off for the whole marketplace; the team only, recorded each time."""
    staff_check(actor)
    territory = _own_territory(territory)
    if territory.lockdown == on:
        raise ValidationError(
            {"__all__": [_("Lockdown mode is already on.") if on else _("Lockdown mode is already off.")]}
        )
    territory.lockdown, territory.lockdown_changed_at = on, timezone.now()
    territory.save(update_fields=["lockdown", "lockdown_changed_at", "updated_at"])
    verb = "territory.lockdown_on" if on else "territory.lockdown_off"
    console_log_record(actor=None, actor_email=actor.email, action=verb, territory=territory, details={})
    audit_record(actor=actor, verb=verb, obj=territory)
    transaction.on_commit(routing_invalidate)  # request.tenant comes from the routing cache
    return territory


@transaction.atomic
def territory_pickup_instructions_set(*, territory: Territory, actor: User, text: str) -> Territory:
    """The contactless pickup instructions orders carry in lockdown (empty: the default text); the team only."""
    staff_check(actor)
    text = "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
    if len(text) > 1000:
        raise ValidationError(
            {"pickup_instructions": [_("Keep it under 1000 characters (it has %(n)s).") % {"n": len(text)}]}
        )
    territory = _own_territory(territory)
    territory.pickup_instructions = text
    territory.save(update_fields=["pickup_instructions", "updated_at"])
    audit_record(actor=actor, verb="territory.pickup_instructions", obj=territory, payload={"text": text})
    transaction.on_commit(routing_invalidate)
    return territory


@transaction.atomic
def sign_in_unlock(*, username: str, ip_address: str | None, actor: User) -> int:
    """Lift a locked sign-in of the territory (an account name's failures from one address); admins only.

    Returns how many counts were forgotten: none (and no record) when the lock had already ended.
    """
    admin_check(actor)
    cleared = lockout_clear(username=username, ip_address=ip_address)
    if cleared:
        # By email in the payload: an account's deletion (privacy) takes it out of the trail.
        audit_record(actor=actor, verb="sign_in.unlock", payload={"email": username})
    return cleared
