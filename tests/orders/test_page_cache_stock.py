"""A sale changes the stock a cached product page shows (common.pagecache): the checkout's UPDATE
sends no signal, so it drops the territory's cached pages itself."""

import uuid

from orders_helpers import NOW, at

from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import Guest, order_place
from vitrine.testing.helpers import host_client

GUEST = Guest(name="Claire Blaison", email="claire@example.fr", phone="06 12 34 56 78")


def test_the_last_units_sold_show_out_of_stock_on_the_next_request(two_shops):
    # given the ring's page cached for anonymous visitors, in stock
    ring = two_shops["ring"]
    path = f"/boutiques/{ring.shop.slug}/{ring.slug}/"
    visitor = host_client("nancy.localhost")
    visitor.get(path)
    page = visitor.get(path)
    assert page["X-Page-Cache"] == "hit" and "En stock" in page.text

    # when someone buys the last five
    cart_add(cart=two_shops["cart"], product_id=ring.pk, quantity=5)
    order_place(
        cart=two_shops["cart"],
        guest=GUEST,
        slots={two_shops["bijoux"].pk: at(30, 14)},
        idempotency_key=uuid.uuid4(),
        now=NOW,
    )

    # then the next visitor reads that it is out of stock
    page = visitor.get(path)
    assert "Rupture de stock" in page.text and "En stock" not in page.text
