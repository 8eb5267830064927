"""The territory team's decisions about its marketplace: its identity and its announcement.

They write the territory's public row (tenancy), then record the decision twice: in the
console's log (public schema, the operator's view) and in the territory's own trail. And the
team's admins lift a locked sign-in of their territory.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from vitrine.accounts.lockouts import lockout_clear
from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.shops.permissions import NotTerritoryAdmin, admin_check, staff_check
from vitrine.tenancy.branding import IdentityChange, territory_identity_update
from vitrine.tenancy.models import Territory
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


@transaction.atomic
def territory_announcement_set(
    *, territory: Territory, actor: User, text: str, link: str = "", until: date | None = None, today: date
) -> Territory:
    """Set (or clear, with an empty text) the announcement on the territory's home page; the team only."""
    staff_check(actor)
    text, link = " ".join(text.split()), link.strip()
    errors: dict[str, list[str]] = {}
    if len(text) > 280:
        errors["text"] = [_("Keep the announcement under 280 characters (it has %(n)s).") % {"n": len(text)}]
    local = re.fullmatch(r"/(?![/\\])\S*", link)  # a page of this site; "//x" and "/\x" lead elsewhere
    if link and not local and not re.fullmatch(r"https://[^\s/\\]+\S*", link):
        errors["link"] = [
            _("Give a page of the marketplace (starting with /) or a full address starting with https://.")
        ]
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
    details = {"text": text, "until": until.isoformat() if until else None}
    console_log_record(
        actor=None, actor_email=actor.email, action="territory.announcement", territory=territory, details=details
    )
    audit_record(actor=actor, verb="territory.announcement", obj=territory, payload=details)
    transaction.on_commit(routing_invalidate)  # request.tenant comes from the routing cache
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
