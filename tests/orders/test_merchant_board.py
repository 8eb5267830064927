"""The merchant's order board: new orders stand out, one tap per step, find at the counter; own shop only."""
import uuid

from django_tenants.utils import tenant_context
from orders_helpers import client_on, shop_open_every_day
from vitrine.orders import services
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots
from vitrine.testing.factories import ProductFactory



def order_make(shop, name="Claire Blaison", slot_index=0):
    product = ProductFactory(shop=shop, stock=5)
    cart = Cart.objects.create()
    services.cart_add(cart=cart, product_id=product.pk, quantity=1)
    order, = services.order_place(cart=cart, guest=services.Guest(name=name, email="c@example.fr", phone="0612345678"),
                                  slots={shop.pk: checkout_slots(shop=shop)[slot_index].starts_at},
                                  idempotency_key=uuid.uuid4())
    return order


def card(order) -> str:
    """How an order shows on the board (the search box echoes what was typed, so look for the card)."""
    return f'<span class="board-code">{order.pickup_code}</span>'


def test_the_merchant_accepts_marks_ready_and_collected_in_one_tap_each(nancy):
    # given
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Bijouterie Stanislas")
        order = order_make(shop)
    merchant = client_on(nancy, shop.owner_user)
    # when / then: the new order stands out
    page = merchant.get("/pro/commandes/").content.decode()
    assert "is-new" in page and order.pickup_code in page and "1 nouvelle commande à accepter" in page
    for action, status in (("accepter", "accepted"), ("prete", "ready"), ("retiree", "collected")):
        response = merchant.post(f"/pro/commandes/{order.pk}/{action}/")
        assert response.status_code == 302
        with tenant_context(nancy):
            assert Order.objects.get(pk=order.pk).status == status


def test_refusing_without_a_reason_changes_nothing(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        order = order_make(shop)
    merchant = client_on(nancy, shop.owner_user)
    page = merchant.post(f"/pro/commandes/{order.pk}/refuser/", {"reason": ""}, follow=True).content.decode()
    assert "Indiquez au client pourquoi" in page
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == "placed"
    merchant.post(f"/pro/commandes/{order.pk}/refuser/", {"reason": "Rupture"})
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == "refused"


def test_an_illegal_step_shows_the_error(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        order = order_make(shop)
    page = client_on(nancy, shop.owner_user).post(f"/pro/commandes/{order.pk}/retiree/", follow=True).content.decode()
    assert "ne peut pas devenir" in page


def test_at_the_counter_the_merchant_finds_an_order_by_name_or_code(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        blaison = order_make(shop, name="Claire Blaison")
        other = order_make(shop, name="Paul Martin")
    merchant = client_on(nancy, shop.owner_user)
    by_name = merchant.get("/pro/commandes/", {"q": "blaison"}).content.decode()
    assert card(blaison) in by_name and card(other) not in by_name
    by_code = merchant.get("/pro/commandes/", {"q": other.pickup_code.lower()}).content.decode()
    assert card(other) in by_code and card(blaison) not in by_code


def test_another_shops_orders_are_unreachable(nancy):
    # given two shops of the same territory
    with tenant_context(nancy):
        mine, theirs = shop_open_every_day(), shop_open_every_day()
        their_order = order_make(theirs, name="Cliente Voisine")
    merchant = client_on(nancy, mine.owner_user)
    # when / then: not listed, not found, not actionable
    assert their_order.pickup_code not in merchant.get("/pro/commandes/").content.decode()
    assert card(their_order) not in merchant.get("/pro/commandes/", {"q": their_order.pickup_code}).content.decode()
    assert merchant.post(f"/pro/commandes/{their_order.pk}/accepter/").status_code == 404
    with tenant_context(nancy):
        assert Order.objects.get(pk=their_order.pk).status == "placed"


def test_a_shopper_cannot_open_the_board(nancy, shopper):
    assert client_on(nancy, shopper).get("/pro/commandes/").status_code == 403
    assert client_on(nancy).get("/pro/commandes/").status_code == 302


def test_a_nancy_order_is_unreachable_from_a_limoges_shop(nancy, limoges):
    # cross-territory: the same order id on Limoges' host is another schema's (or nothing)
    with tenant_context(nancy):
        order = order_make(shop_open_every_day())
    with tenant_context(limoges):
        limoges_shop = shop_open_every_day()
    merchant = client_on(limoges, limoges_shop.owner_user)
    assert card(order) not in merchant.get("/pro/commandes/", {"q": order.pickup_code}).content.decode()
    assert merchant.post(f"/pro/commandes/{order.pk}/accepter/").status_code == 404
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == "placed"
