"""Writes on shops: applications, approval, assisted onboarding, team, hours."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.accounts.services import user_invite
from vitrine.catalog.models import Category
from vitrine.common.html import html_sanitise
from vitrine.notifications.services import outbox_email_queue
from vitrine.shops.models import ClosingPeriod, Commune, OpeningRange, Shop, ShopMember
from vitrine.shops.siret import siret_normalise, siret_valid


@dataclass
class ShopApplication:
    """What a shop gives to join its territory's marketplace."""

    name: str
    siret: str
    address: str
    commune_id: int | None
    category_id: int | None
    email: str
    phone: str = ""
    description: str = ""
    click_and_collect: bool = True
    showcase_only: bool = False


def _unique_slug(model, base: str, *, scope: dict | None = None) -> str:
    slug = slugify(base)[:120] or "boutique"
    candidate, index = slug, 2
    while model.objects.filter(slug=candidate, **(scope or {})).exists():
        candidate, index = f"{slug}-{index}", index + 1
    return candidate


def shop_application_validate(application: ShopApplication) -> dict[str, list[str]]:
    """Check an application; return errors by field (empty when valid)."""
    errors: dict[str, list[str]] = {}
    if not application.name.strip():
        errors["name"] = [_("Give the business name.")]
    siret = siret_normalise(application.siret)
    if not siret_valid(siret):
        errors["siret"] = [_("This SIRET is not valid: 14 digits, as on your Kbis or on annuaire-entreprises.data.gouv.fr.")]
    elif Shop.objects.filter(siret=siret).exists():
        errors["siret"] = [_("A shop with this SIRET is already registered here.")]
    if not application.address.strip():
        errors["address"] = [_("Give the shop's street address.")]
    if application.commune_id is None or not Commune.objects.filter(pk=application.commune_id).exists():
        errors["commune"] = [_("The shop must be in one of the territory's communes.")]
    if application.category_id is None or not Category.objects.filter(pk=application.category_id).exists():
        errors["category"] = [_("Choose the shop's category.")]
    return errors


def _shop_from_application(application: ShopApplication, *, status: str) -> Shop:
    errors = shop_application_validate(application)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Shop.objects.create(
                name=application.name.strip(),
                slug=_unique_slug(Shop, application.name),
                siret=siret_normalise(application.siret),
                status=status,
                address=application.address.strip(),
                commune_id=application.commune_id,
                category_id=application.category_id,
                email=application.email.strip().lower(),
                phone=application.phone.strip(),
                description=html_sanitise(application.description),
                click_and_collect=application.click_and_collect and not application.showcase_only,
                showcase_only=application.showcase_only,
                approved_at=timezone.now() if status == Shop.Status.APPROVED else None,
            )
    except IntegrityError:  # the same SIRET submitted twice at once
        raise ValidationError({"siret": [_("A shop with this SIRET is already registered here.")]}) from None


@transaction.atomic
def shop_apply(*, application: ShopApplication, owner: User) -> Shop:
    """A merchant applies: the shop waits for territory staff, who are told by email."""
    shop = _shop_from_application(application, status=Shop.Status.PENDING)
    ShopMember.objects.create(shop=shop, user=owner, role=ShopMember.Role.OWNER)
    if owner.role == User.Role.SHOPPER:
        owner.role = User.Role.MERCHANT
        owner.save(update_fields=["role"])
    staff = list(User.objects.filter(role__in=[User.Role.TERRITORY_ADMIN, User.Role.TERRITORY_STAFF], is_active=True)
                 .values_list("email", flat=True))
    if staff:
        outbox_email_queue(
            to=staff,
            subject=_("New shop application: %(name)s") % {"name": shop.name},
            body=_("%(name)s (SIRET %(siret)s, %(commune)s) asks to join the marketplace. Review it in the staff area.")
            % {"name": shop.name, "siret": shop.siret, "commune": shop.commune},
        )
    return shop


@transaction.atomic
def shop_create_assisted(*, application: ShopApplication, owner_email: str, actor: User) -> Shop:
    """Territory staff create an approved shop for a merchant and invite its owner by email."""
    _require_staff(actor)
    shop = _shop_from_application(application, status=Shop.Status.APPROVED)
    owner = User.objects.filter(email=owner_email.strip().lower()).first()
    if owner is None:
        owner = User.objects.create_user(email=owner_email, role=User.Role.MERCHANT)
        user_invite(user=owner, territory=connection.tenant)
    ShopMember.objects.create(shop=shop, user=owner, role=ShopMember.Role.OWNER)
    return shop


def _require_staff(actor: User) -> None:
    if not actor.is_territory_staff:
        raise PermissionError("Territory staff only.")


def _owner_emails(shop: Shop) -> list[str]:
    return list(shop.members.filter(role=ShopMember.Role.OWNER).values_list("user__email", flat=True))


def _tell_owners(shop: Shop, subject: str, body: str) -> None:
    owners = _owner_emails(shop)
    if owners:
        outbox_email_queue(to=owners, subject=subject, body=body)


@transaction.atomic
def shop_approve(*, shop: Shop, actor: User) -> Shop:
    _require_staff(actor)
    if shop.status == Shop.Status.APPROVED:
        return shop
    shop.status, shop.status_reason, shop.approved_at = Shop.Status.APPROVED, "", timezone.now()
    shop.save(update_fields=["status", "status_reason", "approved_at", "updated_at"])
    _tell_owners(shop, _("Your shop %(name)s is online") % {"name": shop.name},
                 _("Good news: %(name)s was approved. Add your products from your phone in a minute each.") % {"name": shop.name})
    return shop


@transaction.atomic
def shop_refuse(*, shop: Shop, actor: User, reason: str) -> Shop:
    _require_staff(actor)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why, so the merchant can correct it.")]})
    shop.status, shop.status_reason = Shop.Status.REFUSED, reason.strip()
    shop.save(update_fields=["status", "status_reason", "updated_at"])
    _tell_owners(shop, _("Your application for %(name)s") % {"name": shop.name},
                 _("Your application was not accepted, for this reason:\n\n%(reason)s") % {"reason": shop.status_reason})
    return shop


@transaction.atomic
def shop_suspend(*, shop: Shop, actor: User, reason: str) -> Shop:
    _require_staff(actor)
    shop.status, shop.status_reason = Shop.Status.SUSPENDED, reason.strip()
    shop.save(update_fields=["status", "status_reason", "updated_at"])
    _tell_owners(shop, _("Your shop %(name)s is suspended") % {"name": shop.name}, shop.status_reason)
    return shop


@transaction.atomic
def shop_set_featured(*, shop: Shop, actor: User, featured: bool) -> Shop:
    _require_staff(actor)
    shop.is_featured = featured
    shop.save(update_fields=["is_featured", "updated_at"])
    return shop


@transaction.atomic
def shop_hours_set(*, shop: Shop, ranges: list[tuple[int, time, time]], actor: User) -> None:
    """Replace a shop's weekly opening ranges (several per day allowed, no overlap)."""
    errors = []
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in ranges:
        if not 0 <= weekday <= 6 or opens >= closes:
            errors.append(_("Each range must open before it closes."))
            continue
        by_day.setdefault(weekday, []).append((opens, closes))
    for day_ranges in by_day.values():
        day_ranges.sort()
        if any(previous[1] > current[0] for previous, current in zip(day_ranges, day_ranges[1:])):
            errors.append(_("Two ranges of the same day overlap."))
    if errors:
        raise ValidationError({"hours": sorted(set(errors))})
    OpeningRange.objects.filter(shop=shop).delete()
    OpeningRange.objects.bulk_create(
        [OpeningRange(shop=shop, weekday=w, opens=o, closes=c) for w, o, c in ranges]
    )


@transaction.atomic
def shop_closing_add(*, shop: Shop, starts_on, ends_on, reason: str, actor: User) -> ClosingPeriod:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The last day comes after the first.")]})
    return ClosingPeriod.objects.create(shop=shop, starts_on=starts_on, ends_on=ends_on, reason=reason.strip())
