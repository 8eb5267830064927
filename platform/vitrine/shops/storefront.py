"""The owner's storefront: description, contact, logo, how the shop sells, its photos."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.common.html import description_clean
from vitrine.common.images import ImageRejected, image_clean
from vitrine.common.ordering import position_move
from vitrine.shops.joining import shop_phone_clean
from vitrine.shops.models import (
    Shop,
    ShopPhoto,
)
from vitrine.shops.permissions import shop_member_check
from vitrine.shops.tasks import shop_photo_renditions_make

MAX_SHOP_PHOTOS = 8
SALE_CONDITIONS_MAX = 10_000


def _locked(shop: Shop) -> Shop:
    return Shop.objects.select_for_update().get(pk=shop.pk)


@dataclass
class ShopProfile:
    """What the owner edits about their shop (its identity stays with staff: name, SIRET)."""

    description: str = ""
    sale_conditions: str = ""
    phone: str = ""
    website: str = ""
    click_and_collect: bool = True
    showcase_only: bool = False


@transaction.atomic
def shop_profile_update(*, shop: Shop, actor: User, profile: ShopProfile, logo=None, logo_clear: bool = False) -> Shop:
    """The owner edits their storefront: description and conditions of sale (sanitised), contact, logo, how they sell."""
    shop_member_check(shop=shop, user=actor, owner_only=True)
    errors: dict[str, list[str]] = {}
    phone = ""
    try:
        phone = shop_phone_clean(profile.phone)
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
    if len(profile.sale_conditions or "") > SALE_CONDITIONS_MAX:
        errors["sale_conditions"] = [
            _("Keep your conditions of sale under %(max)s characters (they have %(n)s).")
            % {"max": number_format(SALE_CONDITIONS_MAX, force_grouping=True), "n": len(profile.sale_conditions)}
        ]
    if errors:
        raise ValidationError(errors)
    shop = _locked(shop)
    shop.description = description_clean(profile.description)
    shop.sale_conditions = description_clean(profile.sale_conditions)
    shop.phone, shop.website = phone, website
    shop.showcase_only = profile.showcase_only
    shop.click_and_collect = profile.click_and_collect and not profile.showcase_only
    fields = ["description", "sale_conditions", "phone", "website", "showcase_only", "click_and_collect", "updated_at"]
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
