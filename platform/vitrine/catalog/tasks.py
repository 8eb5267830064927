"""Photo renditions, made by the worker in the territory's schema."""

from celery import shared_task

from vitrine.catalog.models import ProductPhoto
from vitrine.common.images import renditions_make


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def product_photo_renditions_make(*, photo_id: int) -> None:
    """Resize a product photo into web variants (WebP); safe to run twice."""
    photo = ProductPhoto.objects.filter(pk=photo_id).first()
    if photo is not None:
        renditions_make(photo)
