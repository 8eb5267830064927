"""Security issue #10, item 1: nobody takes over an order by its checkout key.

The key of a checkout travels in the confirmation's address and was predictable in the demo;
holding it must show nothing of the order (pickup code, email) and allow nothing (cancel),
whether the stranger is anonymous or signed in. A replayed key still gives its orders back to
the one who placed them: the same account, or for a guest the same session (its cart).
"""

from __future__ import annotations

import uuid

import pytest
from django_tenants.utils import tenant_context

from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import CheckoutKeyTaken, Guest, order_place
from vitrine.orders.lifecycle import order_cancel
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots
from vitrine.shops.permissions import NotTheCustomer
from vitrine.testing.factories import ProductFactory, UserFactory, shop_open_every_day
from vitrine.testing.helpers import client_on

GUEST = Guest(name="Claire Blaison", email="claire.secret@example.fr", phone="0612345678")


def _shop_with_ring(territory, name: str = "Bijouterie Stanislas"):
    with tenant_context(territory):
        shop = shop_open_every_day(name=name)
        ring = ProductFactory(shop=shop, title="Bague argent", stock=5)
        return shop, ring, checkout_slots(shop=shop)[0].value


def _guest_checks_out(territory) -> tuple[object, str, Order]:
    """A guest orders through the pages; their client, the checkout key and the order."""
    shop, ring, slot = _shop_with_ring(territory)
    client = client_on(territory)
    client.post(f"/panier/ajouter/{ring.pk}/", {"quantity": "1"})
    key = str(uuid.uuid4())
    response = client.post(
        "/panier/commande/",
        {
            "idempotency_key": key,
            "name": GUEST.name,
            "email": GUEST.email,
            "phone": GUEST.phone,
            f"slot-{shop.pk}": slot,
        },
    )
    assert response.status_code == 302
    with tenant_context(territory):
        order = Order.objects.get(idempotency_key=key)
    return client, key, order


def _replay(client, key: str):
    """Submit the checkout form with someone else's key (and nothing in the cart)."""
    return client.post(
        "/panier/commande/",
        {"idempotency_key": key, "name": "Mallory", "email": "mallory@example.fr", "phone": "0699999999"},
    )


def _reveals(page: str, order: Order) -> bool:
    return order.pickup_code in page or order.email in page or order.customer_name in page


def test_an_anonymous_stranger_replaying_a_guests_key_sees_nothing_and_cannot_cancel(nancy):
    # given a guest's order, and a stranger who got hold of its checkout key
    _owner, key, order = _guest_checks_out(nancy)
    stranger = client_on(nancy)
    # when the stranger submits the checkout form with that key
    response = _replay(stranger, key)
    # then a refusal in French, nothing of the order shown, no confirmation to follow
    page = response.content.decode()
    assert response.status_code in (403, 409, 422)
    assert "Ce formulaire de commande a déjà servi" in page
    assert not _reveals(page, order)
    assert not response.has_header("Location")
    # and the confirmation page and its cancel stay closed to them
    assert stranger.get(f"/panier/commande/{key}/").status_code == 404
    assert stranger.post(f"/panier/commande/{key}/annuler/{order.pk}/").status_code == 404
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED


def test_a_signed_in_stranger_replaying_a_guests_key_gets_a_refusal_not_the_order_nor_a_500(nancy):
    # given a guest's order, and a signed-in shopper of the same territory holding its key
    _owner, key, order = _guest_checks_out(nancy)
    with tenant_context(nancy):
        mallory = UserFactory(email="mallory@example.fr")
    stranger = client_on(nancy, mallory)
    stranger.raise_request_exception = False
    # when
    response = _replay(stranger, key)
    # then
    page = response.content.decode()
    assert response.status_code in (403, 409, 422)
    assert not _reveals(page, order)
    assert stranger.get(f"/panier/commande/{key}/").status_code == 404
    cancel = stranger.post(f"/panier/commande/{key}/annuler/{order.pk}/")
    assert cancel.status_code == 404
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED


def test_a_stranger_replaying_an_accounts_key_sees_nothing(nancy):
    # given a signed-in shopper's order
    shop, ring, slot = _shop_with_ring(nancy)
    with tenant_context(nancy):
        claire = UserFactory(email="claire.compte@example.fr", full_name="Claire Compte")
        mallory = UserFactory(email="mallory@example.fr")
    owner = client_on(nancy, claire)
    owner.post(f"/panier/ajouter/{ring.pk}/", {"quantity": "1"})
    key = str(uuid.uuid4())
    assert owner.post("/panier/commande/", {"idempotency_key": key, f"slot-{shop.pk}": slot}).status_code == 302
    with tenant_context(nancy):
        order = Order.objects.get(idempotency_key=key)
    # when a guest, then another account, replay the key
    for stranger in (client_on(nancy), client_on(nancy, mallory)):
        stranger.raise_request_exception = False
        response = _replay(stranger, key)
        # then
        assert response.status_code in (403, 409, 422)
        assert not _reveals(response.content.decode(), order)
        assert stranger.get(f"/panier/commande/{key}/").status_code == 404


def test_the_guest_who_placed_the_orders_gets_them_back_on_a_double_submit(nancy):
    # given a guest's order
    owner, key, order = _guest_checks_out(nancy)
    # when the same session submits the same form again (a double tap)
    response = owner.post("/panier/commande/", {"idempotency_key": key, "name": "x", "email": "x@x.fr", "phone": "1"})
    # then the same confirmation, and still one order
    assert response.status_code == 302 and response["Location"] == f"/panier/commande/{key}/"
    assert order.pickup_code in owner.get(response["Location"]).content.decode()
    with tenant_context(nancy):
        assert Order.objects.filter(idempotency_key=key).count() == 1


def _place(territory, *, customer=None, cart=None):
    shop, ring, slot = _shop_with_ring(territory, name=f"Bijouterie {uuid.uuid4().hex[:8]}")
    with tenant_context(territory):
        cart = cart or Cart.objects.create()
        cart_add(cart=cart, product_id=ring.pk, quantity=1)
        key = uuid.uuid4()
        (order,) = order_place(
            cart=cart, customer=customer, guest=None if customer else GUEST, slots={shop.pk: slot}, idempotency_key=key
        )
        return order, cart, key


def test_the_service_returns_a_replayed_checkout_only_to_its_cart_or_account(nancy):
    # given a guest's checkout and an account's
    guest_order, guest_cart, guest_key = _place(nancy)
    with tenant_context(nancy):
        claire, mallory = UserFactory(), UserFactory()
    account_order, account_cart, account_key = _place(nancy, customer=claire)
    with tenant_context(nancy):
        # then the same cart, the same account get their orders back
        assert order_place(cart=guest_cart, guest=GUEST, slots={}, idempotency_key=guest_key) == [guest_order]
        assert order_place(cart=Cart(), customer=claire, slots={}, idempotency_key=account_key) == [account_order]
        # and anyone else gets a refusal that carries nothing of them
        for cart, customer, key in (
            (Cart(), None, guest_key),
            (Cart(), mallory, guest_key),
            (Cart(), claire, guest_key),
            (guest_cart, None, account_key),
            (Cart(), mallory, account_key),
        ):
            with pytest.raises(CheckoutKeyTaken) as refused:
                order_place(cart=cart, customer=customer, guest=GUEST, slots={}, idempotency_key=key)
            assert guest_order.pickup_code not in str(refused.value.messages)


def test_a_guests_order_is_not_cancelled_without_proof_that_it_is_theirs(nancy):
    # given a guest's order
    order, _cart, _key = _place(nancy)
    with tenant_context(nancy):
        stranger = UserFactory()
        # when / then: neither an anonymous call nor a signed-in stranger may cancel it
        with pytest.raises(NotTheCustomer):
            order_cancel(order=order, actor=None)
        with pytest.raises(NotTheCustomer):
            order_cancel(order=order, actor=stranger)
        assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED


def test_the_demo_orders_keys_are_random(nancy, settings, tmp_path):
    # given the demo's orders (their keys were derived from the host, the shop and the stage)
    from vitrine.devtools.demo_data import demo_territory_seed

    settings.MEDIA_ROOT = str(tmp_path / "media")
    demo_territory_seed(territory=nancy, data_schema="nancy")
    with tenant_context(nancy):
        keys = list(Order.objects.values_list("idempotency_key", "shop_id"))
    # then every key is a random one (UUID version 4), none derivable from what anyone can see
    assert keys and all(key.version == 4 for key, _shop in keys)
    guessable = {
        uuid.uuid5(uuid.NAMESPACE_URL, f"nancy.localhost/{shop}/{stage}") for _k, shop in keys for stage in range(3)
    }
    assert not guessable & {key for key, _shop in keys}
