"""A territory's identity: name, colours, texts and images, checked then saved as one decision.

The one rule for every door: the console at provisioning and later (an operator), and the
territory team's identity page (its administrators). Callers check who may act and record
the decision in the territory's own trail; this module checks the input, saves it and
writes the console's log line.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from vitrine.common.images import ImageRejected, image_check
from vitrine.tenancy.models import Territory
from vitrine.tenancy.routing import routing_invalidate
from vitrine.tenancy.services import console_log_record
from vitrine.theming.services import (
    ThemeNotFound,
    accent_color_check,
    header_color_check,
    primary_color_check,
    territory_base_tokens,
    theme_load,
)

NAME_MAX = Territory._meta.get_field("name").max_length
HERO_TEXT_MAX = Territory._meta.get_field("hero_text").max_length
FOOTER_TEXT_MAX = Territory._meta.get_field("footer_text").max_length
IMAGE_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ImageRule:
    """How one kind of branding image is checked and stored."""

    stem: str
    max_pixels: int
    min_width: int
    min_height: int
    box: tuple[int, int]  # scaled down to fit, never up
    format: str  # what it is stored as; "" keeps JPEG/PNG/WebP as sent


IMAGE_RULES = {
    # PNG: transparent logos stay so, and emails can show it (many mail clients show no SVG nor WebP).
    "logo": ImageRule("logo", 4_000_000, 16, 16, (512, 512), "PNG"),
    "hero_image": ImageRule("hero", 12_000_000, 480, 160, (1600, 1600), ""),
    "favicon": ImageRule("favicon", 4_000_000, 16, 16, (192, 192), "PNG"),
    # JPEG: every social network reads it; 1200 x 630 is what they show.
    "social_image": ImageRule("social", 12_000_000, 200, 200, (1200, 1200), "JPEG"),
}
IMAGE_FIELDS = tuple(IMAGE_RULES)
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class IdentityChange:
    """What a person asks for; empty colours and texts mean "the theme's"."""

    name: str
    hero_text: str = ""
    primary_color: str = ""
    header_color: str = ""
    accent_color: str = ""
    footer_text: str = ""
    images: Mapping[str, Any] = field(default_factory=dict)  # kind -> upload, for the images replaced
    remove: frozenset[str] = frozenset()  # kinds of image to take away

    def normalised(self) -> IdentityChange:
        return IdentityChange(
            name=" ".join(self.name.split()),
            hero_text=" ".join(self.hero_text.split()),
            primary_color=self.primary_color.strip().lower(),
            header_color=self.header_color.strip().lower(),
            accent_color=self.accent_color.strip().lower(),
            footer_text=" ".join(self.footer_text.split()),
            images={kind: upload for kind, upload in self.images.items() if upload},
            remove=frozenset(self.remove),
        )


@dataclass(frozen=True)
class CleanBrandingImage:
    content: ContentFile
    name: str
    width: int
    height: int


def identity_texts_colours_check(
    *, base_tokens: dict[str, str], theme_name: str, **values: str
) -> dict[str, list[str]]:
    """Check the name, texts and colours of an identity; errors by field (empty when all is well).

    `base_tokens` are the territory's before its branding: an empty colour keeps theirs.
    """
    errors: dict[str, list[str]] = {}
    name = values.get("name")
    if name is not None and not name:
        errors["name"] = [_("Give the territory a name.")]
    for field_name, limit in (("name", NAME_MAX), ("hero_text", HERO_TEXT_MAX), ("footer_text", FOOTER_TEXT_MAX)):
        text = values.get(field_name) or ""
        if len(text) > limit:
            errors[field_name] = [
                _("Keep it under %(max)s characters (it has %(n)s).") % {"max": limit, "n": len(text)}
            ]
    try:
        theme = theme_load(theme_name)
    except ThemeNotFound:
        return errors  # the caller reports the theme itself
    primary, header, accent = (values.get(f"{k}_color") or "" for k in ("primary", "header", "accent"))
    checks = {
        "primary_color": primary and primary_color_check(primary, theme=theme),
        "header_color": header and header_color_check(header, primary=primary or base_tokens.get("color_primary", "")),
        "accent_color": accent and accent_color_check(accent, theme=theme),
    }
    for field_name, message in checks.items():
        if message:
            errors[field_name] = [message]
    return errors


def branding_image_clean(kind: str, upload) -> CleanBrandingImage:
    """Check a branding image by its content and re-encode it without metadata, scaled to its use.

    Raise ImageRejected (its message is for the person who sent it).
    """
    rule = IMAGE_RULES[kind]
    extension, width, height = image_check(upload, max_bytes=IMAGE_MAX_BYTES, max_pixels=rule.max_pixels)
    if width < rule.min_width or height < rule.min_height:
        raise ImageRejected(
            _("The image is too small (%(width)s × %(height)s pixels): it needs at least %(min_w)s × %(min_h)s.")
            % {"width": width, "height": height, "min_w": rule.min_width, "min_h": rule.min_height}
        )
    save_format = rule.format or {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[extension]
    with Image.open(upload) as opened:
        image = ImageOps.exif_transpose(opened)
        image.thumbnail(rule.box, Image.Resampling.LANCZOS)
        if save_format == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        elif image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        buffer = io.BytesIO()
        options = {"quality": 86, "optimize": True} if save_format in ("JPEG", "WEBP") else {"optimize": True}
        image.save(buffer, format=save_format, **options)  # no exif= argument: metadata is dropped
        width, height = image.size
    upload.seek(0)
    return CleanBrandingImage(ContentFile(buffer.getvalue()), f"{rule.stem}.{EXTENSIONS[save_format]}", width, height)


def identity_images_clean(images: Mapping[str, Any]) -> tuple[dict[str, CleanBrandingImage], dict[str, list[str]]]:
    """Clean each upload; return the clean images and the errors by field."""
    clean, errors = {}, {}
    for kind, upload in images.items():
        if kind not in IMAGE_RULES:
            raise ValueError(f"Unknown branding image {kind!r}")
        try:
            clean[kind] = branding_image_clean(kind, upload)
        except ImageRejected as exc:
            errors[kind] = [str(exc)]
    return clean, errors


def identity_images_store(*, territory: Territory, images: Mapping[str, CleanBrandingImage]) -> list[str]:
    """Store clean images on the territory (not saved); return the fields to save and queue the old files' removal."""
    fields: list[str] = []
    for kind, image in images.items():
        old = getattr(territory, kind).name
        getattr(territory, kind).save(image.name, image.content, save=False)
        fields.append(kind)
        if kind == "hero_image":
            territory.hero_image_width, territory.hero_image_height = image.width, image.height
            fields += ["hero_image_width", "hero_image_height"]
        if old:
            transaction.on_commit(lambda old=old: default_storage.delete(old))
    return fields


@transaction.atomic
def territory_identity_update(
    *, territory: Territory, change: IdentityChange, actor: Any | None, actor_email: str = ""
) -> tuple[Territory, dict[str, Any]]:
    """Check then save a territory's identity, all or nothing; return it and what the logs record.

    Who may do it is the caller's check (a console operator, or the territory's administrator).
    """
    change = change.normalised()
    errors = identity_texts_colours_check(
        base_tokens=territory_base_tokens(territory),
        theme_name=territory.theme,
        name=change.name,
        hero_text=change.hero_text,
        footer_text=change.footer_text,
        primary_color=change.primary_color,
        header_color=change.header_color,
        accent_color=change.accent_color,
    )
    unknown = change.remove - set(IMAGE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown branding images {sorted(unknown)}")
    images, image_errors = identity_images_clean(change.images)
    errors.update(image_errors)
    if errors:
        raise ValidationError(errors)

    # A fresh, locked copy: the caller's may be the routing cache's, shared by every request of this process.
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    texts = ("name", "hero_text", "footer_text", "primary_color", "header_color", "accent_color")
    for name in texts:
        setattr(territory, name, getattr(change, name))
    fields = [*texts, "updated_at"]
    for kind in change.remove - set(images):
        old = getattr(territory, kind).name
        if old:
            setattr(territory, kind, "")
            fields.append(kind)
            transaction.on_commit(lambda old=old: default_storage.delete(old))
            if kind == "hero_image":
                territory.hero_image_width = territory.hero_image_height = None
                fields += ["hero_image_width", "hero_image_height"]
    fields += identity_images_store(territory=territory, images=images)
    territory.save(update_fields=fields)
    details: dict[str, Any] = {
        name: getattr(change, name) for name in ("primary_color", "header_color", "accent_color")
    }
    details |= {"images": sorted(images), "removed": sorted(change.remove - set(images))}
    console_log_record(
        actor=actor, actor_email=actor_email, action="territory.branding", territory=territory, details=details
    )
    transaction.on_commit(routing_invalidate)  # request.tenant comes from the routing cache
    return territory, details
