"""What shoppers see: the home page, the shop directory, storefronts, product pages and categories.

Drafts, archived products and shops that are not approved answer 404. The merchant's
previews render these same templates with `preview` set (views_merchant).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vitrine.catalog import selectors, seo
from vitrine.catalog.models import Category, Product
from vitrine.common.pagecache import page_cache
from vitrine.metrics.counting import count
from vitrine.shops.models import Commune, Shop
from vitrine.shops.selectors import shop_is_open
from vitrine.tenancy.selectors import announcements_current, territory_base_url_cached

PRODUCTS_PER_PAGE = 24
SHOPS_PER_PAGE = 30


@page_cache
def home(request: HttpRequest) -> HttpResponse:
    """The territory's home page: its current announcements, featured shops and products, the categories and the newest products.

    In lockdown mode the shops taking Click & Collect orders come first.
    """
    territory = request.tenant
    context = {
        "announcements": announcements_current(territory),
        "featured": [{"shop": shop, "is_open": shop_is_open(shop)} for shop in selectors.shop_featured()],
        "featured_products": selectors.product_featured(),
        "categories": list(selectors.category_top_level()),
        "newest": selectors.product_newest(limit=10),
    }
    if territory.lockdown:
        # Lockdown mode: the shops taking orders first (featured ones leading), for Click & Collect.
        context["collect_shops"] = [
            {"shop": shop, "is_open": shop_is_open(shop)} for shop in selectors.shop_taking_orders(limit=12)
        ]
    count(kind="page", key="home")
    return render(request, "territory/home.html", context)


def map_url(shop: Shop) -> str:
    """An OpenStreetMap search for the shop's address (no key, no tracking script on our page)."""
    query = f"{shop.address}, {shop.commune.postcode} {shop.commune.name}"
    return "https://www.openstreetmap.org/search?" + urlencode({"query": query})


def variant_rows(product: Product) -> list[dict]:
    rows = []
    for variant in product.variants.all():
        if product.availability == Product.Availability.ON_REQUEST:
            state = "on_request"
        else:
            state = "in_stock" if variant.stock > 0 else "out_of_stock"
        rows.append({"variant": variant, "price": variant.effective_price, "state": state, "stock": variant.stock})
    return rows


def product_page_context(product: Product, *, preview: bool) -> dict:
    variants = variant_rows(product)
    if product.availability == Product.Availability.ON_REQUEST:
        state = "on_request"
    elif variants:
        state = "in_stock" if any(row["state"] == "in_stock" for row in variants) else "out_of_stock"
    else:
        state = "in_stock" if product.stock > 0 else "out_of_stock"
    # "from X €" only when the variants' prices differ; the same price everywhere is just the price.
    prices = {row["price"] for row in variants} or {product.price}
    return {
        "product": product,
        "shop": product.shop,
        "photos": list(product.photos.all()),
        "variants": variants,
        "price": min(prices),
        "price_varies": len(prices) > 1,
        "state": state,
        "preview": preview,
        # Where "add to cart" posts (the cart, vitrine.orders); a preview never buys.
        "buy_url": None if preview else reverse("cart_add", args=[product.pk]),
    }


def storefront_context(request: HttpRequest, shop: Shop, *, preview: bool) -> dict:
    products = Paginator(selectors.shop_products_public(shop=shop), PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "shop": shop,
        "preview": preview,
        "products": products,
        "is_open": shop_is_open(shop),
        "week": selectors.shop_week(shop),
        "closings": selectors.shop_closings_upcoming(shop),
        "photos": list(shop.photos.all()),
        "map_url": map_url(shop),
    }


@page_cache
def shop_list(request: HttpRequest) -> HttpResponse:
    """Approved shops, filtered by category and commune, each with "open now"; in lockdown mode those
    taking Click & Collect orders first."""
    category = None
    if request.GET.get("categorie"):
        category = Category.objects.filter(slug=request.GET["categorie"]).first()
    commune_slug = request.GET.get("commune", "")
    # In lockdown the shops are closed to walk-ins: "open now" by their usual hours means nothing.
    open_now = request.GET.get("ouvert") == "1" and not request.tenant.lockdown
    click_and_collect = request.GET.get("click_collect") == "1"
    shops = selectors.shop_list_public(
        filters=selectors.ShopFilters(
            category=category,
            commune_slug=commune_slug,
            click_and_collect=click_and_collect,
            collect_first=request.tenant.lockdown,
        )
    )
    if open_now:
        # Opening hours depend on the territory's time zone: decided in Python, before paginating.
        rows = [row for row in ({"shop": shop, "is_open": shop_is_open(shop)} for shop in shops) if row["is_open"]]
        shops_page = Paginator(rows, SHOPS_PER_PAGE).get_page(request.GET.get("page"))
        shops = list(shops_page)
    else:
        shops_page = Paginator(shops, SHOPS_PER_PAGE).get_page(request.GET.get("page"))
        shops = [{"shop": shop, "is_open": shop_is_open(shop)} for shop in shops_page]
    context = {
        "shops": shops,
        "page": shops_page,
        "category": category,
        "commune_slug": commune_slug,
        "open_now": open_now,
        "click_and_collect": click_and_collect,
        "categories": selectors.category_choices(value="slug"),
        "communes": Commune.objects.filter(shops__status=Shop.Status.APPROVED).distinct(),
        "seo": seo.PageSeo(
            description=_("Every independent shop of %(name)s: opening hours, address, products, Click & Collect.")
            % {"name": request.tenant.name}
        ),
        "filters_query": urlencode(
            {
                k: v
                for k, v in (
                    ("categorie", category.slug if category else ""),
                    ("commune", commune_slug),
                    ("ouvert", "1" if open_now else ""),
                    ("click_collect", "1" if click_and_collect else ""),
                )
                if v
            }
        ),
    }
    count(kind="page", key="shops")
    return render(request, "catalog/public/shop_list.html", context)


@page_cache
def shop_detail(request: HttpRequest, shop: str) -> HttpResponse:
    """A shop's storefront ("vitrine")."""
    found = selectors.shop_public_get(slug=shop)
    if found is None:
        raise Http404
    context = storefront_context(request, found, preview=False)
    context["seo"] = seo.shop_seo(found, photos=context["photos"], base_url=territory_base_url_cached(request.tenant))
    count(kind="page", key="storefront")
    count(kind="storefront", shop_id=found.pk)
    return render(request, "catalog/public/shop_detail.html", context)


@page_cache
def product_detail(request: HttpRequest, shop: str, product: str) -> HttpResponse:
    found = selectors.product_public_get(shop_slug=shop, product_slug=product)
    if found is None:
        raise Http404
    context = product_page_context(found, preview=False)
    context["seo"] = seo.product_seo(
        found,
        photos=context["photos"],
        variants=context["variants"],
        base_url=territory_base_url_cached(request.tenant),
    )
    count(kind="page", key="product")
    count(kind="product", shop_id=found.shop_id, key=str(found.pk))
    return render(request, "catalog/public/product_detail.html", context)


@page_cache
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Published products of a category and of the categories under it."""
    category = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    products = Paginator(selectors.category_products(category=category), PRODUCTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "category": category,
        "products": products,
        "children": list(category.children.all()),
        "seo": seo.PageSeo(
            description=_("%(category)s from the independent shops of %(name)s: order online, collect in store.")
            % {"category": category.name, "name": request.tenant.name}
        ),
    }
    count(kind="page", key="category")
    return render(request, "catalog/public/category_detail.html", context)
