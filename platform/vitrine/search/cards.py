"""The products of a page of results, as their cards show them, in one query."""

from __future__ import annotations

from django.db import connection

from vitrine.catalog.models import Product, ProductPhoto
from vitrine.shops.models import Shop


def _card_fields(model, *names: str) -> tuple[str, ...]:
    # In the model's own order: Model.from_db() takes the values in that order.
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


_CARD_FIELDS = {
    Product: _card_fields(Product, "id", "shop_id", "title", "slug", "price"),
    Shop: _card_fields(Shop, "id", "slug", "name"),
    ProductPhoto: _card_fields(
        ProductPhoto, "id", "product_id", "image", "alt", "width", "height", "renditions", "position"
    ),
}


def product_cards(ids: list[int]) -> list[Product]:
    """The page's products, in that order, with what their cards show: shop, `card_photo`.

    One query (a LATERAL join picks each product's first photo), rows made into model
    instances with Model.from_db: the ORM's select_related and prefetch_related cost more
    here, in compiling and in one queryset per product, than the query itself.
    """
    if not ids:
        return []
    product_fields, shop_fields, photo_fields = _CARD_FIELDS[Product], _CARD_FIELDS[Shop], _CARD_FIELDS[ProductPhoto]
    columns = ", ".join(
        [f"p.{name}" for name in product_fields]
        + [f"s.{name}" for name in shop_fields]
        + [f"ph.{name}" for name in photo_fields]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM catalog_product p JOIN shops_shop s ON s.id = p.shop_id"
            " LEFT JOIN LATERAL (SELECT * FROM catalog_productphoto WHERE product_id = p.id"
            " ORDER BY position, id LIMIT 1) ph ON true WHERE p.id = ANY(%s)",
            [ids],
        )
        rows = cursor.fetchall()
    renditions_field = ProductPhoto._meta.get_field("renditions")
    renditions_at = photo_fields.index("renditions")
    db = connection.alias
    by_id = {}
    for row in rows:
        product_values, rest = row[: len(product_fields)], row[len(product_fields) :]
        shop_values, photo_values = rest[: len(shop_fields)], list(rest[len(shop_fields) :])
        product = Product.from_db(db, product_fields, product_values)
        product.shop = Shop.from_db(db, shop_fields, shop_values)
        # The card's photo alone, where the card template reads it (catalog_tags.first_photo);
        # product.photos.all() stays a plain query, should anything else ask for every photo.
        product.card_photo = None
        if photo_values[photo_fields.index("id")] is not None:  # a product without photos
            photo_values[renditions_at] = renditions_field.from_db_value(photo_values[renditions_at], None, connection)
            product.card_photo = ProductPhoto.from_db(db, photo_fields, photo_values)
        by_id[product.pk] = product
    return [by_id[pk] for pk in ids if pk in by_id]
