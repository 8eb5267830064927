"""Reads on the catalogue: what merchants manage and what shoppers see.

Every list here loads its related rows in a fixed number of queries (select_related /
prefetch_related), so a page's query count does not grow with its products or shops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.catalog.categories import category_tree
from vitrine.catalog.models import Category, Product, ProductPhoto, Variant
from vitrine.shops.models import Shop
from vitrine.shops.opening import territory_zone
from vitrine.shops.selectors import shop_public_list, shop_with_hours


def _photos_prefetch() -> Prefetch:
    return Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "id"))


# --- Merchant side ---------------------------------------------------------------------


def product_list_for_shop(*, shop: Shop, query: str = "") -> QuerySet[Product]:
    """A shop's own products (every status), newest first, optionally searched by title or SKU."""
    products = (
        Product.objects.filter(shop=shop)
        .select_related("category")
        .prefetch_related(_photos_prefetch(), Prefetch("variants", queryset=Variant.objects.order_by("position", "id")))
        .order_by("-created_at", "-id")
    )
    query = (query or "").strip()
    if query:
        products = products.filter(
            Q(title__icontains=query) | Q(sku__icontains=query) | Q(variants__sku__icontains=query)
        ).distinct()
    return products


def product_status_counts(*, shop: Shop) -> dict[str, int]:
    """How many of a shop's products are in each status."""
    rows = Product.objects.filter(shop=shop).values("status").annotate(n=Count("id")).order_by()
    counts = {status: 0 for status in Product.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def product_of_shop(*, shop: Shop) -> QuerySet[Product]:
    """A shop's products with what their edit and preview pages show; another shop's are not in it."""
    return (
        Product.objects.filter(shop=shop)
        .defer("search_vector")
        .select_related("shop", "shop__commune", "category")
        .prefetch_related(_photos_prefetch(), Prefetch("variants", queryset=Variant.objects.order_by("position", "id")))
    )


def category_choices(*, value: str = "pk") -> list[tuple[str, list[tuple[int | str, str]]]]:
    """The territory's category tree as grouped choices: [(top level, [(id, name), ...]), ...].

    A top-level category is itself a choice (listed first in its group); value="slug"
    gives slugs instead of ids (for the shoppers' filters).
    """
    return category_tree().grouped_choices(value=value)


def shop_category_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """The tree as a shop's category choices: a main category reads "Food (general)" in its group."""
    return category_tree().grouped_choices(general_label=_("%(name)s (general)"))


# --- Shopper side ----------------------------------------------------------------------


def product_public_list() -> QuerySet[Product]:
    """Published products of approved shops, with their shop and photos."""
    return (
        Product.objects.filter(status=Product.Status.PUBLISHED, shop__status=Shop.Status.APPROVED)
        .defer("search_vector")
        .select_related("shop", "category")
        .prefetch_related(_photos_prefetch())
    )


def product_newest(*, limit: int = 10) -> list[Product]:
    return list(product_public_list().order_by("-published_at", "-id")[:limit])


def _product_page_queryset() -> QuerySet[Product]:
    return (
        product_public_list()
        .select_related("shop__commune")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("position", "id")))
    )


def product_public_get(*, shop_slug: str, product_slug: str) -> Product | None:
    """A published product of an approved shop, with its variants and photos; None otherwise."""
    return _product_page_queryset().filter(shop__slug=shop_slug, slug=product_slug).first()


def product_public_get_by_id(*, pk: int) -> Product | None:
    """The same product page's product, found by id (the cart's form posts it)."""
    return _product_page_queryset().filter(pk=pk).first()


def shop_public_get(*, slug: str, include_unapproved: bool = False) -> Shop | None:
    """A storefront with its hours, closing periods and photos (approved shops only, unless previewing)."""
    shops = Shop.objects.select_related("commune", "category").prefetch_related("photos")
    if not include_unapproved:
        shops = shops.filter(status=Shop.Status.APPROVED)
    return shop_with_hours(shops).filter(slug=slug).first()


def shop_products_public(*, shop: Shop) -> QuerySet[Product]:
    """A shop's published products, as its storefront lists them: those with a photo first, then newest first.

    Blank tiles at the top of a storefront make it look empty: a product without a photo
    comes after every product with one.
    """
    return (
        Product.objects.filter(shop=shop, status=Product.Status.PUBLISHED)
        .select_related("category")
        .prefetch_related(_photos_prefetch())
        .annotate(has_photo=Exists(ProductPhoto.objects.filter(product_id=OuterRef("pk"))))
        .order_by("-has_photo", "-published_at", "-id")
    )


def category_descendant_ids(category: Category) -> list[int]:
    """The category and every category under it (one query over the small tree)."""
    return category_tree().descendants(category)


def category_products(*, category: Category) -> QuerySet[Product]:
    """Published products of a category and its children, newest first."""
    return (
        product_public_list().filter(category_id__in=category_descendant_ids(category)).order_by("-published_at", "-id")
    )


def category_top_level() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True).order_by("position", "name")


# --- A shop ready for shoppers ---------------------------------------------------------------
#
# An approved shop goes online at once, but a shop without products, a photo or opening hours
# shows shoppers an empty page. Until it has them it is "coming soon" ("Bientôt"): listed after
# the others, wherever shops are listed (the directory, the home page, the search's shops), and
# the staff's approval page lists what is missing. Here, catalog sees both the shops and their
# products; shops alone could not tell.
#
# Each check is SQL over the shop's row, `{shop}` its alias and `{published}` the placeholder
# of Product.Status.PUBLISHED: the ORM (shop_readiness_annotate) and the search's own statement
# (vitrine.search.sql) use these same texts, so "ready" means one thing everywhere.
SHOP_READINESS_CHECKS = {
    "products": (
        "EXISTS (SELECT 1 FROM catalog_product ready_product"
        " WHERE ready_product.shop_id = {shop}.id AND ready_product.status = {published})"
    ),
    "photo": "({shop}.logo <> '' OR EXISTS (SELECT 1 FROM shops_shopphoto ready_photo WHERE ready_photo.shop_id = {shop}.id))",
    "hours": "EXISTS (SELECT 1 FROM shops_openingrange ready_hours WHERE ready_hours.shop_id = {shop}.id)",
}


def shop_ready_sql(*, shop: str, published: str) -> str:
    """SQL true when the shop (alias `shop`) has what shoppers need: products, a photo, opening hours."""
    return (
        "("
        + " AND ".join(check.format(shop=shop, published=published) for check in SHOP_READINESS_CHECKS.values())
        + ")"
    )


def _readiness_sql(check: str) -> RawSQL:
    # Django names the queryset's own table by its name: "shops_shop".
    sql = SHOP_READINESS_CHECKS[check].format(shop='"shops_shop"', published="%s")
    params = [Product.Status.PUBLISHED] if "%s" in sql else []
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611 (this module's constant SQL, values bound)


def shop_readiness_annotate(shops: QuerySet[Shop], *, checks: bool = False) -> QuerySet[Shop]:
    """The shops with `is_ready` (see SHOP_READINESS_CHECKS), in the same query; with `checks`, each as `ready_<name>`."""
    sql = shop_ready_sql(shop='"shops_shop"', published="%s")
    ready = RawSQL(sql, [Product.Status.PUBLISHED], output_field=BooleanField())  # noqa: S611 (as above)
    each = {f"ready_{name}": _readiness_sql(name) for name in SHOP_READINESS_CHECKS} if checks else {}
    return shops.annotate(is_ready=ready, **each)


@dataclass(frozen=True)
class ReadinessItem:
    label: str
    done: bool
    required: bool = True


def shop_readiness(shop: Shop) -> list[ReadinessItem]:
    """What a shop annotated by shop_readiness_annotate(checks=True) has and lacks, as the staff's checklist shows it.

    A description is recommended, not required: shoppers can buy without one.
    """
    return [
        ReadinessItem(_("At least one published product"), bool(shop.ready_products)),  # type: ignore[attr-defined]
        ReadinessItem(_("A photo of the shop or its logo"), bool(shop.ready_photo)),  # type: ignore[attr-defined]
        ReadinessItem(_("Opening hours"), bool(shop.ready_hours)),  # type: ignore[attr-defined]
        ReadinessItem(_("A description"), bool(shop.description.strip()), required=False),
    ]


@dataclass(frozen=True)
class ShopFilters:
    category: Category | None = None
    commune_slug: str = ""
    click_and_collect: bool = False
    collect_first: bool = False  # lockdown mode: the shops taking Click & Collect orders lead


def shop_list_public(*, filters: ShopFilters) -> QuerySet[Shop]:
    """Approved shops for the directory, filtered, with what "open now" needs prefetched.

    Shops ready for shoppers first, by name; those still "coming soon" after them. In lockdown mode
    (`collect_first`) the shops taking Click & Collect orders come before all the others.
    """
    shops = shop_public_list()
    if filters.category is not None:
        shops = shops.filter(category_id__in=category_descendant_ids(filters.category))
    if filters.commune_slug:
        shops = shops.filter(commune__slug=filters.commune_slug)
    if filters.click_and_collect:
        shops = shops.filter(click_and_collect=True, showcase_only=False)
    order = ["-is_ready", "name", "id"]
    if filters.collect_first:
        shops = shops.annotate(
            collects=ExpressionWrapper(Q(click_and_collect=True, showcase_only=False), output_field=BooleanField())
        )
        order.insert(0, "-collects")
    return shop_with_hours(shop_readiness_annotate(shops).prefetch_related("photos")).order_by(*order)


def shop_featured() -> list[Shop]:
    """The shops staff feature on the home page: ready ones first, "coming soon" ones after."""
    featured = shop_readiness_annotate(shop_public_list().filter(is_featured=True)).prefetch_related("photos")
    return list(shop_with_hours(featured).order_by("featured_position", "-is_ready", "name", "id")[:12])


def shop_taking_orders(*, limit: int = 12) -> list[Shop]:
    """Shops taking Click & Collect orders, for the lockdown home page: featured and ready ones first."""
    shops = shop_readiness_annotate(shop_public_list().filter(click_and_collect=True, showcase_only=False))
    return list(
        shop_with_hours(shops.prefetch_related("photos")).order_by(
            "-is_featured", "featured_position", "-is_ready", "name", "id"
        )[:limit]
    )


def product_featured(*, limit: int = 12) -> list[Product]:
    """Products the team features on the home page, in its order."""
    return list(
        product_public_list().filter(featured_position__isnull=False).order_by("featured_position", "id")[:limit]
    )


@dataclass(frozen=True)
class WeekDay:
    weekday: int
    ranges: list
    is_today: bool


def shop_week(shop: Shop, *, moment: datetime | None = None) -> list[WeekDay]:
    """The shop's weekly hours, Monday first, with today (in the territory's time zone) marked."""
    local = (moment or timezone.now()).astimezone(territory_zone())
    days: dict[int, list] = {weekday: [] for weekday in range(7)}
    for opening in shop.opening_ranges.all():
        days[opening.weekday].append(opening)
    return [WeekDay(weekday, days[weekday], weekday == local.weekday()) for weekday in range(7)]


def shop_closings_upcoming(shop: Shop, *, limit: int = 5) -> list:
    """Closing periods that are not over yet (the prefetch already keeps only those)."""
    today = timezone.now().astimezone(territory_zone()).date()
    return [period for period in shop.closing_periods.all() if period.ends_on >= today][:limit]


# --- "Add to cart", dry run --------------------------------------------------------------


@dataclass(frozen=True)
class Purchasable:
    ok: bool
    reason: str = ""


def product_purchasable(product: Product, variant: Variant | None, *, quantity: int = 1) -> Purchasable:
    """Whether a shopper could put this product (and variant) in their cart now; never writes.

    The cart (issue 4) asks the same question before reserving stock.
    """
    shop = product.shop
    if not shop.is_public:
        return Purchasable(False, _("The shop is not online yet: the territory team has not approved it."))
    if shop.showcase_only:
        return Purchasable(False, _("This shop is a showcase only: shoppers cannot order online."))
    if product.status != Product.Status.PUBLISHED:
        return Purchasable(False, _("This product is not published: shoppers cannot see it."))
    if quantity < 1:
        return Purchasable(False, _("Choose a quantity of at least 1."))
    variants = list(product.variants.all())
    if variants and variant is None:
        return Purchasable(False, _("Choose a variant first (e.g. a size)."))
    if variant is not None and variant.product_id != product.pk:
        return Purchasable(False, _("This variant belongs to another product."))
    if product.availability == Product.Availability.ON_REQUEST:
        return Purchasable(True)
    stock = variant.stock if variant is not None else product.stock
    if stock < quantity:
        if stock == 0:
            return Purchasable(False, _("Out of stock: shoppers cannot add it."))
        return Purchasable(False, _("Only %(n)s left in stock.") % {"n": stock})
    return Purchasable(True)
