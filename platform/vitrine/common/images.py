"""Uploaded images: checked by content, limited in size, stripped of metadata, resized.

Used for shop photos, product photos and logos. Nothing here trusts a file's
name or its declared content type.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48 MP phone photo is refused; decompression bombs are, long before
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
RENDITION_WIDTHS = (320, 640, 1280)


class ImageRejected(ValueError):
    """An upload that is not an acceptable image; the message is for the person who sent it."""


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile
    extension: str
    width: int
    height: int


def image_check(upload, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> tuple[str, int, int]:
    """Check an upload by its content; return (extension, width, height) or raise ImageRejected."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected(_("The image must weigh at most %(mb)s MB.") % {"mb": max(1, max_bytes // (1024 * 1024))})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in FORMATS:
                raise ImageRejected(_("The image must be a JPEG, PNG or WebP file."))
            if image.width * image.height > max_pixels:
                raise ImageRejected(
                    _("The image is too large: at most %(mp)s million pixels.") % {"mp": max_pixels // 1_000_000}
                )
            image.verify()
            return FORMATS[image.format], image.width, image.height
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRejected(_("This file is not an image we can read (JPEG, PNG or WebP).")) from exc
    finally:
        upload.seek(0)


def image_clean(upload, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> CleanImage:
    """Re-encode a checked upload without its metadata (EXIF, GPS), upright."""
    extension, _width, _height = image_check(upload, max_bytes=max_bytes, max_pixels=max_pixels)
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image)
        if extension == "jpg" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        save_format = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[extension]
        options = {"quality": 88, "optimize": True} if save_format in ("JPEG", "WEBP") else {"optimize": True}
        image.save(buffer, format=save_format, **options)  # no exif= argument: metadata is dropped
        width, height = image.size
    upload.seek(0)
    return CleanImage(ContentFile(buffer.getvalue()), extension, width, height)


def image_renditions(data: bytes, *, widths=RENDITION_WIDTHS) -> list[tuple[int, int, bytes]]:
    """Web variants (WebP) no wider than the original: [(width, height, bytes)]."""
    renditions = []
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        for width in widths:
            if width > image.width and renditions:
                break
            target_width = min(width, image.width)
            height = round(image.height * target_width / image.width)
            resized = image.resize((target_width, height), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            resized.save(buffer, format="WEBP", quality=82, method=4)
            renditions.append((target_width, height, buffer.getvalue()))
    return renditions


def renditions_make(photo) -> None:
    """Store web variants of a photo row (any model with `image` and `renditions`); safe to run twice."""
    if photo.renditions:
        return
    with photo.image.open("rb") as original:
        data = original.read()
    base = photo.image.name.rsplit(".", 1)[0]
    renditions = {}
    for width, height, content in image_renditions(data):
        name = default_storage.save(f"{base}-{width}.webp", ContentFile(content))
        renditions[str(width)] = {"name": name, "width": width, "height": height}
    photo.renditions = renditions
    photo.save(update_fields=["renditions"])
