"""Reads for catalogue import and export."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from vitrine.catalog.categories import category_tree
from vitrine.catalog.models import Product, Variant
from vitrine.imports.models import CatalogImport
from vitrine.shops.models import Shop

STATUS_TO_FILE = {
    Product.Status.DRAFT: "brouillon",
    Product.Status.PUBLISHED: "publie",
    Product.Status.ARCHIVED: "archive",
}
AVAILABILITY_TO_FILE = {Product.Availability.STOCK: "stock", Product.Availability.ON_REQUEST: "sur_demande"}

# The downloadable template: the columns and two example rows (a product, a product with a variant).
TEMPLATE_ROWS = [
    [
        "bougie-lin",
        "Bougie parfumée au lin",
        "Cire de soja, 40 heures.",
        "decoration",
        Decimal("18.50"),
        20,
        "publie",
        "stock",
        12,
        "BOU-LIN",
        "",
        None,
        None,
        "",
    ],
    [
        "tshirt-lin",
        "T-shirt en lin",
        "Lin lavé, coupe droite.",
        "vetements",
        Decimal("39.00"),
        20,
        "publie",
        "stock",
        0,
        "",
        "Taille M",
        Decimal("39.00"),
        4,
        "TSH-LIN-M",
    ],
]


def catalog_import_for_shop(*, shop: Shop, pk: int) -> CatalogImport | None:
    """One of the shop's own imports (None for any other shop's)."""
    return CatalogImport.objects.select_related("shop").filter(shop=shop, pk=pk).first()


def catalog_import_recent(*, shop: Shop, limit: int = 10) -> QuerySet[CatalogImport]:
    return CatalogImport.objects.filter(shop=shop).defer("errors")[:limit]


def _vat(rate: Decimal) -> int | Decimal:
    return int(rate) if rate == rate.to_integral_value() else rate


def catalog_export_rows(*, shop: Shop) -> list[list]:
    """The shop's whole catalogue in the import format: one row per product, or per variant."""
    products = (
        Product.objects.filter(shop=shop)
        .select_related("category")
        .order_by("slug")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("position", "id")))
    )
    rows: list[list] = []
    for product in products:
        base = [
            product.slug,
            product.title,
            product.description,
            product.category.slug,
            product.price,
            _vat(product.vat_rate),
            STATUS_TO_FILE[Product.Status(product.status)],
            AVAILABILITY_TO_FILE[Product.Availability(product.availability)],
            product.stock,
            product.sku,
        ]
        variants = list(product.variants.all())
        if not variants:
            rows.append([*base, "", None, None, ""])
        for variant in variants:
            rows.append([*base, variant.name, variant.price, variant.stock, variant.sku])
    return rows


def category_choices_for_import() -> list[tuple[str, str]]:
    """(identifier, name) of every category, each parent followed by its children."""
    return category_tree().flat_choices(value="slug")
