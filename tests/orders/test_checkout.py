"""Checkout: one order per shop, pickup slots, stock reserved in one transaction, idempotency."""

import uuid
from datetime import date, time
from decimal import Decimal

import pytest
from orders_helpers import NOW, at

from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders import selectors
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import CheckoutError, Guest, order_place
from vitrine.orders.models import Cart, CartLine, Order, OrderEvent, PickupSettings
from vitrine.shops.models import ClosingPeriod
from vitrine.testing.factories import ProductFactory

GUEST = Guest(name="Claire Blaison", email="Claire@Example.fr", phone="06 12 34 56 78")


def fill(two_shops, ring=2, vase=1):
    cart_add(cart=two_shops["cart"], product_id=two_shops["ring"].pk, quantity=ring)
    cart_add(cart=two_shops["cart"], product_id=two_shops["vase"].pk, quantity=vase)


def slots_at(two_shops, moment):
    return {two_shops["bijoux"].pk: moment, two_shops["deco"].pk: moment}


def test_checkout_as_guest_makes_one_order_per_shop_with_emails(two_shops):
    # given
    fill(two_shops)
    # when
    orders = order_place(
        cart=two_shops["cart"],
        guest=GUEST,
        slots=slots_at(two_shops, at(30, 14)),
        idempotency_key=uuid.uuid4(),
        now=NOW,
    )
    # then: two orders, stock taken, cart emptied
    assert [(o.shop.name, o.total, o.status) for o in orders] == [
        ("Bijouterie Stanislas", Decimal("49.80"), "placed"),
        ("Déco Saint-Epvre", Decimal("24.90"), "placed"),
    ]
    ring, vase = orders[0], orders[1]
    assert ring.pickup_starts_at == at(30, 14) and ring.pickup_ends_at == at(30, 14, 30)
    assert ring.email == "claire@example.fr" and ring.customer is None
    assert len(ring.pickup_code) == 6 and not set(ring.pickup_code) & set("01IOL")
    assert ring.pickup_code != vase.pickup_code
    assert Product.objects.get(pk=two_shops["ring"].pk).stock == 3
    assert Product.objects.get(pk=two_shops["vase"].pk).stock == 4
    assert not CartLine.objects.filter(cart=two_shops["cart"]).exists()
    assert list(OrderEvent.objects.filter(order=ring).values_list("from_status", "to_status")) == [("", "placed")]
    # two emails to the shopper, one to each shop, in French
    to_shopper = OutboxEmail.objects.filter(to=["claire@example.fr"])
    assert to_shopper.count() == 2
    assert {m.subject for m in to_shopper} == {
        f"Votre commande chez Bijouterie Stanislas : code de retrait {ring.pickup_code}",
        f"Votre commande chez Déco Saint-Epvre : code de retrait {vase.pickup_code}",
    }
    body = to_shopper.get(subject__contains="Bijouterie").body
    assert "lundi 30 novembre entre 14:00 et 14:30" in body and "49,80\xa0€" in body
    assert (
        OutboxEmail.objects.filter(to=[two_shops["bijoux"].email], subject__startswith="Nouvelle commande").count() == 1
    )
    assert OutboxEmail.objects.filter(to=[two_shops["deco"].email]).count() == 1


def test_checkout_signed_in_records_the_customer(two_shops, shopper):
    # given
    fill(two_shops)
    # when
    orders = order_place(
        cart=two_shops["cart"],
        customer=shopper,
        slots=slots_at(two_shops, at(31, 10)),
        idempotency_key=uuid.uuid4(),
        now=NOW,
    )
    # then
    assert {o.customer for o in orders} == {shopper}
    assert orders[0].customer_name == "Claire Blaison"
    assert OrderEvent.objects.get(order=orders[0]).actor == shopper


@pytest.mark.parametrize(
    "moment,why",
    [
        (at(30, 12, 30), "outside opening hours"),
        (at(30, 9, 30), "before the preparation time"),
        (at(30, 14, 10), "not a slot boundary"),
        (at(31, 10), "closing day"),
        (at(30 + 8, 10), "beyond seven days"),
        ("pas une date", "garbage"),
        (None, "missing"),
    ],
)
def test_a_slot_the_shop_cannot_serve_is_refused_and_nothing_changes(two_shops, moment, why):
    # given: the deco shop is closed on Tuesday 1 December
    ClosingPeriod.objects.create(shop=two_shops["bijoux"], starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 1))
    fill(two_shops)
    slots = {two_shops["bijoux"].pk: moment, two_shops["deco"].pk: at(30, 15)}
    # when
    with pytest.raises(CheckoutError) as error:
        order_place(cart=two_shops["cart"], guest=GUEST, slots=slots, idempotency_key=uuid.uuid4(), now=NOW)
    # then
    assert "Bijouterie Stanislas" in error.value.messages[0], why
    assert not Order.objects.exists()
    assert Product.objects.get(pk=two_shops["vase"].pk).stock == 5
    assert CartLine.objects.filter(cart=two_shops["cart"]).count() == 2
    assert not OutboxEmail.objects.filter(subject__contains="ommande").exists()


def test_a_full_slot_is_refused(two_shops):
    # given: one order per slot at the jeweller's, and the 14:00 slot taken
    PickupSettings.objects.create(shop=two_shops["bijoux"], slot_capacity=1, lead_time_minutes=60)
    cart_add(cart=two_shops["cart"], product_id=two_shops["ring"].pk, quantity=1)
    order_place(
        cart=two_shops["cart"],
        guest=GUEST,
        slots={two_shops["bijoux"].pk: at(30, 14)},
        idempotency_key=uuid.uuid4(),
        now=NOW,
    )
    other = Cart.objects.create()
    cart_add(cart=other, product_id=two_shops["ring"].pk, quantity=1)
    # when
    with pytest.raises(CheckoutError, match="complet"):
        order_place(
            cart=other, guest=GUEST, slots={two_shops["bijoux"].pk: at(30, 14)}, idempotency_key=uuid.uuid4(), now=NOW
        )
    # then: the slot shows as full, the next one is free, and the 10:00 slot is open (lead time 60 min)
    slots = {s.starts_at: s for s in selectors.checkout_slots(shop=two_shops["bijoux"], now=NOW)}
    assert slots[at(30, 14)].is_full and slots[at(30, 14, 30)].remaining == 1
    assert min(slots) == at(30, 10)
    assert Order.objects.count() == 1


def test_slots_follow_opening_ranges_lead_time_and_closings(two_shops):
    # given: closed on Wednesday 2 December
    ClosingPeriod.objects.create(shop=two_shops["deco"], starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2))
    # when
    slots = selectors.checkout_slots(shop=two_shops["deco"], now=NOW)
    # then
    starts = [s.starts_at for s in slots]
    assert starts[0] == at(30, 11)  # 9:00 + 2 h preparation
    assert at(30, 11, 30) in starts and at(30, 12) not in starts and at(30, 14) in starts and at(30, 18, 30) in starts
    assert not [s for s in starts if s.date() == date(2026, 12, 2)]
    assert max(starts).date() == date(2026, 12, 6)
    assert all(s.starts_at.utcoffset().total_seconds() == 3600 for s in slots)  # Paris winter time


def test_one_line_short_of_stock_rolls_back_every_order(two_shops):
    # given: the vase sells out after it went into the cart
    fill(two_shops, ring=2, vase=3)
    Product.objects.filter(pk=two_shops["vase"].pk).update(stock=2)
    # when
    with pytest.raises(CheckoutError, match="Plus que 2"):
        order_place(
            cart=two_shops["cart"],
            guest=GUEST,
            slots=slots_at(two_shops, at(30, 14)),
            idempotency_key=uuid.uuid4(),
            now=NOW,
        )
    # then
    assert not Order.objects.exists()
    assert Product.objects.get(pk=two_shops["ring"].pk).stock == 5
    assert Product.objects.get(pk=two_shops["vase"].pk).stock == 2
    assert not OutboxEmail.objects.filter(subject__contains="ommande").exists()


def test_variant_stock_is_reserved(two_shops):
    # given
    product = ProductFactory(shop=two_shops["bijoux"], stock=0)
    variant = product.variants.create(name="M", stock=2)
    cart_add(cart=two_shops["cart"], product_id=product.pk, variant_id=variant.pk, quantity=2)
    # when
    (order,) = order_place(
        cart=two_shops["cart"],
        guest=GUEST,
        slots={two_shops["bijoux"].pk: at(30, 14)},
        idempotency_key=uuid.uuid4(),
        now=NOW,
    )
    # then
    variant.refresh_from_db()
    assert variant.stock == 0
    assert order.lines.get().variant_name == "M"


def test_submitting_the_same_checkout_twice_makes_one_set_of_orders(two_shops):
    # given
    fill(two_shops)
    key = uuid.uuid4()
    first = order_place(
        cart=two_shops["cart"], guest=GUEST, slots=slots_at(two_shops, at(30, 14)), idempotency_key=key, now=NOW
    )
    # when
    second = order_place(
        cart=two_shops["cart"], guest=GUEST, slots=slots_at(two_shops, at(30, 14)), idempotency_key=str(key), now=NOW
    )
    # then
    assert [o.pk for o in second] == [o.pk for o in first]
    assert Order.objects.count() == 2
    assert Product.objects.get(pk=two_shops["ring"].pk).stock == 3


@pytest.mark.parametrize(
    "guest,expected",
    [
        (Guest(name="", email="a@example.fr", phone="0612345678"), "nom"),
        (Guest(name="Claire", email="pas-un-email", phone="0612345678"), "adresse e-mail"),
        (Guest(name="Claire", email="a@example.fr", phone="12"), "téléphone"),
        (Guest(name="Claire", email="a@example.fr", phone="06 12 34 56 7A"), "téléphone"),
        (Guest(name="Claire", email="a@example.fr", phone="01 23 45 67 89 01 23"), "téléphone"),
    ],
)
def test_guest_details_are_checked(two_shops, guest, expected):
    fill(two_shops)
    with pytest.raises(CheckoutError) as error:
        order_place(
            cart=two_shops["cart"],
            guest=guest,
            slots=slots_at(two_shops, at(30, 14)),
            idempotency_key=uuid.uuid4(),
            now=NOW,
        )
    assert expected in " ".join(error.value.messages)
    assert not Order.objects.exists()


def test_the_guest_phone_follows_the_one_phone_rule_and_is_stored_as_people_read_it(two_shops):
    # given the same number typed the ways people type it
    fill(two_shops)
    guest = Guest(name="Claire", email="a@example.fr", phone="+33 6.12.34.56.78")
    # when the order goes through
    orders = order_place(
        cart=two_shops["cart"],
        guest=guest,
        slots=slots_at(two_shops, at(30, 14)),
        idempotency_key=uuid.uuid4(),
        now=NOW,
    )
    # then the shop reads it the French way, as shops' own numbers are stored
    assert {order.phone for order in orders} == {"06 12 34 56 78"}


def test_an_empty_cart_cannot_be_ordered(two_shops):
    with pytest.raises(CheckoutError, match="panier est vide"):
        order_place(cart=two_shops["cart"], guest=GUEST, slots={}, idempotency_key=uuid.uuid4(), now=NOW)


def test_opening_times_use_the_territory_time_zone(two_shops):
    # the slots of a Paris shop stay at 14:00 Paris whatever time zone the server runs in
    slots = selectors.checkout_slots(shop=two_shops["deco"], now=NOW)
    assert any(s.starts_at.astimezone(NOW.tzinfo).time() == time(14) for s in slots)


def test_a_signed_in_shoppers_phone_follows_the_same_rule(two_shops, shopper):
    # given a signed-in shopper who types a number nobody can call
    fill(two_shops)
    with pytest.raises(CheckoutError, match="téléphone"):
        order_place(
            cart=two_shops["cart"],
            customer=shopper,
            guest=Guest(name="", email="", phone="06 12 34 56 7A"),
            slots=slots_at(two_shops, at(30, 14)),
            idempotency_key=uuid.uuid4(),
            now=NOW,
        )
    # then nothing is ordered; with a good number, it is stored as people read it
    assert not Order.objects.exists()
    orders = order_place(
        cart=two_shops["cart"],
        customer=shopper,
        guest=Guest(name="", email="", phone="0612345678"),
        slots=slots_at(two_shops, at(30, 14)),
        idempotency_key=uuid.uuid4(),
        now=NOW,
    )
    assert {order.phone for order in orders} == {"06 12 34 56 78"}
