"""The territory team's decisions about its marketplace: its identity and its announcement.

They write the territory's public row (tenancy), then record the decision twice: in the
console's log (public schema, the operator's view) and in the territory's own trail. And the
team's admins lift a locked sign-in of their territory.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vitrine.accounts.lockouts import lockout_clear
from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.common.images import ImageRejected, image_clean
from vitrine.shops.permissions import admin_check, staff_check
from vitrine.tenancy.models import Territory
from vitrine.tenancy.routing import routing_invalidate
from vitrine.tenancy.services import console_log_record
from vitrine.theming.services import primary_color_check, theme_load

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4_000_000


@transaction.atomic
def territory_branding_update(
    *, territory: Territory, actor: User, name: str, hero_text: str, primary_color: str, logo=None
) -> Territory:
    """Change a territory's name, hero text, primary colour and logo (all checked first); admins only."""
    admin_check(actor)
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
    details = {"primary_color": primary_color, "logo": logo is not None}
    # The actor is a territory account (not in the public schema): the console's log names them by email.
    console_log_record(
        actor=None, actor_email=actor.email, action="territory.branding", territory=territory, details=details
    )
    audit_record(actor=actor, verb="territory.branding", obj=territory, payload={"name": name, **details})
    transaction.on_commit(routing_invalidate)
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
