"""The territory team's decisions on shops: approve, refuse, suspend, resume, feature."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.shops.models import (
    Shop,
)
from vitrine.shops.notices import shop_owners_tell
from vitrine.shops.permissions import staff_check


def _locked(shop: Shop) -> Shop:
    return Shop.objects.select_for_update().get(pk=shop.pk)


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why, so the merchant can correct it.")]})
    return reason


def _transition(shop: Shop, *, allowed_from: tuple[str, ...], message: str) -> Shop:
    locked = _locked(shop)
    if locked.status not in allowed_from:
        raise ValidationError({"__all__": [message % {"status": locked.get_status_display()}]})
    return locked


def _sync(target: Shop, source: Shop, fields: list[str]) -> Shop:
    """Copy the saved fields back onto the caller's instance."""
    for name in fields:
        setattr(target, name, getattr(source, name))
    return target


@transaction.atomic
def shop_approve(*, shop: Shop, actor: User) -> Shop:
    """Staff approve an application (or a refused one, on second thoughts): the shop goes online."""
    staff_check(actor)
    locked = _transition(
        shop,
        allowed_from=(Shop.Status.PENDING, Shop.Status.REFUSED, Shop.Status.APPROVED),
        message=_("This shop is %(status)s: resume it instead of approving it."),
    )
    if locked.status == Shop.Status.APPROVED:  # approved twice (two staff, one click each): nothing more
        return _sync(shop, locked, ["status", "status_reason", "approved_at"])
    locked.status, locked.status_reason, locked.approved_at = Shop.Status.APPROVED, "", timezone.now()
    fields = ["status", "status_reason", "approved_at", "updated_at"]
    locked.save(update_fields=fields)
    shop_owners_tell(locked, "shop_approved")
    audit_record(actor=actor, verb="shop.approve", obj=locked, payload={"from": shop.status})
    return _sync(shop, locked, fields)


@dataclass(frozen=True)
class _StatusMove:
    """A staff decision that moves a shop: where to, from where, what the owners are told."""

    action: str  # the audit verb's second half
    to: str
    allowed_from: tuple[str, ...]
    refused: str | Promise  # said when the shop is elsewhere (%(status)s: its status)
    template: str  # the email to the owners
    needs_reason: bool


_MOVES = {
    move.action: move
    for move in (
        _StatusMove("refuse", Shop.Status.REFUSED, (Shop.Status.PENDING,),
                    gettext_lazy("Only an application awaiting approval can be refused; this shop is %(status)s."),
                    "shop_refused", needs_reason=True),
        _StatusMove("suspend", Shop.Status.SUSPENDED, (Shop.Status.APPROVED,),
                    gettext_lazy("Only an approved shop can be suspended; this shop is %(status)s."),
                    "shop_suspended", needs_reason=True),
        _StatusMove("resume", Shop.Status.APPROVED, (Shop.Status.SUSPENDED,),
                    gettext_lazy("Only a suspended shop can be resumed; this shop is %(status)s."),
                    "shop_resumed", needs_reason=False),
    )
}  # fmt: skip


@transaction.atomic
def _status_set(shop: Shop, *, actor: User, move: _StatusMove, reason: str = "") -> Shop:
    """Move a shop as `move` says (with its reason), tell its owners, and record the decision."""
    staff_check(actor)
    reason = _reason_required(reason) if move.needs_reason else ""
    locked = _transition(shop, allowed_from=move.allowed_from, message=str(move.refused))
    locked.status, locked.status_reason = move.to, reason
    fields = ["status", "status_reason", "updated_at"]
    locked.save(update_fields=fields)
    shop_owners_tell(locked, move.template, reason=reason)
    audit_record(actor=actor, verb=f"shop.{move.action}", obj=locked, payload={"reason": reason} if reason else {})
    return _sync(shop, locked, fields)


def shop_refuse(*, shop: Shop, actor: User, reason: str) -> Shop:
    """Staff refuse an application with a reason the merchant reads (and can answer by applying again)."""
    return _status_set(shop, actor=actor, move=_MOVES["refuse"], reason=reason)


def shop_suspend(*, shop: Shop, actor: User, reason: str) -> Shop:
    """Staff take an approved shop offline, with a reason the merchant reads."""
    return _status_set(shop, actor=actor, move=_MOVES["suspend"], reason=reason)


def shop_resume(*, shop: Shop, actor: User) -> Shop:
    """Staff put a suspended shop back online."""
    return _status_set(shop, actor=actor, move=_MOVES["resume"])


@transaction.atomic
def shop_set_featured(*, shop: Shop, actor: User, featured: bool, position: int | None = None) -> Shop:
    """Staff choose the shops the home page shows first (approved shops only), at a position (smallest first)."""
    staff_check(actor)
    locked = _locked(shop)
    if featured and locked.status != Shop.Status.APPROVED:
        raise ValidationError({"__all__": [_("Only an approved shop can be featured on the home page.")]})
    if position is not None and not 0 <= position <= 999:
        raise ValidationError({"position": [_("Choose a position between 0 and 999.")]})
    locked.is_featured = featured
    fields = ["is_featured", "updated_at"]
    if position is not None or not featured:
        locked.featured_position = position if featured and position is not None else 0
        fields.append("featured_position")
    locked.save(update_fields=fields)
    payload = {"position": locked.featured_position} if featured else {}
    audit_record(actor=actor, verb="shop.feature" if featured else "shop.unfeature", obj=locked, payload=payload)
    return _sync(shop, locked, fields)
