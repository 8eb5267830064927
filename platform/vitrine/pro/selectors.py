"""What the merchant's dashboard shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from vitrine.catalog.models import Product
from vitrine.shops.models import Shop


@dataclass(frozen=True)
class MerchantSummary:
    products_published: int
    products_draft: int
    products_unpublished_by_staff: int
    photos: int
    has_hours: bool


def merchant_summary(*, shop: Shop) -> MerchantSummary:
    """The figures on the merchant's dashboard (two queries)."""
    counts = Product.objects.filter(shop=shop).aggregate(
        published=Count("pk", filter=Q(status=Product.Status.PUBLISHED)),
        draft=Count("pk", filter=Q(status=Product.Status.DRAFT)),
        unpublished=Count("pk", filter=~Q(unpublished_reason="") & ~Q(status=Product.Status.PUBLISHED)),
    )
    shop_counts = Shop.objects.filter(pk=shop.pk).aggregate(
        photos=Count("photos", distinct=True), ranges=Count("opening_ranges", distinct=True)
    )
    return MerchantSummary(
        counts["published"], counts["draft"], counts["unpublished"], shop_counts["photos"], bool(shop_counts["ranges"])
    )
