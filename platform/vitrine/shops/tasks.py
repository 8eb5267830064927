"""Storefront photo renditions, made by the worker in the territory's schema."""
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from vitrine.common.images import image_renditions
from vitrine.config.celery import app
from vitrine.shops.models import ShopPhoto


@app.task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def shop_photo_renditions_make(*, photo_id: int) -> None:
    """Resize a storefront photo into web variants (WebP); safe to run twice."""
    photo = ShopPhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.renditions:
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
