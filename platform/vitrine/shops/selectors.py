"""Reads on shops: the public list, opening hours, and what merchant and staff pages show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from vitrine.catalog.models import Category, Product
from vitrine.shops.models import ClosingPeriod, Commune, OpeningRange, Shop, ShopMember
from vitrine.shops.opening import is_open_at, territory_zone


def shop_public_list() -> QuerySet[Shop]:
    """Approved shops, as shoppers see them."""
    return Shop.objects.filter(status=Shop.Status.APPROVED).select_related("commune", "category")


def shop_with_hours(queryset: QuerySet[Shop]) -> QuerySet[Shop]:
    """Prefetch what shop_is_open needs (two queries for any number of shops)."""
    today = timezone.localdate()
    return queryset.prefetch_related(
        Prefetch("opening_ranges", queryset=OpeningRange.objects.order_by("weekday", "opens")),
        Prefetch("closing_periods", queryset=ClosingPeriod.objects.filter(ends_on__gte=today)),
    )


def shop_is_open(shop: Shop, *, moment: datetime | None = None) -> bool:
    """Whether the shop is open now (or at moment), in its territory's time zone."""
    return is_open_at(
        moment=moment or timezone.now(),
        zone=territory_zone(),
        ranges=[(r.weekday, r.opens, r.closes) for r in shop.opening_ranges.all()],
        closings=[(c.starts_on, c.ends_on) for c in shop.closing_periods.all()],
    )


# --- Forms' choices ---------------------------------------------------------------------

def commune_list() -> QuerySet[Commune]:
    """The territory's communes, alphabetical (then by postcode: Nancy 54000 before 54100)."""
    return Commune.objects.order_by("name", "postcode")


@dataclass(frozen=True)
class CategoryNode:
    category: Category
    children: list[Category]


def category_tree() -> list[CategoryNode]:
    """The category tree, main categories and their sub-categories in order (one query)."""
    categories = list(Category.objects.order_by("position", "name"))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    return [CategoryNode(c, children.get(c.pk, [])) for c in categories if c.parent_id is None]


def category_tree_with_usage() -> list[CategoryNode]:
    """The tree for staff, each category annotated with its products and shops count (one query)."""
    categories = list(
        Category.objects.annotate(product_count=Count("products", distinct=True), shop_count=Count("shops", distinct=True))
        .order_by("position", "name")
    )
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    return [CategoryNode(c, children.get(c.pk, [])) for c in categories if c.parent_id is None]


# --- Merchant area ----------------------------------------------------------------------

def shop_member_list(*, shop: Shop) -> QuerySet[ShopMember]:
    """The shop's team, owner first."""
    return shop.members.select_related("user").order_by("-role", "created_at")  # "owner" > "employee"


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
    shop_counts = Shop.objects.filter(pk=shop.pk).aggregate(photos=Count("photos", distinct=True),
                                                             ranges=Count("opening_ranges", distinct=True))
    return MerchantSummary(counts["published"], counts["draft"], counts["unpublished"],
                           shop_counts["photos"], bool(shop_counts["ranges"]))


# --- Staff area -------------------------------------------------------------------------

def shop_staff_list(*, status: str | None = None) -> QuerySet[Shop]:
    """Shops for the staff list: pending first, then by name; optionally one status."""
    shops = Shop.objects.select_related("commune", "category", "category__parent")
    if status in Shop.Status.values:
        shops = shops.filter(status=status)
    return shops.order_by("name")


def shop_pending_list() -> QuerySet[Shop]:
    """Applications waiting for staff, oldest first (first come, first served)."""
    return (Shop.objects.filter(status=Shop.Status.PENDING)
            .select_related("commune", "category", "category__parent").order_by("created_at"))


def shop_status_counts() -> dict[str, int]:
    counts = dict(Shop.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Shop.Status.values}


def shop_staff_detail(*, pk: int) -> Shop:
    """A shop with what the staff page shows: team, products (with staff reasons)."""
    return (Shop.objects.select_related("commune", "category", "category__parent")
            .prefetch_related(Prefetch("members", queryset=ShopMember.objects.select_related("user").order_by("-role", "created_at")),
                              Prefetch("products", queryset=Product.objects.order_by("-created_at")))
            .get(pk=pk))
