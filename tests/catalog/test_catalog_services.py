"""Catalogue services: prices typed the French way, variants, photos, and the "add to cart" dry run."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils.translation import override
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, Product, ProductPhoto, Variant
from vitrine.catalog.selectors import product_purchasable
from vitrine.catalog.services import (
    ProductData,
    price_parse,
    product_create,
    product_photo_alt_set,
    product_photo_delete,
    product_photo_move,
    product_photos_add,
    product_quick_add,
    product_update,
)
from vitrine.shops.permissions import NotShopMember
from vitrine.testing.factories import (
    ProductFactory,
    ShopFactory,
    UserFactory,
    VariantFactory,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12,50", "12.50"),
        ("12.5", "12.50"),
        ("12,5 €", "12.50"),
        ("1 234,50", "1234.50"),
        ("1\u202f234,50 €", "1234.50"),
        ("0", "0.00"),
        (Decimal("7.1"), "7.10"),
        (3, "3.00"),
    ],
)
def test_price_parse_reads_prices_as_people_type_them(typed, expected):
    assert price_parse(typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("douze", "n’est pas un prix"),
        ("-3", "montant positif"),
        ("12,505", "deux décimales"),
        ("NaN", "montant positif"),
        ("99999999", "trop élevé"),
    ],
)
def test_price_parse_refuses_bad_prices_in_french(typed, message):
    with override("fr"), pytest.raises(ValidationError) as caught:
        price_parse(typed)
    assert message in caught.value.messages[0]


def _data(**overrides) -> ProductData:
    fields = {"title": "Bague Stanislas", "price": "89,90", "category_id": Category.objects.get(slug="bagues").pk}
    fields.update(overrides)
    return ProductData(**fields)


def test_product_create_saves_variants_in_order_with_their_own_price_and_stock(nancy):
    with tenant_context(nancy):
        # given an approved shop and its owner
        shop = ShopFactory()

        # when the owner creates a product with two variants, one at its own price
        product = product_create(
            shop=shop,
            actor=shop.owner_user,
            data=_data(
                variants=[
                    {"name": "Taille 52", "price": "", "stock": "3", "sku": "BAG-52"},
                    {"name": "Taille 56", "price": "95", "stock": 1, "sku": "BAG-56"},
                ]
            ),
        )

        # then the product is published with its variants, in the order typed
        product.refresh_from_db()
        assert (product.status, product.price, product.slug) == ("published", Decimal("89.90"), "bague-stanislas")
        assert product.published_at is not None and product.created_by == shop.owner_user
        variants = list(product.variants.all())
        assert [(v.name, v.price, v.effective_price, v.stock, v.sku, v.position) for v in variants] == [
            ("Taille 52", None, Decimal("89.90"), 3, "BAG-52", 1),
            ("Taille 56", Decimal("95.00"), Decimal("95.00"), 1, "BAG-56", 2),
        ]


def test_product_create_with_bad_variants_changes_nothing_and_says_why(nancy):
    with tenant_context(nancy), override("fr"):
        shop = ShopFactory()

        # when two variants share a name and one has a bad price
        with pytest.raises(ValidationError) as caught:
            product_create(
                shop=shop,
                actor=shop.owner_user,
                data=_data(
                    variants=[
                        {"name": "M", "price": "", "stock": 1},
                        {"name": "m", "price": "dix", "stock": 1},
                    ]
                ),
            )

        # then nothing is saved, and the messages are in French
        assert not Product.objects.filter(shop=shop).exists()
        assert any("Deux variantes" in m for m in caught.value.message_dict["variants"])
        assert any("n’est pas un prix" in m for m in caught.value.message_dict["variants"])


def test_product_create_sanitises_the_description(nancy):
    with tenant_context(nancy):
        shop = ShopFactory()

        product = product_create(
            shop=shop,
            actor=shop.owner_user,
            data=_data(
                description='<p onclick="steal()">Argent <strong>925</strong></p><script>alert(1)</script><img src=x onerror=alert(1)>'
            ),
        )

        assert product.description == "<p>Argent <strong>925</strong></p>"


def test_plain_text_description_keeps_its_paragraphs_and_is_escaped(nancy):
    with tenant_context(nancy):
        shop = ShopFactory()

        product = product_create(
            shop=shop,
            actor=shop.owner_user,
            data=_data(description="Argent 925 & perles.\nFait main.\n\nLivré en écrin"),
        )

        # the shops' rule: one <p> per paragraph, with nothing between them
        assert product.description == "<p>Argent 925 &amp; perles.<br>Fait main.</p><p>Livré en écrin</p>"


def test_product_update_adds_renames_and_removes_variants(nancy):
    with tenant_context(nancy):
        # given a product with variants S and M
        shop = ShopFactory()
        product = product_create(
            shop=shop,
            actor=shop.owner_user,
            data=_data(variants=[{"name": "S", "stock": 1}, {"name": "M", "stock": 2}]),
        )
        m_pk = product.variants.get(name="M").pk

        # when the owner keeps M (new stock), drops S and adds L, and archives the product
        product_update(
            product=product,
            actor=shop.owner_user,
            data=_data(
                title="Bague Stanislas argent",
                status="archived",
                variants=[{"name": "M", "stock": 5}, {"name": "L", "stock": 1, "price": "99,00"}],
            ),
        )

        # then the variants follow, M keeps its row, and the slug follows the title
        product.refresh_from_db()
        assert [(v.name, v.stock, v.price) for v in product.variants.all()] == [
            ("M", 5, None),
            ("L", 1, Decimal("99.00")),
        ]
        assert product.variants.get(name="M").pk == m_pk
        assert (product.status, product.slug) == ("archived", "bague-stanislas-argent")


def test_republishing_a_product_clears_the_staff_reason(nancy):
    with tenant_context(nancy):
        shop = ShopFactory()
        product = ProductFactory(shop=shop, status="draft", unpublished_reason="Photo floue")

        product_update(product=product, actor=shop.owner_user, data=_data(title=product.title, status="published"))

        product.refresh_from_db()
        assert (product.status, product.unpublished_reason) == ("published", "")


def test_only_a_member_of_the_shop_may_create_or_edit_its_products(nancy):
    with tenant_context(nancy):
        # given two shops
        shop, other = ShopFactory(), ShopFactory()
        product = ProductFactory(shop=shop)

        # then the other shop's owner (and a shopper) can neither create in it nor edit its product
        for intruder in (other.owner_user, UserFactory()):
            with pytest.raises(NotShopMember):
                product_create(shop=shop, actor=intruder, data=_data())
            with pytest.raises(NotShopMember):
                product_update(product=product, actor=intruder, data=_data(title="Piraté"))
        assert Product.objects.get(pk=product.pk).title == product.title


def test_quick_add_publishes_a_product_with_its_photo_under_the_territory_folder(
    nancy, media, png_upload, django_capture_on_commit_callbacks
):
    with tenant_context(nancy):
        # given a shop in the "bijoux" category
        shop = ShopFactory(category=Category.objects.get(slug="bijoux"))

        # when its owner quick-adds a photo, a title and a price typed the French way
        with django_capture_on_commit_callbacks() as callbacks:
            product = product_quick_add(
                shop=shop,
                actor=shop.owner_user,
                title="Collier perles",
                price="24,90",
                photo=png_upload("IMG_0042.png"),
            )

        # then the product is online at once, in the shop's category, available on request
        assert (product.status, product.price, product.category.slug, product.availability) == (
            "published",
            Decimal("24.90"),
            "bijoux",
            "on_request",
        )
        photo = product.photos.get()
        assert re.match(r"nancy/products/[\w-]{20,}/collier-perles", photo.image.name)
        assert (media / photo.image.name).is_file()
        assert (photo.width, photo.height, photo.alt) == (800, 600, "Collier perles")
        # and the renditions are asked for after commit
        assert len(callbacks) == 1


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(nancy, media):
    with tenant_context(nancy), override("fr"):
        shop = ShopFactory()
        fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")

        with pytest.raises(ValidationError) as caught:
            product_quick_add(shop=shop, actor=shop.owner_user, title="Faux", price="10", photo=fake)

        assert "pas une image" in caught.value.message_dict["photos"][0]
        assert not Product.objects.filter(shop=shop).exists()
        assert not list(media.rglob("*.*"))


def test_photos_are_added_reordered_described_and_deleted(nancy, media, png_upload, django_capture_on_commit_callbacks):
    with tenant_context(nancy):
        # given a product with three photos
        shop = ShopFactory()
        product = ProductFactory(shop=shop)
        first, second, third = product_photos_add(
            product=product,
            actor=shop.owner_user,
            uploads=[png_upload("a.png"), png_upload("b.png"), png_upload("c.png")],
        )
        assert [p.position for p in (first, second, third)] == [0, 1, 2]

        # when the owner moves the third earlier, describes it and deletes the first
        product_photo_move(photo=third, actor=shop.owner_user, offset=-1)
        product_photo_alt_set(photo=third, actor=shop.owner_user, alt="Collier porté")
        with django_capture_on_commit_callbacks(execute=True):
            product_photo_delete(photo=first, actor=shop.owner_user)

        # then the order, the description and the files follow
        assert [(p.pk, p.alt) for p in product.photos.all()] == [
            (third.pk, "Collier porté"),
            (second.pk, product.title),
        ]
        assert not (media / first.image.name).exists()
        assert (media / third.image.name).is_file()


def test_another_shop_cannot_touch_a_photo(nancy, media, png_upload):
    with tenant_context(nancy):
        shop, other = ShopFactory(), ShopFactory()
        product = ProductFactory(shop=shop)
        (photo,) = product_photos_add(product=product, actor=shop.owner_user, uploads=[png_upload()])

        for action in (
            lambda: product_photo_delete(photo=photo, actor=other.owner_user),
            lambda: product_photo_alt_set(photo=photo, actor=other.owner_user, alt="x"),
            lambda: product_photo_move(photo=photo, actor=other.owner_user, offset=1),
        ):
            with pytest.raises(NotShopMember):
                action()
        assert ProductPhoto.objects.filter(pk=photo.pk, alt=product.title).exists()


def test_product_purchasable_checks_stock_variants_status_and_shop(nancy):
    with tenant_context(nancy), override("fr"):
        shop = ShopFactory()
        simple = ProductFactory(shop=shop, stock=2)
        with_variants = ProductFactory(shop=shop)
        size_m = VariantFactory(product=with_variants, name="M", stock=1)
        size_l = VariantFactory(product=with_variants, name="L", stock=0)
        other_variant = VariantFactory(name="Autre")

        assert product_purchasable(simple, None).ok
        assert not product_purchasable(simple, None, quantity=3).ok
        assert "Plus que 2" in product_purchasable(simple, None, quantity=3).reason
        assert "variante" in product_purchasable(with_variants, None).reason
        assert product_purchasable(with_variants, size_m).ok
        assert "Rupture" in product_purchasable(with_variants, size_l).reason
        assert not product_purchasable(with_variants, other_variant).ok
        with_variants.availability = "on_request"
        assert product_purchasable(with_variants, size_l).ok
        simple.status = "draft"
        assert "pas publié" in product_purchasable(simple, None).reason
        simple.status, shop.showcase_only = "published", True
        assert "vitrine" in product_purchasable(simple, None).reason
        shop.showcase_only, shop.status = False, "pending"
        assert "validée" in product_purchasable(simple, None).reason
        # a dry run writes nothing
        assert Variant.objects.get(pk=size_m.pk).stock == 1
    connection.set_schema_to_public()
