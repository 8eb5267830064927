"""Checkout cost and pickup codes: a fixed number of queries whatever the number of lines; a taken code is drawn again."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from orders_helpers import NOW, at, order_row, shop_open_every_day

from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import PICKUP_CODE_TRIES, CheckoutError, Guest, order_place
from vitrine.orders.models import Cart, CartLine, Order, OrderLine
from vitrine.tenancy.routing import routes
from vitrine.testing.factories import ProductFactory

GUEST = Guest(name="Claire Blaison", email="claire@example.fr", phone="06 12 34 56 78")
# 2 shops: the cart locked (1); its lines with their products, variants, shops, communes, pickup settings,
# hours and closings, and whether the checkout key was used (1); stock taken (1; 1 more when variants are
# ordered); the orders (1); their lines and events, the cart emptied (1); the four emails, as text (1, plus the
# territory's address for their links, read once and then remembered: 1); the test's own savepoint (2).
CHECKOUT_QUERIES_TWO_SHOPS = 9


def checkout_queries(two_shops, per_shop: int) -> tuple[int, list[Order]]:
    cart = two_shops["cart"]
    for shop_key in ("bijoux", "deco"):
        for i in range(per_shop):
            product = ProductFactory(shop=two_shops[shop_key], title=f"Article {per_shop} {shop_key} {i}", stock=5)
            variant = product.variants.create(name="M", stock=4) if i % 2 else None
            cart_add(cart=cart, product_id=product.pk, variant_id=variant.pk if variant else None, quantity=2)
    routes.clear()  # the territory's address for the emails' branding: read once in each run
    with CaptureQueriesContext(connection) as context:
        orders = order_place(
            cart=cart,
            guest=GUEST,
            idempotency_key=uuid.uuid4(),
            now=NOW,
            slots={two_shops["bijoux"].pk: at(30, 14), two_shops["deco"].pk: at(30, 15)},
        )
    return len(context.captured_queries), orders


def test_a_two_shop_checkout_costs_a_fixed_number_of_queries(two_shops):
    # given a cart of 3 lines over 2 shops (2 + 1)
    cart = two_shops["cart"]
    extra = ProductFactory(shop=two_shops["bijoux"], title="Collier", stock=5)
    for product in (two_shops["ring"], extra, two_shops["vase"]):
        cart_add(cart=cart, product_id=product.pk, quantity=1)
    # when
    with CaptureQueriesContext(connection) as context:
        orders = order_place(
            cart=cart,
            guest=GUEST,
            slots={two_shops["bijoux"].pk: at(30, 14), two_shops["deco"].pk: at(30, 14)},
            idempotency_key=uuid.uuid4(),
            now=NOW,
        )
    # then (it was 44 queries before lines and orders were written in bulk, 22 before issue #14)
    assert len(context.captured_queries) <= CHECKOUT_QUERIES_TWO_SHOPS, "\n".join(
        q["sql"][:120] for q in context.captured_queries
    )
    assert [o.lines.count() for o in orders] == [2, 1]


def test_the_query_count_does_not_grow_with_the_lines(two_shops):
    # given carts of 4 and then 12 lines over the same 2 shops (half with variants)
    few, orders = checkout_queries(two_shops, per_shop=2)
    assert [o.lines.count() for o in orders] == [2, 2]
    Order.objects.all().delete()
    many, orders = checkout_queries(two_shops, per_shop=6)
    # then the same number of queries, the stock taken from the right rows
    assert many == few
    assert [o.lines.count() for o in orders] == [6, 6]
    assert OrderLine.objects.filter(order__in=orders, stock_reserved=True).count() == 12
    ordered = Product.objects.filter(title__startswith="Article 6")
    assert set(ordered.filter(variants__isnull=True).values_list("stock", flat=True)) == {3}
    assert set(ordered.exclude(variants__isnull=True).values_list("variants__stock", flat=True)) == {2}


def test_a_pickup_code_already_taken_is_drawn_again(two_shops):
    # given an order holding code AAAAAA, and a checkout whose first code drawn is that one
    taken = order_row(two_shops["bijoux"], name="Premier Client")
    Order.objects.filter(pk=taken.pk).update(pickup_code="AAAAAA")
    cart_add(cart=two_shops["cart"], product_id=two_shops["ring"].pk, quantity=2)
    # when
    (order,) = order_place(
        cart=two_shops["cart"],
        guest=GUEST,
        slots={two_shops["bijoux"].pk: at(30, 14)},
        idempotency_key=uuid.uuid4(),
        now=NOW,
        pickup_codes=["AAAAAA", "BBBBBB"],
    )
    # then the order got the next code, once, with its stock taken once and its emails
    assert order.pickup_code == "BBBBBB" and Order.objects.get(pk=order.pk).pickup_code == "BBBBBB"
    assert Order.objects.count() == 2 and order.lines.get().quantity == 2
    assert Product.objects.get(pk=two_shops["ring"].pk).stock == 3
    assert OutboxEmail.objects.filter(subject__contains="BBBBBB").count() == 2
    assert not OutboxEmail.objects.filter(subject__contains="AAAAAA").exists()


def test_two_orders_of_one_checkout_never_share_a_code(two_shops):
    cart_add(cart=two_shops["cart"], product_id=two_shops["ring"].pk, quantity=1)
    cart_add(cart=two_shops["cart"], product_id=two_shops["vase"].pk, quantity=1)
    orders = order_place(
        cart=two_shops["cart"],
        guest=GUEST,
        idempotency_key=uuid.uuid4(),
        now=NOW,
        slots={two_shops["bijoux"].pk: at(30, 14), two_shops["deco"].pk: at(30, 14)},
        pickup_codes=["CCCCCC", "CCCCCC", "DDDDDD"],
    )
    assert [o.pickup_code for o in orders] == ["CCCCCC", "DDDDDD"]


def test_codes_taken_again_and_again_end_in_a_french_message_and_nothing_ordered(two_shops):
    taken = order_row(two_shops["bijoux"], name="Premier Client")
    Order.objects.filter(pk=taken.pk).update(pickup_code="AAAAAA")
    cart_add(cart=two_shops["cart"], product_id=two_shops["ring"].pk, quantity=2)
    with pytest.raises(CheckoutError, match="n’a pas pu être enregistrée"):
        order_place(
            cart=two_shops["cart"],
            guest=GUEST,
            slots={two_shops["bijoux"].pk: at(30, 14)},
            idempotency_key=uuid.uuid4(),
            now=NOW,
            pickup_codes=["AAAAAA"] * PICKUP_CODE_TRIES,
        )
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=two_shops["ring"].pk).stock == 5
    assert CartLine.objects.filter(cart=two_shops["cart"]).count() == 1


def test_the_checkouts_prepared_read_follows_the_territory(nancy, limoges):
    # given a cart with the same id in two territories, each holding its own territory's product
    carts = {}
    for territory, title in ((nancy, "Bague de Nancy"), (limoges, "Émail de Limoges")):
        with tenant_context(territory):
            shop = shop_open_every_day(name=f"Boutique {territory.schema_name}")
            product = ProductFactory(shop=shop, title=title, stock=5)
            cart = Cart.objects.create(pk=4242)
            cart_add(cart=cart, product_id=product.pk, quantity=1)
            carts[territory.schema_name] = (cart, shop)
    # when each checks out in turn, on the one connection (the read is prepared once on it)
    placed = {}
    for territory in (nancy, limoges, nancy):
        with tenant_context(territory):
            cart, shop = carts[territory.schema_name]
            if territory.schema_name in placed:
                cart_add(cart=cart, product_id=placed[territory.schema_name][0].lines.get().product_id, quantity=2)
            (order,) = order_place(
                cart=cart, guest=GUEST, slots={shop.pk: at(30, 14)}, idempotency_key=uuid.uuid4(), now=NOW
            )
            placed.setdefault(territory.schema_name, []).append(order)
    # then each territory's orders hold its own product, with the quantities of its own cart
    with tenant_context(nancy):
        assert [(o.lines.get().title, o.lines.get().quantity) for o in placed["nancy"]] == [
            ("Bague de Nancy", 1),
            ("Bague de Nancy", 2),
        ]
        assert Product.objects.get(title="Bague de Nancy").stock == 2
    with tenant_context(limoges):
        assert [(o.lines.get().title, o.lines.get().quantity) for o in placed["limoges"]] == [("Émail de Limoges", 1)]
        assert Product.objects.get(title="Émail de Limoges").stock == 4
