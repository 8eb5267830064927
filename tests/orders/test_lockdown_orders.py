"""Lockdown mode on orders (issue #12): the contactless pickup instructions on the order's pages and emails."""

import uuid

from django_tenants.utils import tenant_context
from orders_helpers import NOW, at

from vitrine.notifications.models import OutboxEmail
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.lifecycle import order_accept, order_mark_ready
from vitrine.orders.links import order_link_token
from vitrine.tenancy.routing import routes
from vitrine.testing.helpers import host_client

GUEST = Guest(name="Claire Blaison", email="claire@example.fr", phone="0612345678")
DEFAULT = "Retrait sans contact"


def _place(two_shops):
    cart_add(cart=two_shops["cart"], product_id=two_shops["ring"].pk, quantity=1)
    (order,) = order_place(
        cart=two_shops["cart"],
        customer=None,
        guest=GUEST,
        slots={two_shops["bijoux"].pk: at(30, 14)},
        idempotency_key=uuid.uuid4(),
        now=NOW,
    )
    return order


def _shopper_bodies():
    return [e.body for e in OutboxEmail.objects.filter(to=["claire@example.fr"]).order_by("pk")]


def _link_page(order) -> str:
    routes.clear()  # request.tenant comes from the routing cache
    return host_client("nancy.localhost").get(f"/commande/{order_link_token(order=order)}/").text


def test_in_lockdown_the_order_emails_and_link_page_carry_the_contactless_instructions(in_nancy, two_shops):
    in_nancy.lockdown = True
    in_nancy.save(update_fields=["lockdown"])
    order = _place(two_shops)
    merchant = two_shops["bijoux"].members.get().user
    order_mark_ready(order=order_accept(order=order, actor=merchant), actor=merchant)

    bodies = _shopper_bodies()
    assert len(bodies) == 2  # placed, then ready
    assert all("Confinement, retrait sans contact :" in body and DEFAULT in body for body in bodies)
    page = _link_page(order)
    assert "Confinement, retrait sans contact :" in page and DEFAULT in page
    shop_email = OutboxEmail.objects.get(to=[two_shops["bijoux"].email])
    assert DEFAULT not in shop_email.body  # the shop's own email does not tell it how to hand over


def test_the_teams_own_instructions_replace_the_default(in_nancy, two_shops):
    in_nancy.lockdown, in_nancy.pickup_instructions = True, "Sonnez à la porte de la cour."
    in_nancy.save(update_fields=["lockdown", "pickup_instructions"])
    order = _place(two_shops)
    (body,) = _shopper_bodies()
    assert "Sonnez à la porte de la cour." in body and DEFAULT not in body
    assert "Sonnez à la porte de la cour." in _link_page(order)


def test_out_of_lockdown_orders_say_nothing_of_it(in_nancy, two_shops):
    order = _place(two_shops)
    (body,) = _shopper_bodies()
    assert "Confinement" not in body
    assert "Confinement" not in _link_page(order)


def test_the_checkout_confirmation_carries_them_in_lockdown_only(nancy):
    from vitrine.orders.selectors import checkout_slots
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, shop_open_every_day
    from vitrine.testing.helpers import client_on

    def checkout() -> str:
        with tenant_context(nancy):
            shop = shop_open_every_day()
            product = ProductFactory(shop=shop)
            slot = checkout_slots(shop=shop)[0].value
        client = client_on(nancy)
        client.post(f"/panier/ajouter/{product.pk}/", {"quantity": "1"})
        key = str(uuid.uuid4())
        form = {"idempotency_key": key, "name": "Claire", "email": "c@example.fr", "phone": "0612345678"}
        client.post("/panier/commande/", {**form, f"slot-{shop.pk}": slot})
        return client.get(f"/panier/commande/{key}/").text

    assert "Confinement, retrait sans contact" not in checkout()
    Territory.objects.filter(pk=nancy.pk).update(lockdown=True)
    routes.clear()
    page = checkout()
    assert "Confinement, retrait sans contact" in page and DEFAULT in page
