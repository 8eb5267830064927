"""Storefront photo renditions, made by the worker in the territory's schema."""

from celery import shared_task

from vitrine.common.images import renditions_make
from vitrine.shops.models import ShopPhoto


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def shop_photo_renditions_make(*, photo_id: int) -> None:
    """Resize a storefront photo into web variants (WebP); safe to run twice."""
    photo = ShopPhoto.objects.filter(pk=photo_id).first()
    if photo is not None:
        renditions_make(photo)
