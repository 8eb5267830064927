"""A photo kept while its form is corrected: the quick add's photo survives a validation error.

A browser cannot put a chosen file back into a file input, so a form sent back for a wrong
price lost the photo, and the merchant had to take it again. The checked, cleaned photo is
stored for a while under `<schema>/pending-photos/`, named by a signed token (bound to the
territory and the shop) that the form carries in a hidden field; the beat job removes what
nobody came back for.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from vitrine.common.images import ImageRejected, image_clean
from vitrine.shops.models import Shop

PENDING_DIR = "pending-photos"
SALT = "vitrine.catalog.pending-photo"
TOKEN_MAX_AGE = timedelta(hours=6)  # a form left longer than this asks for the photo again
FILE_MAX_AGE = timedelta(hours=24)  # the purge removes files older than this


def _folder() -> str:
    return f"{connection.schema_name}/{PENDING_DIR}"  # type: ignore[attr-defined]  # django-tenants' connection


def pending_photo_keep(*, shop: Shop, upload) -> str:
    """Check, clean (no EXIF) and keep an uploaded photo for a while; return the token that names it."""
    try:
        image = image_clean(upload)
    except ImageRejected as exc:
        raise ValidationError({"photo": [str(exc)]}) from None
    # The storage prefixes the territory's schema: the name it returns is `<schema>/pending-photos/...`.
    name = default_storage.save(f"{PENDING_DIR}/{shop.pk}-{uuid.uuid4().hex}.{image.extension}", image.content)
    return signing.dumps({"schema": connection.schema_name, "shop": shop.pk, "name": name}, salt=SALT)  # type: ignore[attr-defined]


def _pending_name(*, shop: Shop, token: str) -> str | None:
    """The kept file a token names, if the token is genuine, recent, and this shop's in this territory."""
    if not token or len(token) > 500:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # forged, altered, or expired
        return None
    name = data.get("name", "") if isinstance(data, dict) else ""
    if data.get("schema") != connection.schema_name or data.get("shop") != shop.pk:  # type: ignore[attr-defined]
        return None
    if not name.startswith(f"{_folder()}/{shop.pk}-") or ".." in name or not default_storage.exists(name):
        return None
    return name


def pending_photo_open(*, shop: Shop, token: str) -> ContentFile | None:
    """The kept photo as an upload (for the service that publishes it), or None."""
    name = _pending_name(shop=shop, token=token)
    if name is None:
        return None
    with default_storage.open(name, "rb") as stored:
        return ContentFile(stored.read(), name=name.rsplit("/", 1)[-1])


def pending_photo_url(*, shop: Shop, token: str) -> str:
    """Where the form shows the kept photo back to the merchant ("" when there is none)."""
    name = _pending_name(shop=shop, token=token)
    return default_storage.url(name) if name else ""


def pending_photo_discard(*, shop: Shop, token: str) -> None:
    """Remove a kept photo once it is published (or replaced)."""
    name = _pending_name(shop=shop, token=token)
    if name is not None:
        default_storage.delete(name)


def pending_photos_purge(*, older_than: timedelta = FILE_MAX_AGE) -> int:
    """Remove this territory's kept photos older than `older_than`; return how many."""
    folder = _folder()
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0
    limit, removed = timezone.now() - older_than, 0
    for filename in files:
        name = f"{folder}/{filename}"
        if default_storage.get_modified_time(name) < limit:
            default_storage.delete(name)
            removed += 1
    return removed
