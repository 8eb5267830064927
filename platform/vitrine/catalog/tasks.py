"""Photo renditions, made by the worker in the territory's schema."""

from celery import shared_task
from django_tenants.utils import get_tenant_model, tenant_context

from vitrine.catalog import pending
from vitrine.catalog.models import ProductPhoto
from vitrine.common.images import renditions_make


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def product_photo_renditions_make(*, photo_id: int) -> None:
    """Resize a product photo into web variants (WebP); safe to run twice."""
    photo = ProductPhoto.objects.filter(pk=photo_id).first()
    if photo is not None:
        renditions_make(photo)


@shared_task(acks_late=True)
def pending_photos_purge() -> None:
    """Remove this territory's photos kept for forms nobody came back to (runs in its schema)."""
    pending.pending_photos_purge()


@shared_task
def pending_photos_purge_all() -> None:
    """Periodic (beat): queue the purge in every active territory."""
    for territory in get_tenant_model().objects.filter(status="active").only("schema_name"):
        with tenant_context(territory):
            pending_photos_purge.delay()
