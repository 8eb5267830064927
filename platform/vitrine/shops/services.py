"""Writes on shops: communes, applications, approval, assisted onboarding, profile, team, hours.

Every decision is checked by shops.permissions, recorded in the territory's audit trail, and
told to the people concerned by email (one template per email, in notifications).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from itertools import pairwise
from typing import cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vitrine.accounts.models import User
from vitrine.accounts.services import user_invite
from vitrine.audit.services import audit_record
from vitrine.common.html import description_clean
from vitrine.common.images import ImageRejected, image_clean
from vitrine.common.ordering import position_move
from vitrine.common.phones import phone_normalise
from vitrine.common.text import slug_unique
from vitrine.notifications.services import outbox_email_send
from vitrine.shops.models import (
    ClosingPeriod,
    Commune,
    OpeningRange,
    Shop,
    ShopMember,
    ShopPhoto,
)
from vitrine.shops.permissions import shop_member_check, staff_check
from vitrine.shops.siret import siret_normalise, siret_valid
from vitrine.shops.tasks import shop_photo_renditions_make
from vitrine.tenancy.selectors import territory_base_url

MAX_SHOP_PHOTOS = 8
MAX_RANGES_PER_DAY = 3
POSTCODE = re.compile(r"\d{5}")


def weekday_names() -> list[str]:
    """Monday first, in the current language."""
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


def _absolute_url(name: str, **kwargs) -> str:
    """A link to a page of the current territory, for emails."""
    territory = getattr(connection, "tenant", None)
    base = territory_base_url(territory) if territory is not None and hasattr(territory, "domains") else ""
    return base + reverse(name, urlconf=settings.ROOT_URLCONF, kwargs=kwargs or None)


# --- Communes -------------------------------------------------------------------------


@dataclass(frozen=True)
class CommuneLoadResult:
    created: int
    unchanged: int


def _commune_errors(name: str, postcode: str) -> list[str]:
    errors = []
    if not name:
        errors.append(_("The commune's name is missing."))
    elif len(name) > 120:
        errors.append(_("The commune's name is at most 120 characters."))
    if not POSTCODE.fullmatch(postcode):
        errors.append(_("“%(postcode)s” is not a postcode (5 digits).") % {"postcode": postcode})
    return errors


def _commune_get_or_create(name: str, postcode: str) -> tuple[Commune, bool]:
    existing = Commune.objects.filter(name=name, postcode=postcode).first()
    if existing is not None:
        return existing, False
    slug = slug_unique(Commune, f"{name}-{postcode}", fallback="commune")
    return Commune.objects.create(name=name, postcode=postcode, slug=slug), True


@transaction.atomic
def communes_load(*, rows: Iterable[Mapping[str, str]]) -> CommuneLoadResult:
    """Upsert the territory's communes (name, postcode); all rows or none, safe to run again."""
    clean: list[tuple[str, str]] = []
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(rows, start=2):  # line 1 is the CSV header
        name = " ".join((row.get("name") or "").split())
        postcode = (row.get("postcode") or "").strip()
        problems = _commune_errors(name, postcode)
        if problems:
            errors.extend(_("Line %(line)s: %(error)s") % {"line": line, "error": problem} for problem in problems)
        elif (name, postcode) not in seen:
            seen.add((name, postcode))
            clean.append((name, postcode))
    if errors:
        raise ValidationError(errors)
    created = sum(_commune_get_or_create(name, postcode)[1] for name, postcode in clean)
    return CommuneLoadResult(created=created, unchanged=len(clean) - created)


@transaction.atomic
def commune_add(*, name: str, postcode: str, actor: User) -> Commune:
    """Territory staff add a commune to the territory."""
    staff_check(actor)
    name, postcode = " ".join((name or "").split()), (postcode or "").strip()
    errors = _commune_errors(name, postcode)
    if errors:
        raise ValidationError({"name" if not name or len(name) > 120 else "postcode": errors})
    if Commune.objects.filter(name__iexact=name, postcode=postcode).exists():
        raise ValidationError(
            {
                "name": [
                    _("%(name)s (%(postcode)s) is already a commune of the territory.")
                    % {"name": name, "postcode": postcode}
                ]
            }
        )
    commune, _created = _commune_get_or_create(name, postcode)
    audit_record(actor=actor, verb="commune.add", obj=commune, payload={"postcode": postcode})
    return commune


# --- Applications -------------------------------------------------------------------


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


def _phone_clean(value: str) -> str:
    """Give the shop's phone number in its stored format ("" when none), or raise ValidationError."""
    value = (value or "").strip()
    return (
        phone_normalise(value, message=_("This phone number is not valid (for example 03 83 00 00 00)."))
        if value
        else ""
    )


def _category_exists(category_id: int) -> bool:
    # Categories are the catalogue's, and shops sits below catalog: the one reference is the
    # shop's foreign key (a string in the model), so the category is read through it.
    category_model = cast("type[Model]", Shop._meta.get_field("category").related_model)
    return category_model._default_manager.filter(pk=category_id).exists()


def shop_application_validate(application: ShopApplication, *, reapplying: Shop | None = None) -> dict[str, list[str]]:
    """Check an application; return errors by field (empty when valid)."""
    errors: dict[str, list[str]] = {}
    if not application.name.strip():
        errors["name"] = [_("Give the business name.")]
    elif len(application.name.strip()) > 120:
        errors["name"] = [_("The business name is at most 120 characters.")]
    siret = siret_normalise(application.siret)
    if not siret_valid(siret):
        errors["siret"] = [
            _("This SIRET is not valid: 14 digits, as on your Kbis or on annuaire-entreprises.data.gouv.fr.")
        ]
    elif Shop.objects.filter(siret=siret).exclude(pk__in=[reapplying.pk] if reapplying else []).exists():
        errors["siret"] = [_("A shop with this SIRET is already registered here.")]
    if not application.address.strip():
        errors["address"] = [_("Give the shop's street address.")]
    if application.commune_id is None or not Commune.objects.filter(pk=application.commune_id).exists():
        errors["commune"] = [_("The shop must be in one of the territory's communes.")]
    if application.category_id is None or not _category_exists(application.category_id):
        errors["category"] = [_("Choose the shop's category.")]
    try:
        validate_email((application.email or "").strip())
    except ValidationError:
        errors["email"] = [_("Give an email address where customers and the territory team can reach the shop.")]
    try:
        _phone_clean(application.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    return errors


def _application_values(application: ShopApplication) -> dict:
    return {
        "name": application.name.strip(),
        "siret": siret_normalise(application.siret),
        "address": application.address.strip(),
        "commune_id": application.commune_id,
        "category_id": application.category_id,
        "email": application.email.strip().lower(),
        "phone": _phone_clean(application.phone),
        "description": description_clean(application.description),
        "click_and_collect": application.click_and_collect and not application.showcase_only,
        "showcase_only": application.showcase_only,
    }


def _shop_from_application(application: ShopApplication, *, status: str) -> Shop:
    errors = shop_application_validate(application)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Shop.objects.create(
                slug=slug_unique(Shop, application.name, fallback="boutique"),
                status=status,
                approved_at=timezone.now() if status == Shop.Status.APPROVED else None,
                **_application_values(application),
            )
    except IntegrityError:  # the same SIRET submitted twice at once
        raise ValidationError({"siret": [_("A shop with this SIRET is already registered here.")]}) from None


def _owner_errors(owner: User) -> dict[str, list[str]]:
    if owner.is_territory_staff or owner.role == User.Role.OPERATOR:
        return {"__all__": [_("A territory team account cannot own a shop: apply with another email address.")]}
    current = owner.shop_memberships.exclude(shop__status=Shop.Status.REFUSED).select_related("shop").first()
    if current is not None:
        return {"__all__": [_("Your account already belongs to the shop %(name)s.") % {"name": current.shop.name}]}
    return {}


def _refused_shop_of(owner: User, siret: str) -> Shop | None:
    """The owner's own refused application with this SIRET: applying again reopens it."""
    return (
        Shop.objects.select_for_update()
        .filter(
            siret=siret_normalise(siret),
            status=Shop.Status.REFUSED,
            members__user=owner,
            members__role=ShopMember.Role.OWNER,
        )
        .first()
    )


def _staff_emails() -> list[str]:
    return list(
        User.objects.filter(role__in=[User.Role.TERRITORY_ADMIN, User.Role.TERRITORY_STAFF], is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )


@transaction.atomic
def shop_apply(*, application: ShopApplication, owner: User) -> Shop:
    """A merchant applies: the shop waits for territory staff, who are told by email.

    An owner whose application was refused applies again with the same SIRET:
    their shop is updated and waits for staff again.
    """
    reapplying = _refused_shop_of(owner, application.siret) if owner.pk else None
    errors = {**shop_application_validate(application, reapplying=reapplying), **_owner_errors(owner)}
    if errors:
        raise ValidationError(errors)
    if reapplying is not None:
        shop = reapplying
        values = _application_values(application)
        for name, value in values.items():
            setattr(shop, name, value)
        shop.status, shop.status_reason = Shop.Status.PENDING, ""
        shop.save(update_fields=[*values.keys(), "status", "status_reason", "updated_at"])
    else:
        shop = _shop_from_application(application, status=Shop.Status.PENDING)
        ShopMember.objects.create(shop=shop, user=owner, role=ShopMember.Role.OWNER)
    if owner.role == User.Role.SHOPPER:
        owner.role = User.Role.MERCHANT
        owner.save(update_fields=["role"])
    staff = _staff_emails()
    if staff:
        outbox_email_send(
            to=staff,
            template="shop_application_staff",
            context={"shop": shop, "url": _absolute_url("staff_shop_detail", pk=shop.pk)},
        )
    audit_record(
        actor=owner, verb="shop.apply", obj=shop, payload={"siret": shop.siret, "again": reapplying is not None}
    )
    return shop


@transaction.atomic
def shop_apply_with_account(
    *, application: ShopApplication, email: str, password: str, full_name: str
) -> tuple[Shop, User]:
    """A visitor applies and opens their merchant account in this territory in one step."""
    email = (email or "").strip().lower()
    full_name = " ".join((full_name or "").split())
    errors = shop_application_validate(application)
    if not full_name:
        errors["owner_full_name"] = [_("Give your first and last name.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["owner_email"] = [_("Give a valid email address; it will be your login.")]
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors["owner_email"] = [_("An account already uses this address: sign in first, then apply.")]
    try:
        validate_password(password or "", user=User(email=email, full_name=full_name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    owner = User.objects.create_user(email=email, password=password, full_name=full_name, role=User.Role.MERCHANT)
    return shop_apply(application=application, owner=owner), owner


@transaction.atomic
def shop_create_assisted(*, application: ShopApplication, owner_email: str, actor: User) -> Shop:
    """Territory staff create an approved shop for a merchant and invite its owner by email."""
    staff_check(actor)
    owner_email = (owner_email or "").strip().lower()
    errors = shop_application_validate(application)
    owner = None
    try:
        validate_email(owner_email)
    except ValidationError:
        errors["owner_email"] = [_("Give the owner's email address: they get a link to choose their password.")]
    else:
        owner = User.objects.filter(email__iexact=owner_email).first()
        if owner is not None:
            owner_errors = _owner_errors(owner)
            if owner_errors:
                errors["owner_email"] = owner_errors["__all__"]
    if errors:
        raise ValidationError(errors)
    shop = _shop_from_application(application, status=Shop.Status.APPROVED)
    owner = _merchant_account(email=owner_email, user=owner, template="shop_created_for_owner", context={"shop": shop})
    ShopMember.objects.create(shop=shop, user=owner, role=ShopMember.Role.OWNER)
    audit_record(actor=actor, verb="shop.create_assisted", obj=shop, payload={"email": owner_email})
    return shop


# --- Approval -----------------------------------------------------------------------


def _owner_emails(shop: Shop) -> list[str]:
    return list(shop.members.filter(role=ShopMember.Role.OWNER).values_list("user__email", flat=True))


def _merchant_account(*, email: str, user: User | None, template: str, context: dict) -> User:
    """The merchant account for `email`: a new one, invited to choose a password; or the existing
    account (a shopper becomes a merchant), told by the email `template` (with the merchant area's link)."""
    if user is None:
        user = User.objects.create_user(email=email, role=User.Role.MERCHANT)
        user_invite(user=user, territory=connection.tenant)  # type: ignore[attr-defined]  # django-tenants' connection
        return user
    if user.role == User.Role.SHOPPER:
        user.role = User.Role.MERCHANT
        user.save(update_fields=["role"])
    outbox_email_send(to=[user.email], template=template, context={**context, "url": _absolute_url("merchant_home")})
    return user


def _tell_owners(shop: Shop, template: str, **context) -> None:
    owners = _owner_emails(shop)
    if owners:
        outbox_email_send(
            to=owners, template=template, context={"shop": shop, "url": _absolute_url("merchant_home"), **context}
        )


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
    _tell_owners(locked, "shop_approved")
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
    _tell_owners(locked, move.template, reason=reason)
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
def shop_set_featured(*, shop: Shop, actor: User, featured: bool) -> Shop:
    """Staff choose the shops the home page shows first (approved shops only)."""
    staff_check(actor)
    locked = _locked(shop)
    if featured and locked.status != Shop.Status.APPROVED:
        raise ValidationError({"__all__": [_("Only an approved shop can be featured on the home page.")]})
    locked.is_featured = featured
    locked.save(update_fields=["is_featured", "updated_at"])
    audit_record(actor=actor, verb="shop.feature" if featured else "shop.unfeature", obj=locked)
    return _sync(shop, locked, ["is_featured", "updated_at"])


# --- The merchant's own shop ------------------------------------------------------------


@dataclass
class ShopProfile:
    """What the owner edits about their shop (its identity stays with staff: name, SIRET)."""

    description: str = ""
    phone: str = ""
    website: str = ""
    click_and_collect: bool = True
    showcase_only: bool = False


@transaction.atomic
def shop_profile_update(*, shop: Shop, actor: User, profile: ShopProfile, logo=None, logo_clear: bool = False) -> Shop:
    """The owner edits their storefront: description (sanitised), contact, logo, how they sell."""
    shop_member_check(shop=shop, user=actor, owner_only=True)
    errors: dict[str, list[str]] = {}
    phone = ""
    try:
        phone = _phone_clean(profile.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    website = (profile.website or "").strip()
    if website and not re.match(r"https?://[^\s/]+\.[^\s]+$", website):
        errors["website"] = [_("Give the full address of your website, starting with https://")]
    image = None
    if logo:
        try:
            image = image_clean(logo)
        except ImageRejected as exc:
            errors["logo"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    shop = _locked(shop)
    shop.description = description_clean(profile.description)
    shop.phone, shop.website = phone, website
    shop.showcase_only = profile.showcase_only
    shop.click_and_collect = profile.click_and_collect and not profile.showcase_only
    fields = ["description", "phone", "website", "showcase_only", "click_and_collect", "updated_at"]
    old_logo = shop.logo.name if shop.logo else ""
    if image is not None:
        shop.logo.save(f"{shop.slug}-logo.{image.extension}", image.content, save=False)
        fields.append("logo")
    elif logo_clear and old_logo:
        shop.logo = ""
        fields.append("logo")
    shop.save(update_fields=fields)
    if "logo" in fields and old_logo:
        transaction.on_commit(lambda: default_storage.delete(old_logo))
    return shop


@transaction.atomic
def shop_photo_add(*, shop: Shop, actor: User, upload, alt: str = "") -> ShopPhoto:
    """Add a checked, metadata-free photo to the storefront; web variants come from a task."""
    shop_member_check(shop=shop, user=actor, owner_only=True)
    _locked(shop)  # two uploads at once keep distinct positions
    if shop.photos.count() >= MAX_SHOP_PHOTOS:
        raise ValidationError(
            {"photo": [_("A storefront has at most %(count)s photos: remove one first.") % {"count": MAX_SHOP_PHOTOS}]}
        )
    try:
        image = image_clean(upload)
    except ImageRejected as exc:
        raise ValidationError({"photo": [str(exc)]}) from None
    alt = " ".join((alt or "").split())[:200] or shop.name
    position = (shop.photos.aggregate(last=Max("position"))["last"] or 0) + 1
    photo = ShopPhoto(shop=shop, alt=alt, position=position)
    photo.image.save(f"{shop.slug}.{image.extension}", image.content, save=False)
    photo.save()
    transaction.on_commit(lambda: shop_photo_renditions_make.delay(photo_id=photo.pk))
    return photo


@transaction.atomic
def shop_photo_update(*, photo: ShopPhoto, actor: User, alt: str) -> ShopPhoto:
    """The owner describes a photo for people who cannot see it."""
    shop_member_check(shop=photo.shop, user=actor, owner_only=True)
    photo.alt = " ".join((alt or "").split())[:200] or photo.shop.name
    photo.save(update_fields=["alt"])
    return photo


@transaction.atomic
def shop_photo_move(*, photo: ShopPhoto, actor: User, direction: str) -> None:
    """Move a photo one place up (earlier) or down; the first photo leads the storefront."""
    shop_member_check(shop=photo.shop, user=actor, owner_only=True)
    _locked(photo.shop)
    if direction not in ("up", "down"):
        return
    position_move(list(photo.shop.photos.order_by("position", "id")), photo, -1 if direction == "up" else 1)


def _files_delete(names: list[str | None]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


@transaction.atomic
def shop_photo_delete(*, photo: ShopPhoto, actor: User) -> None:
    shop_member_check(shop=photo.shop, user=actor, owner_only=True)
    names = [photo.image.name, *(r.get("name") for r in (photo.renditions or {}).values())]
    photo.delete()
    transaction.on_commit(lambda: _files_delete(names))


# --- Team -----------------------------------------------------------------------------


@transaction.atomic
def shop_member_invite(*, shop: Shop, actor: User, email: str) -> ShopMember:
    """The owner adds an employee by email; a new account gets a link to choose its password."""
    shop_member_check(shop=shop, user=actor, owner_only=True)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Give your employee's email address.")]}) from None
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if user.is_territory_staff or user.role == User.Role.OPERATOR:
            raise ValidationError({"email": [_("This address belongs to the territory team.")]})
        membership = user.shop_memberships.select_related("shop").first()
        if membership is not None and membership.shop_id == shop.pk:
            raise ValidationError({"email": [_("%(email)s is already in your team.") % {"email": email}]})
        if membership is not None:
            raise ValidationError({"email": [_("%(email)s already works for another shop.") % {"email": email}]})
    user = _merchant_account(
        email=email, user=user, template="shop_member_joined", context={"shop": shop, "owner": str(actor)}
    )
    member = ShopMember.objects.create(shop=shop, user=user, role=ShopMember.Role.EMPLOYEE)
    audit_record(actor=actor, verb="member.invite", obj=shop, payload={"email": email})
    return member


@transaction.atomic
def shop_member_remove(*, member: ShopMember, actor: User) -> None:
    """The owner removes an employee (the account stays, without access to the shop)."""
    shop_member_check(shop=member.shop, user=actor, owner_only=True)
    if member.role == ShopMember.Role.OWNER:
        raise ValidationError({"__all__": [_("The owner cannot be removed from the shop.")]})
    email = member.user.email
    member.delete()
    audit_record(actor=actor, verb="member.remove", obj=member.shop, payload={"email": email})


# --- Opening hours --------------------------------------------------------------------


@transaction.atomic
def shop_hours_set(*, shop: Shop, ranges: list[tuple[int, time, time]], actor: User) -> None:
    """Replace a shop's weekly opening ranges (up to 3 per day, no overlap); all or nothing."""
    shop_member_check(shop=shop, user=actor)
    days = weekday_names()
    errors: list[str] = []
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in ranges:
        if not 0 <= weekday <= 6:
            errors.append(_("Unknown day."))
            continue
        if opens >= closes:
            errors.append(
                _("%(day)s: each range must open before it closes (%(opens)s–%(closes)s).")
                % {"day": days[weekday], "opens": opens.strftime("%H:%M"), "closes": closes.strftime("%H:%M")}
            )
            continue
        by_day.setdefault(weekday, []).append((opens, closes))
    for weekday, day_ranges in sorted(by_day.items()):
        day_ranges.sort()
        if len(day_ranges) > MAX_RANGES_PER_DAY:
            errors.append(
                _("%(day)s: at most %(count)s ranges a day.") % {"day": days[weekday], "count": MAX_RANGES_PER_DAY}
            )
        if any(previous[1] > current[0] for previous, current in pairwise(day_ranges)):
            errors.append(_("%(day)s: two ranges overlap.") % {"day": days[weekday]})
    if errors:
        raise ValidationError({"hours": list(dict.fromkeys(errors))})
    _locked(shop)
    OpeningRange.objects.filter(shop=shop).delete()
    OpeningRange.objects.bulk_create(
        [
            OpeningRange(shop=shop, weekday=w, opens=o, closes=c)
            for w, ranges_ in sorted(by_day.items())
            for o, c in ranges_
        ]
    )


@transaction.atomic
def shop_closing_add(*, shop: Shop, starts_on: date, ends_on: date, reason: str, actor: User) -> ClosingPeriod:
    """Add days the shop is closed (holidays, inventory); shoppers see it is closed then."""
    shop_member_check(shop=shop, user=actor)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The last day comes after the first.")]})
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": [_("This period is already over.")]})
    if (ends_on - starts_on).days > 366:
        raise ValidationError({"ends_on": [_("A closing period lasts at most a year.")]})
    return ClosingPeriod.objects.create(
        shop=shop, starts_on=starts_on, ends_on=ends_on, reason=(reason or "").strip()[:120]
    )


@transaction.atomic
def shop_closing_remove(*, period: ClosingPeriod, actor: User) -> None:
    shop_member_check(shop=period.shop, user=actor)
    period.delete()
