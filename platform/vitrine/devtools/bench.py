"""Benchmark catalogue: hundreds of shops and tens of thousands of products, fast.

Rows go in with bulk_create in large batches (a few statements per thousand rows), not
through the services: the point is a big, realistic catalogue in seconds, to measure the
pages on it. The rows are still valid (approved shops with an owner, Luhn-valid SIRETs,
communes and categories of the territory, published products with photos, some with
variants). A dozen product pictures are drawn once and shared by every product.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import time as clock
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product, ProductPhoto, Variant
from vitrine.common.images import image_renditions
from vitrine.common.text import slug_make
from vitrine.devtools import pictures
from vitrine.devtools.demo_data import HOURS, demo_catalogues
from vitrine.shops.communes import communes_load
from vitrine.shops.models import Commune, OpeningRange, Shop, ShopMember
from vitrine.shops.siret import siret_make

SLUG_PREFIX = "banc-essai-"
SIRET_BASE = 8_000_000_000_000
BATCH = 2000
PICTURES = 12
SIZES = ["S", "M", "L", "XL"]


@dataclass
class BenchSeedResult:
    shops_created: int
    products_created: int
    variants_created: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        rows = self.shops_created + self.products_created + self.variants_created
        return rows / self.seconds if self.seconds else 0.0


def bench_shop_slug(index: int) -> str:
    return f"{SLUG_PREFIX}{index:04d}"


def bench_catalogue_seed(
    *, territory, shops: int, products: int, variant_every: int = 5, small_shops: int = 1
) -> BenchSeedResult:
    """Make sure the territory has `shops` benchmark shops; each new one gets `products` products.

    The first `small_shops` shops get a tenth of that, so pages of a small and a large
    shop can be compared. Every `variant_every`-th product has sizes S to XL. Idempotent:
    shops already there (by slug) are left as they are.
    """
    started = time.perf_counter()
    with tenant_context(territory), transaction.atomic():
        existing = set(Shop.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", flat=True))
        wanted = [index for index in range(shops) if bench_shop_slug(index) not in existing]
        if not wanted:
            return BenchSeedResult(0, 0, 0, time.perf_counter() - started)
        new_shops = _shops_create(wanted)
        photo_pool = _pictures_ensure(territory.schema_name)
        product_count, variant_count = _products_create(
            new_shops, products=products, variant_every=variant_every, small_shops=small_shops, photo_pool=photo_pool
        )
        _statistics_refresh()
    return BenchSeedResult(len(new_shops), product_count, variant_count, time.perf_counter() - started)


def _statistics_refresh() -> None:
    """ANALYZE what was just loaded, as after any bulk load: until autovacuum gets to it, the
    planner believes the tables are empty and picks plans that cost seconds on 30,000 rows."""
    models = (User, Shop, ShopMember, OpeningRange, Product, ProductPhoto, Variant)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _shops_create(indexes: list[int]) -> list[tuple[int, Shop]]:
    if not Commune.objects.exists():
        communes_load(rows=[{"name": "Ville-du-Banc", "postcode": "99000"}])
    communes = list(Commune.objects.values_list("pk", flat=True))
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True)) or list(
        Category.objects.values_list("pk", flat=True)
    )
    password = make_password(None)  # unusable, and hashed once
    owners = User.objects.bulk_create(
        [
            User(
                email=f"{bench_shop_slug(index)}@banc.invalid",
                full_name=f"Gérant {index}",
                role=User.Role.MERCHANT,
                password=password,
            )
            for index in indexes
        ],
        batch_size=BATCH,
    )
    now = timezone.now()
    created = Shop.objects.bulk_create(
        [
            Shop(
                name=f"Boutique d'essai {index:04d}",
                slug=bench_shop_slug(index),
                siret=siret_make(SIRET_BASE + index),
                status=Shop.Status.APPROVED,
                category_id=categories[index % len(categories)],
                description="<p>Une boutique du banc d'essai : cent produits, des photos, des tailles.</p>",
                address=f"{index % 90 + 1} rue du Commerce",
                commune_id=communes[index % len(communes)],
                phone="03 00 00 00 00",
                email=f"{bench_shop_slug(index)}@banc.invalid",
                click_and_collect=index % 3 != 0,
                showcase_only=index % 3 == 0,
                is_featured=index % 50 == 0,
                approved_at=now,
            )
            for index in indexes
        ],
        batch_size=BATCH,
    )
    ShopMember.objects.bulk_create(
        [ShopMember(shop=shop, user=owner, role=ShopMember.Role.OWNER) for shop, owner in zip(created, owners)],
        batch_size=BATCH,
    )
    OpeningRange.objects.bulk_create(
        [
            OpeningRange(
                shop=shop,
                weekday=day,
                opens=clock(*map(int, opens.split(":"))),
                closes=clock(*map(int, closes.split(":"))),
            )
            for shop in created
            for day, opens, closes in HOURS["classic"]
        ],
        batch_size=BATCH,
    )
    return list(zip(indexes, created))


def _pictures_ensure(schema: str) -> list[tuple[str, int, int, dict]]:
    """A dozen product pictures (and their web variants), stored once per territory."""
    pool = []
    kinds = list(demo_catalogues().values())
    for number in range(PICTURES):
        kind = kinds[number % len(kinds)]
        item = kind["products"][number % len(kind["products"])]
        name = f"{schema}/products/banc-essai-{number:02d}.jpg"
        content = pictures.product_picture(
            shape=item.get("shape", "gift"),
            colour=item.get("colour", kind["palette"][1]),
            background=kind["palette"][0],
        )
        renditions = {}
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(content))
        for width, height, data in image_renditions(content):
            rendition = f"{schema}/products/banc-essai-{number:02d}-{width}.webp"
            if not default_storage.exists(rendition):
                default_storage.save(rendition, ContentFile(data))
            renditions[str(width)] = {"name": rendition, "width": width, "height": height}
        pool.append((name, 640, 640, renditions))
    return pool


def _products_create(
    new_shops: list[tuple[int, Shop]], *, products: int, variant_every: int, small_shops: int, photo_pool: list
) -> tuple[int, int]:
    titles = [(item["title"], item["category"]) for kind in demo_catalogues().values() for item in kind["products"]]
    categories = dict(Category.objects.values_list("slug", "pk"))
    rng = random.Random(20211)
    now = timezone.now()
    rows = []
    for index, shop in new_shops:
        count = max(1, products // 10) if index < small_shops else products
        for number in range(count):
            title, category = titles[(index * 7 + number) % len(titles)]
            moment = now - timedelta(minutes=rng.randint(0, 60 * 24 * 90))
            slug = slug_make(title, max_length=120, fallback="produit")
            rows.append(
                Product(
                    shop=shop,
                    title=f"{title} n° {number + 1}",
                    slug=f"{slug}-{number + 1}",
                    description="<p>Produit du banc d'essai.</p>",
                    price=Decimal(rng.randint(300, 25000)) / 100,
                    vat_rate=Decimal("20.0"),
                    category_id=categories.get(category, shop.category_id),
                    status=Product.Status.PUBLISHED,
                    availability=Product.Availability.STOCK,
                    stock=rng.randint(0, 20),
                    sku=f"B{index:04d}-{number:03d}",
                    published_at=moment,
                )
            )
    created = Product.objects.bulk_create(rows, batch_size=BATCH)
    # created_at is set to now by bulk_create (auto_now_add): spread it like published_at, in one statement.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Product._meta.db_table} SET created_at = published_at WHERE id = ANY(%s)",  # noqa: S608 (a table name)
            [[product.pk for product in created]],
        )
    ProductPhoto.objects.bulk_create(
        [
            ProductPhoto(
                product=product,
                image=photo_pool[number % len(photo_pool)][0],
                alt=product.title,
                position=0,
                width=photo_pool[number % len(photo_pool)][1],
                height=photo_pool[number % len(photo_pool)][2],
                renditions=photo_pool[number % len(photo_pool)][3],
            )
            for number, product in enumerate(created)
        ],
        batch_size=BATCH,
    )
    variants = [
        Variant(
            product=product,
            name=size,
            price=None,
            stock=rng.randint(0, 5),
            sku=f"{product.sku}-{size}",
            position=position,
        )
        for number, product in enumerate(created)
        if variant_every and number % variant_every == 0
        for position, size in enumerate(SIZES, start=1)
    ]
    Variant.objects.bulk_create(variants, batch_size=BATCH)
    return len(created), len(variants)
