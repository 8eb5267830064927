"""One rule for "this shop takes Click & Collect orders" (Shop.takes_orders): the cart, its summary and checkout."""

import uuid

import pytest
from orders_helpers import NOW, at, client_on, shop_open_every_day

from vitrine.orders import selectors
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import CheckoutError, Guest, order_place
from vitrine.orders.models import CartLine, Order
from vitrine.shops.models import Shop
from vitrine.testing.factories import ProductFactory


@pytest.mark.parametrize(
    "status,showcase_only,click_and_collect,expected",
    [
        ("approved", False, True, True),
        ("approved", False, False, False),
        ("approved", True, False, False),
        ("pending", False, True, False),
        ("suspended", False, True, False),
    ],
)
def test_takes_orders(status, showcase_only, click_and_collect, expected):
    shop = Shop(status=status, showcase_only=showcase_only, click_and_collect=click_and_collect)
    assert shop.takes_orders is expected


def test_the_cart_refuses_a_shop_without_click_and_collect(in_nancy, nancy):
    # given a listed shop that sells, but not through Click & Collect
    shop = shop_open_every_day(name="Cave du Marché", click_and_collect=False)
    wine = ProductFactory(shop=shop, title="Côtes de Toul", stock=5)
    # when a visitor posts "add to cart" anyway (an old page, a crafted form)
    visitor = client_on(nancy)
    page = visitor.post(f"/panier/ajouter/{wine.pk}/", HTTP_REFERER="/", follow=True).content.decode()
    # then it is refused in French and the cart stays empty
    assert "Cave du Marché ne prend pas de commandes en ligne" in page
    assert not CartLine.objects.filter(product=wine).exists()


def test_a_shop_that_stops_click_and_collect_is_flagged_in_the_cart_and_refused_at_checkout(two_shops):
    # given a cart with both shops' products, then the jeweller stops Click & Collect
    cart = two_shops["cart"]
    cart_add(cart=cart, product_id=two_shops["ring"].pk, quantity=1)
    cart_add(cart=cart, product_id=two_shops["vase"].pk, quantity=1)
    Shop.objects.filter(pk=two_shops["bijoux"].pk).update(click_and_collect=False)
    # when / then: the cart says so on that line only
    rows = {row.line.product_id: row for group in selectors.cart_summary(cart=cart).groups for row in group.rows}
    assert "plus en vente" in rows[two_shops["ring"].pk].problem and rows[two_shops["vase"].pk].problem == ""
    # and the checkout refuses, with nothing ordered nor reserved
    with pytest.raises(CheckoutError, match="Bague argent : Bijouterie Stanislas ne prend pas de commandes en ligne"):
        order_place(
            cart=cart,
            guest=Guest("Claire", "c@example.fr", "0612345678"),
            slots={two_shops["bijoux"].pk: at(30, 14), two_shops["deco"].pk: at(30, 14)},
            idempotency_key=uuid.uuid4(),
            now=NOW,
        )
    assert not Order.objects.exists() and CartLine.objects.filter(cart=cart).count() == 2
