"""Joining the marketplace: a shop's application, applying again, the team creating a shop for a merchant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.accounts.services import account_request
from vitrine.audit.services import audit_record
from vitrine.common.html import description_clean
from vitrine.common.phones import phone_normalise
from vitrine.common.text import slug_unique
from vitrine.notifications.services import outbox_email_send
from vitrine.shops.models import (
    Commune,
    Shop,
    ShopMember,
)
from vitrine.shops.notices import merchant_account_ensure, territory_link
from vitrine.shops.permissions import staff_check
from vitrine.shops.siret import siret_normalise, siret_problem


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


def shop_phone_clean(value: str) -> str:
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
    problem = siret_problem(siret)
    if problem == "digits":
        errors["siret"] = [
            _("This SIRET is not valid: 14 digits, as on your Kbis or on annuaire-entreprises.data.gouv.fr.")
        ]
    elif problem == "check_digit":
        # 14 digits were typed: saying "14 digits" again would send the merchant counting them.
        errors["siret"] = [
            _(
                "This SIRET does not exist: its 14 digits do not add up (a digit is probably mistyped). "
                "Copy it from your Kbis or from annuaire-entreprises.data.gouv.fr."
            )
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
        shop_phone_clean(application.phone)
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
        "phone": shop_phone_clean(application.phone),
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
            context={"shop": shop, "url": territory_link("staff_shop_detail", pk=shop.pk)},
        )
    audit_record(
        actor=owner, verb="shop.apply", obj=shop, payload={"siret": shop.siret, "again": reapplying is not None}
    )
    return shop


@transaction.atomic
def shop_apply_with_account(*, application: ShopApplication, email: str, password: str, full_name: str) -> Shop | None:
    """A visitor applies and asks for their merchant account in this territory in one step.

    The account opens when its owner confirms the address by the emailed link; the application
    waits for the team meanwhile. The visitor reads the same answer whether or not the address
    already has an account (its owner is told by email to sign in and apply): the shop is made
    only for a new address (None otherwise).
    """
    email = (email or "").strip().lower()
    full_name = " ".join((full_name or "").split())
    errors = shop_application_validate(application)
    if not full_name:
        errors["owner_full_name"] = [_("Give your first and last name.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["owner_email"] = [_("Give a valid email address; it will be your login.")]
    try:
        validate_password(password or "", user=User(email=email, full_name=full_name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    owner = account_request(
        full_name=full_name,
        email=email,
        password=password,
        role=User.Role.MERCHANT,
        territory=connection.tenant,  # type: ignore[attr-defined]  # django-tenants' connection
        next_url=reverse("merchant_home", urlconf=settings.ROOT_URLCONF),
    )
    if owner is None or owner.shop_memberships.exists():  # an account already, or this one applied before
        return None
    return shop_apply(application=application, owner=owner)


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
    owner = merchant_account_ensure(
        email=owner_email, user=owner, template="shop_created_for_owner", context={"shop": shop}
    )
    ShopMember.objects.create(shop=shop, user=owner, role=ShopMember.Role.OWNER)
    audit_record(actor=actor, verb="shop.create_assisted", obj=shop, payload={"email": owner_email})
    return shop
