"""The demo data (`make demo`) and the benchmark catalogue: valid, idempotent, and kept in
their territory. Seeded in the session's test territories, inside the test transaction;
pictures are written under a temporary MEDIA_ROOT."""

from __future__ import annotations

import csv
import io
import tomllib
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product, ProductPhoto, Variant
from vitrine.catalog.seed import CATEGORY_TREE
from vitrine.config.env import TENANTS_DIR
from vitrine.devtools.bench import bench_catalogue_seed, bench_shop_slug
from vitrine.devtools.demo import DEMO_PASSWORD
from vitrine.devtools.demo_data import (
    HOURS,
    VARIANT_PRESETS,
    demo_catalogues,
    demo_shops_load,
    demo_siret,
    demo_territory_seed,
)
from vitrine.orders.models import Order
from vitrine.shops.models import OpeningRange, Shop, ShopMember, ShopPhoto
from vitrine.shops.siret import siret_valid
from vitrine.testing.helpers import host_client

DEMO_TERRITORIES = {"nancy": "54", "limoges": "87", "tarn": "81"}  # schema -> department of its communes


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _communes_of(schema: str) -> set[tuple[str, str]] | None:
    path = TENANTS_DIR / schema / "communes.csv"
    if not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["name"].strip(), row["postcode"].strip()) for row in csv.DictReader(handle)}


def _seeded_category_slugs() -> set[str]:
    from django.utils.text import slugify

    slugs = set()
    for name, children in CATEGORY_TREE:
        slugs.add(slugify(name))
        for child in children:
            slug = slugify(child)
            slugs.add(f"{slugify(name)}-{slug}" if slug in slugs else slug)
    return slugs


# --- The data files -----------------------------------------------------------------------


@pytest.mark.parametrize("schema", sorted(DEMO_TERRITORIES))
def test_demo_files_describe_a_dozen_shops_or_more_in_the_territory(schema):
    # given the demo file of a territory
    shops = demo_shops_load(schema)
    catalogues = demo_catalogues()
    categories = _seeded_category_slugs()
    communes = _communes_of(schema)

    # then it lists a dozen shops or more, each with a unique login, a known kind and hours pattern
    assert len(shops) >= 12
    assert len({shop["login"] for shop in shops}) == len(shops)
    assert len({shop["name"] for shop in shops}) == len(shops)
    for shop in shops:
        assert shop["kind"] in catalogues, shop["name"]
        assert shop.get("hours", "classic") in HOURS, shop["name"]
        assert shop["category"] in categories, shop["name"]
        # every shop's commune belongs to the territory (its department, and its communes.csv when there is one)
        name, postcode = shop["commune"]
        assert postcode.startswith(DEMO_TERRITORIES[schema]), shop["name"]
        if communes is not None:
            assert (name, postcode) in communes, f"{shop['name']}: {name} {postcode} is not in {schema}/communes.csv"
        products = catalogues[shop["kind"]]["products"] + shop.get("extra_products", [])
        assert 8 <= len(products) <= 20, shop["name"]
    # and a few are featured, some are showcases only
    assert any(shop.get("featured") for shop in shops)
    assert any(shop.get("mode") == "showcase" for shop in shops)


def test_demo_catalogues_name_seeded_categories_and_valid_prices():
    # given every kind's products
    categories = _seeded_category_slugs()
    for kind, catalogue in demo_catalogues().items():
        for item in catalogue["products"]:
            # then each names a seeded category, a positive price and a known variant preset
            assert item["category"] in categories, (kind, item["title"])
            assert Decimal(item["price"]) > 0, (kind, item["title"])
            if isinstance(item.get("variants"), str):
                assert item["variants"] in VARIANT_PRESETS, (kind, item["title"])


# --- Seeding ----------------------------------------------------------------------------------


@pytest.mark.parametrize("schema", sorted(DEMO_TERRITORIES))
def test_demo_seed_makes_valid_shops_products_and_logins(nancy, schema):
    # when a territory is filled with a demo territory's shops
    result = demo_territory_seed(territory=nancy, data_schema=schema)

    # then every shop is there, approved, valid and complete
    specs = demo_shops_load(schema)
    communes = _communes_of(schema)
    assert len(result.shops) == len(specs) >= 12
    assert result.created == len(specs)
    with tenant_context(nancy):
        shops = list(
            Shop.objects.select_related("commune", "category").filter(
                siret__in=[demo_siret(schema, spec["login"]) for spec in specs]
            )
        )
        assert len(shops) == len(specs)
        for shop in shops:
            assert siret_valid(shop.siret), shop.siret
            assert shop.status == Shop.Status.APPROVED
            assert shop.commune.postcode.startswith(DEMO_TERRITORIES[schema])
            if communes is not None:
                assert (shop.commune.name, shop.commune.postcode) in communes
            assert Category.objects.filter(pk=shop.category_id).exists()
            assert shop.logo.name.startswith("nancy/") and shop.logo.storage.exists(shop.logo.name)
            assert ShopPhoto.objects.filter(shop=shop).count() == 1
            assert OpeningRange.objects.filter(shop=shop).count() >= 5
            assert 8 <= shop.products.filter(status=Product.Status.PUBLISHED).count() <= 20
            assert shop.click_and_collect is not shop.showcase_only
        assert OpeningRange.objects.filter(shop__in=shops, weekday=6).count() < len(shops)  # most close on Sunday
        assert any(shop.is_featured for shop in shops)
        assert any(shop.showcase_only for shop in shops)
        # products with variants exist, and products on request
        products = Product.objects.filter(shop__in=shops)
        assert Variant.objects.filter(product__in=products).exists()
        assert products.filter(availability=Product.Availability.ON_REQUEST).exists()
        photos = ProductPhoto.objects.filter(product__in=products)
        assert photos.count() == products.count()
        assert all(photo.image.name.startswith("nancy/") and photo.width == 640 for photo in photos)
        # each owner signs in with <login>@<territory host> and the demo password
        owners = ShopMember.objects.filter(shop__in=shops, role=ShopMember.Role.OWNER).select_related("user")
        assert owners.count() == len(specs)
        for member in owners:
            assert member.user.email.endswith("@nancy.localhost")
            assert member.user.check_password(DEMO_PASSWORD)


def test_demo_seed_twice_changes_nothing(nancy):
    # given the demo shops of Limoges seeded once
    first = demo_territory_seed(territory=nancy, data_schema="limoges")
    with tenant_context(nancy):
        counts = (
            Shop.objects.count(),
            Product.objects.count(),
            Variant.objects.count(),
            ProductPhoto.objects.count(),
            Order.objects.count(),
        )

    # when it runs again
    second = demo_territory_seed(territory=nancy, data_schema="limoges")

    # then nothing is duplicated
    assert first.created == len(first.shops) and second.created == 0
    assert [shop.products for shop in second.shops] == [shop.products for shop in first.shops]
    with tenant_context(nancy):
        assert (
            Shop.objects.count(),
            Product.objects.count(),
            Variant.objects.count(),
            ProductPhoto.objects.count(),
            Order.objects.count(),
        ) == counts


def test_demo_boards_have_orders_at_each_stage_and_the_demo_shopper_sees_hers(nancy):
    from vitrine.testing.helpers import client_on

    demo_territory_seed(territory=nancy, data_schema="nancy")
    with tenant_context(nancy):
        shopper = User.objects.get(email="client@nancy.localhost", role=User.Role.SHOPPER)
        assert shopper.check_password(DEMO_PASSWORD)
        orders = list(Order.objects.select_related("shop"))
        assert len({o.shop_id for o in orders}) == 3 and all(o.shop.takes_orders for o in orders)
        for shop_id in {o.shop_id for o in orders}:
            assert sorted(o.status for o in orders if o.shop_id == shop_id) == ["accepted", "placed", "ready"]
        mine = [o for o in orders if o.customer_id == shopper.pk]
        owner = ShopMember.objects.get(shop=mine[0].shop, role=ShopMember.Role.OWNER).user
    assert len(mine) == 3
    history = client_on(nancy, shopper).get("/compte/commandes/").text
    assert all(order.shop.name.replace("'", "&#x27;") in history for order in mine)
    assert mine[0].pickup_code in client_on(nancy, shopper).get(f"/compte/commandes/{mine[0].pk}/").text
    board = client_on(nancy, owner).get("/pro/commandes/").text
    assert "Claire Blaison" in board and "Nouvelle" in board


def test_jeweller_rings_come_in_sizes_and_clothes_in_s_to_xl(nancy):
    # when Nancy's demo shops are seeded
    demo_territory_seed(territory=nancy, data_schema="nancy")

    # then the jeweller's rings have sizes 50 to 58 and the clothes shop's shirts S to XL
    with tenant_context(nancy):
        ring = Product.objects.get(
            shop__name="Bijouterie Lumière de Stanislas", title="Bague solitaire argent et zircon"
        )
        assert list(ring.variants.values_list("name", flat=True)) == [f"Taille {size}" for size in range(50, 59)]
        shirt = Product.objects.get(shop__name="Maison Héloïse", title="Chemise en lin lavé")
        assert list(shirt.variants.values_list("name", flat=True)) == ["S", "M", "L", "XL"]
        book = Product.objects.get(shop__name="Librairie Le Tiers Livre", title="Le Bleu des abeilles — roman")
        assert not book.variants.exists() and book.vat_rate == Decimal("5.5")


def test_demo_seed_command_prints_the_logins(nancy):
    # when the command runs for one territory
    out = io.StringIO()
    call_command("demo_seed", schema=["nancy"], stdout=out)

    # then it prints each shop's login, the password and the sale mode
    text = out.getvalue()
    assert "bijouterie@nancy.localhost" in text and "librairie@nancy.localhost" in text
    assert DEMO_PASSWORD in text
    assert "Click & Collect" in text and "vitrine seule" in text


def test_demo_shops_stay_in_their_territory(nancy, limoges):
    # given Nancy's demo shops
    result = demo_territory_seed(territory=nancy, data_schema="nancy")
    sirets = [demo_siret("nancy", spec["login"]) for spec in demo_shops_load("nancy")]
    with tenant_context(nancy):
        shop = Shop.objects.get(siret=sirets[0])
        product = shop.products.first()

    # then Limoges has none of their shops, products or owners (cross-territory)
    with tenant_context(limoges):
        assert not Shop.objects.filter(siret__in=sirets).exists()
        assert not Product.objects.filter(slug=product.slug, shop__slug=shop.slug).exists()
        from vitrine.accounts.models import User

        assert not User.objects.filter(email__in=[s.login for s in result.shops]).exists()
    # and the storefront and product pages answer on Nancy's host only
    storefront = reverse("shop_detail", kwargs={"shop": shop.slug})
    product_page = reverse("product_detail", kwargs={"shop": shop.slug, "product": product.slug})
    nancy_client = host_client(nancy.get_primary_domain().domain)
    limoges_client = host_client(limoges.get_primary_domain().domain)
    assert nancy_client.get(storefront).status_code == 200
    assert nancy_client.get(product_page).status_code == 200
    assert limoges_client.get(storefront).status_code == 404
    assert limoges_client.get(product_page).status_code == 404


def test_demo_owner_cannot_reach_another_shops_merchant_pages(nancy):
    # given two demo shops, and the jeweller signed in
    demo_territory_seed(territory=nancy, data_schema="nancy")
    from vitrine.accounts.models import User

    with tenant_context(nancy):
        jeweller = User.objects.get(email="bijouterie@nancy.localhost")
        bookshop_product = Product.objects.filter(shop__name="Librairie Le Tiers Livre").first()
        own_product = Product.objects.filter(shop__name="Bijouterie Lumière de Stanislas").first()
        client = host_client(nancy.get_primary_domain().domain)
        client.force_login(jeweller)  # the session lives in Nancy's schema

    # when the jeweller opens products in the merchant area
    own = [
        client.get(reverse(name, kwargs={"pk": own_product.pk})).status_code
        for name in ("product_edit", "product_preview")
    ]
    other = [
        client.get(reverse(name, kwargs={"pk": bookshop_product.pk})).status_code
        for name in ("product_edit", "product_preview")
    ]

    # then their own open, the bookshop's are not theirs to see
    assert own == [200, 200]
    assert all(status in (403, 404) for status in other), other


# --- The benchmark catalogue ------------------------------------------------------------------


def test_bench_catalogue_seed_makes_valid_rows_and_is_idempotent(nancy, limoges):
    # when a small benchmark catalogue is seeded, then seeded again
    first = bench_catalogue_seed(territory=nancy, shops=3, products=20, variant_every=5, small_shops=1)
    second = bench_catalogue_seed(territory=nancy, shops=3, products=20, variant_every=5, small_shops=1)

    # then the shops and products are there once, valid, the first shop small
    assert (first.shops_created, first.products_created) == (3, 2 + 20 + 20)
    assert first.variants_created == 4 * len(range(0, 42, 5))
    assert (second.shops_created, second.products_created, second.variants_created) == (0, 0, 0)
    with tenant_context(nancy):
        shops = list(Shop.objects.filter(slug__startswith="banc-essai-").order_by("slug"))
        assert [shop.slug for shop in shops] == [bench_shop_slug(index) for index in range(3)]
        assert all(siret_valid(shop.siret) and shop.status == Shop.Status.APPROVED for shop in shops)
        assert [shop.products.count() for shop in shops] == [2, 20, 20]
        assert all(ShopMember.objects.filter(shop=shop, role=ShopMember.Role.OWNER).exists() for shop in shops)
        assert ProductPhoto.objects.filter(product__shop__in=shops).count() == 42
        photo = ProductPhoto.objects.filter(product__shop__in=shops).first()
        assert photo.image.storage.exists(photo.image.name) and photo.renditions
    # and Limoges has none of it (cross-territory)
    with tenant_context(limoges):
        assert not Shop.objects.filter(slug__startswith="banc-essai-").exists()


def test_bench_command_refuses_an_unknown_territory(db):
    # when the command names a territory that does not exist
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No such territory"):
        call_command("bench_catalogue_seed", schema="atlantis", shops=1, products=1, stdout=io.StringIO())


def test_demo_files_parse_as_toml():
    # given every demo file of tenants/
    for path in sorted(TENANTS_DIR.glob("*/demo/*.toml")):
        # then it parses
        with path.open("rb") as handle:
            assert tomllib.load(handle)
