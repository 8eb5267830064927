"""Cart rules: one cart across shops, bounded by stock, bad inputs refused with nothing changed."""

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context
from orders_helpers import shop_open_every_day

from vitrine.catalog.models import Product
from vitrine.orders import selectors
from vitrine.orders.cart import CartError, cart_add, cart_create, cart_merge_on_login, cart_remove, cart_set_quantity
from vitrine.orders.models import Cart, CartLine
from vitrine.orders.selectors import ON_REQUEST_MAX
from vitrine.testing.factories import ProductFactory, ShopFactory, VariantFactory


def test_cart_groups_lines_by_shop_with_subtotals_and_total(two_shops):
    # given
    cart = two_shops["cart"]
    # when
    cart_add(cart=cart, product_id=two_shops["ring"].pk, quantity=2)
    cart_add(cart=cart, product_id=two_shops["vase"].pk, quantity=1)
    cart_add(cart=cart, product_id=two_shops["ring"].pk, quantity=1)
    # then
    summary = selectors.cart_summary(cart=cart)
    assert [group.shop.name for group in summary.groups] == ["Bijouterie Stanislas", "Déco Saint-Epvre"]
    assert [group.subtotal for group in summary.groups] == [Decimal("74.70"), Decimal("24.90")]
    assert summary.total == Decimal("99.60") and summary.count == 4


def test_quantity_above_stock_is_refused_and_nothing_changes(two_shops):
    # given
    cart = two_shops["cart"]
    cart_add(cart=cart, product_id=two_shops["ring"].pk, quantity=4)
    # when
    with pytest.raises(CartError) as error:
        cart_add(cart=cart, product_id=two_shops["ring"].pk, quantity=2)
    # then
    assert "Seulement 5" in error.value.messages[0]
    assert CartLine.objects.get(cart=cart).quantity == 4


def test_set_quantity_is_bounded_and_zero_removes(two_shops):
    # given
    cart = two_shops["cart"]
    line = cart_add(cart=cart, product_id=two_shops["ring"].pk, quantity=1)
    # when / then
    with pytest.raises(CartError):
        cart_set_quantity(cart=cart, line_id=line.pk, quantity=6)
    assert cart_set_quantity(cart=cart, line_id=line.pk, quantity=5).quantity == 5
    assert cart_set_quantity(cart=cart, line_id=line.pk, quantity=0) is None
    assert not CartLine.objects.filter(cart=cart).exists()


def test_variant_stock_bounds_and_a_tampered_variant_is_refused(two_shops):
    # given: a product with two variants, and another product's variant
    product = ProductFactory(shop=two_shops["bijoux"], stock=0)
    small = VariantFactory(product=product, name="S", stock=2)
    foreign = VariantFactory(product=ProductFactory(shop=two_shops["deco"]), name="XL", stock=9)
    cart = two_shops["cart"]
    # when / then
    with pytest.raises(CartError, match="variante"):
        cart_add(cart=cart, product_id=product.pk, quantity=1)
    with pytest.raises(CartError, match="variante"):
        cart_add(cart=cart, product_id=product.pk, variant_id=foreign.pk, quantity=1)
    with pytest.raises(CartError):
        cart_add(cart=cart, product_id=product.pk, variant_id=small.pk, quantity=3)
    with pytest.raises(CartError):  # a product without variants, a variant id posted anyway
        cart_add(cart=cart, product_id=two_shops["ring"].pk, variant_id=small.pk, quantity=1)
    assert cart_add(cart=cart, product_id=product.pk, variant_id=small.pk, quantity=2).quantity == 2
    assert CartLine.objects.filter(cart=cart).count() == 1


@pytest.mark.parametrize("case", ["draft", "pending_shop", "showcase", "no_click_and_collect", "unknown", "garbage"])
def test_products_that_are_not_for_sale_are_refused(in_nancy, case):
    # given
    cart = Cart.objects.create()
    shop = ShopFactory(
        status="pending" if case == "pending_shop" else "approved",
        showcase_only=case == "showcase",
        click_and_collect=case != "no_click_and_collect",
    )
    product = ProductFactory(shop=shop, status="draft" if case == "draft" else "published")
    product_id = {"unknown": 987654321, "garbage": "12abc"}.get(case, product.pk)
    # when
    with pytest.raises(CartError) as error:
        cart_add(cart=cart, product_id=product_id, quantity=1)
    # then
    assert error.value.messages[0]
    assert not CartLine.objects.filter(cart=cart).exists()


def test_on_request_products_are_capped(in_nancy):
    # given
    product = ProductFactory(shop=shop_open_every_day(), availability=Product.Availability.ON_REQUEST, stock=0)
    cart = Cart.objects.create()
    # when / then
    assert cart_add(cart=cart, product_id=product.pk, quantity=ON_REQUEST_MAX).quantity == 10
    with pytest.raises(CartError):
        cart_add(cart=cart, product_id=product.pk, quantity=1)


def test_bad_quantities_are_refused(two_shops):
    for quantity in (0, -1, "deux", None):
        with pytest.raises(CartError, match="au moins 1"):
            cart_add(cart=two_shops["cart"], product_id=two_shops["ring"].pk, quantity=quantity)


def test_cart_merge_on_login_adds_quantities_within_stock(two_shops, shopper):
    # given: the account's cart holds 4 rings; the visitor's cart 3 rings and a vase
    mine = cart_create(user=shopper)
    cart_add(cart=mine, product_id=two_shops["ring"].pk, quantity=4)
    visitor = two_shops["cart"]
    cart_add(cart=visitor, product_id=two_shops["ring"].pk, quantity=3)
    cart_add(cart=visitor, product_id=two_shops["vase"].pk, quantity=1)
    # when
    cart = cart_merge_on_login(anonymous_cart=visitor, user=shopper)
    # then
    assert cart.pk == mine.pk
    assert dict(cart.lines.values_list("product__title", "quantity")) == {"Bague argent": 5, "Vase en verre": 1}
    assert not Cart.objects.filter(pk=visitor.pk).exists()


def test_a_line_of_another_cart_is_unreachable(two_shops):
    # given
    other = Cart.objects.create()
    line = cart_add(cart=other, product_id=two_shops["ring"].pk, quantity=1)
    # when / then
    with pytest.raises(CartError):
        cart_set_quantity(cart=two_shops["cart"], line_id=line.pk, quantity=2)
    with pytest.raises(CartError):
        cart_remove(cart=two_shops["cart"], line_id=line.pk)
    assert CartLine.objects.get(pk=line.pk).quantity == 1


def test_a_nancy_product_id_is_refused_in_a_limoges_cart(nancy, limoges):
    # cross-territory: a product id from Nancy means nothing in Limoges
    # given: a Nancy product whose id no Limoges product has
    with tenant_context(limoges):
        limoges_max = max(Product.objects.values_list("pk", flat=True), default=0)
    with tenant_context(nancy):
        product = ProductFactory()
        while product.pk <= limoges_max:
            product = ProductFactory(shop=product.shop)
    # when
    with tenant_context(limoges):
        cart = Cart.objects.create()
        with pytest.raises(CartError, match="n’existe pas|n'existe pas"):
            cart_add(cart=cart, product_id=product.pk, quantity=1)
        # then
        assert not CartLine.objects.filter(cart=cart).exists()
