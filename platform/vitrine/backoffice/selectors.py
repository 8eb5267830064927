"""Reads for the territory team's pages that span apps."""

from __future__ import annotations

from django.db.models import Prefetch

from vitrine.catalog.models import Product
from vitrine.shops.models import Shop, ShopMember


def shop_staff_detail(*, pk: int) -> Shop:
    """A shop with what the staff page shows: team, products (with staff reasons)."""
    return (
        Shop.objects.select_related("commune", "category", "category__parent")
        .prefetch_related(
            Prefetch("members", queryset=ShopMember.objects.select_related("user").order_by("-role", "created_at")),
            Prefetch("products", queryset=Product.objects.order_by("-created_at")),
        )
        .get(pk=pk)
    )
