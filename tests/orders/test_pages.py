"""Cart and checkout pages, as a shopper on their territory's host."""

import re
import uuid

from django_tenants.utils import tenant_context
from orders_helpers import client_on, shop_open_every_day

from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots
from vitrine.testing.factories import ProductFactory, UserFactory, VariantFactory


def world(territory):
    with tenant_context(territory):
        bijoux = shop_open_every_day(name="Bijouterie Stanislas")
        deco = shop_open_every_day(name="Déco Saint-Epvre")
        return {
            "bijoux": bijoux,
            "deco": deco,
            "ring": ProductFactory(shop=bijoux, title="Bague argent", stock=2),
            "vase": ProductFactory(shop=deco, title="Vase en verre", stock=4),
        }


def first_slot(territory, shop):
    with tenant_context(territory):
        return checkout_slots(shop=shop)[0].value


def test_guest_adds_from_two_shops_and_checks_out(nancy):
    # given
    w = world(nancy)
    client = client_on(nancy)
    # when: add from the product page's form, from two shops
    response = client.post(f"/panier/ajouter/{w['ring'].pk}/", {"quantity": "2"}, follow=True)
    assert "« Bague argent » est dans votre panier." in response.content.decode()
    client.post(f"/panier/ajouter/{w['vase'].pk}/", {"quantity": "1"})
    cart_page = client.get("/panier/").content.decode()
    # then: grouped by shop, with subtotals, and the header counts 3 items
    assert cart_page.index("Bijouterie Stanislas") < cart_page.index("Déco Saint-Epvre")
    assert "49,80\xa0€" in cart_page
    assert "Panier (3)" in cart_page
    # when: checkout as a guest
    page = client.get("/panier/commande/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page).group(1)
    form = {
        "idempotency_key": key,
        "name": "Claire Blaison",
        "email": "claire@example.fr",
        "phone": "06 12 34 56 78",
        f"slot-{w['bijoux'].pk}": first_slot(nancy, w["bijoux"]),
        f"slot-{w['deco'].pk}": first_slot(nancy, w["deco"]),
    }
    response = client.post("/panier/commande/", form)
    # then: two orders, a confirmation page with codes and QR codes
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    with tenant_context(nancy):
        orders = list(Order.objects.filter(idempotency_key=key))
        assert len(orders) == 2
        assert OutboxEmail.objects.filter(to=["claire@example.fr"], subject__contains="code de retrait").count() == 2
    assert "Vos 2 commandes sont passées" in done
    for order in orders:
        assert order.pickup_code in done
    assert done.count("<svg") == 2
    # when: the same form again (double tap): the same orders
    again = client.post("/panier/commande/", form)
    assert again["Location"] == response["Location"]
    with tenant_context(nancy):
        assert Order.objects.filter(idempotency_key=key).count() == 2
        assert Product.objects.get(pk=w["ring"].pk).stock == 0


def test_checkout_errors_are_announced_and_nothing_is_ordered(nancy):
    # given
    w = world(nancy)
    client = client_on(nancy)
    client.post(f"/panier/ajouter/{w['ring'].pk}/", {"quantity": "1"})
    # when: no slot, a bad email
    response = client.post(
        "/panier/commande/",
        {"idempotency_key": str(uuid.uuid4()), "name": "Claire", "email": "pas-un-email", "phone": "0612345678"},
    )
    # then
    page = response.content.decode()
    assert response.status_code == 422
    assert 'role="alert"' in page and "Saisissez une adresse e-mail valide" in page
    with tenant_context(nancy):
        assert not Order.objects.filter(shop=w["bijoux"]).exists()


def test_too_many_is_refused_with_a_message(nancy):
    w = world(nancy)
    client = client_on(nancy)
    response = client.post(f"/panier/ajouter/{w['ring'].pk}/", {"quantity": "3"}, follow=True)
    assert "Seulement 2 « Bague argent » peuvent être commandés." in response.content.decode()
    with tenant_context(nancy):
        assert not Cart.objects.filter(lines__product=w["ring"]).exists()


def test_a_missing_size_is_said_beside_the_size_selector(nancy):
    # given a ring sold in two sizes
    w = world(nancy)
    with tenant_context(nancy):
        VariantFactory(product=w["ring"], name="52")
        VariantFactory(product=w["ring"], name="56")

    # when a shopper adds it to the cart without a size, asking for 2
    response = client_on(nancy).post(f"/panier/ajouter/{w['ring'].pk}/", {"variant": "", "quantity": "2"})

    # then the product page comes back with the error next to the selector, tied to it, focused
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(
        r'<label for="buy-variant">Variante</label>\s*<p class="field-error" id="buy-variant-error">'
        r'<span aria-hidden="true">⚠ </span>Choisissez d’abord une variante',
        page,
    )
    assert (
        '<select id="buy-variant" name="variant" aria-invalid="true" aria-describedby="buy-variant-error" autofocus>'
        in page
    )
    assert 'name="quantity" value="2"' in page  # what they typed is kept
    assert 'class="messages"' not in page
    with tenant_context(nancy):
        assert not Cart.objects.filter(lines__product=w["ring"]).exists()


def test_too_many_is_said_beside_the_quantity(nancy):
    w = world(nancy)

    response = client_on(nancy).post(f"/panier/ajouter/{w['ring'].pk}/", {"quantity": "3"})

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="buy-quantity-error"' in page and "Seulement 2 « Bague argent » peuvent être commandés." in page
    assert 'aria-invalid="true" aria-describedby="buy-quantity-error" autofocus' in page


def test_the_product_page_posts_to_the_cart(nancy):
    w = world(nancy)
    page = client_on(nancy).get(f"/boutiques/{w['bijoux'].slug}/{w['ring'].slug}/")
    if page.status_code == 404:  # the catalogue's URL shape differs: find it by name
        from django.urls import reverse

        with tenant_context(nancy):
            page = client_on(nancy).get(reverse("product_detail", args=[w["bijoux"].slug, w["ring"].slug]))
    assert f'action="/panier/ajouter/{w["ring"].pk}/"' in page.content.decode()


def test_a_visitor_cart_is_kept_on_sign_in(nancy):
    # given
    w = world(nancy)
    with tenant_context(nancy):
        user = UserFactory(email="claire@example.fr")
    client = client_on(nancy)
    client.post(f"/panier/ajouter/{w['vase'].pk}/", {"quantity": "2"})
    # when
    with tenant_context(nancy):
        client.force_login(user)
    page = client.get("/panier/").content.decode()
    # then
    assert "Vase en verre" in page
    with tenant_context(nancy):
        assert Cart.objects.get(user=user).lines.get().quantity == 2


def test_a_confirmation_page_is_only_for_who_ordered(nancy):
    # given: a guest's orders
    w = world(nancy)
    client = client_on(nancy)
    client.post(f"/panier/ajouter/{w['ring'].pk}/", {"quantity": "1"})
    key = str(uuid.uuid4())
    response = client.post(
        "/panier/commande/",
        {
            "idempotency_key": key,
            "name": "Claire",
            "email": "c@example.fr",
            "phone": "0612345678",
            f"slot-{w['bijoux'].pk}": first_slot(nancy, w["bijoux"]),
        },
    )
    assert response.status_code == 302
    # when / then: another visitor, the same URL
    assert client_on(nancy).get(response["Location"]).status_code == 404


def test_a_nancy_order_page_is_unreachable_from_limoges(nancy, limoges):
    # cross-territory: the same key on Limoges' host finds nothing
    w = world(nancy)
    client = client_on(nancy)
    client.post(f"/panier/ajouter/{w['ring'].pk}/", {"quantity": "1"})
    key = str(uuid.uuid4())
    client.post(
        "/panier/commande/",
        {
            "idempotency_key": key,
            "name": "Claire",
            "email": "c@example.fr",
            "phone": "0612345678",
            f"slot-{w['bijoux'].pk}": first_slot(nancy, w["bijoux"]),
        },
    )
    assert client.get(f"/panier/commande/{key}/").status_code == 200
    limoges_client = client_on(limoges)
    limoges_client.cookies = client.cookies  # even with Nancy's session cookie
    assert limoges_client.get(f"/panier/commande/{key}/").status_code == 404


def test_the_confirmation_offers_to_cancel_exactly_when_the_account_page_does(nancy):
    # given a guest's order
    w = world(nancy)
    client = client_on(nancy)
    client.post(f"/panier/ajouter/{w['ring'].pk}/", {"quantity": "1"})
    response = client.post(
        "/panier/commande/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "name": "Claire",
            "email": "c@example.fr",
            "phone": "0612345678",
            f"slot-{w['bijoux'].pk}": first_slot(nancy, w["bijoux"]),
        },
    )
    done_url = response["Location"]
    with tenant_context(nancy):
        order = Order.objects.get(shop=w["bijoux"])
    offered = {}
    for status in Order.Status:
        with tenant_context(nancy):
            Order.objects.filter(pk=order.pk).update(status=status)
        offered[status] = "Annuler la commande chez Bijouterie Stanislas" in client.get(done_url).content.decode()
    # then: the shopper's rule (Order.can_be_cancelled_by_shopper), awaiting payment included
    assert {status for status, shown in offered.items() if shown} == {"pending_payment", "placed", "accepted"}
    # and a payment still awaited can indeed be cancelled from there
    with tenant_context(nancy):
        Order.objects.filter(pk=order.pk).update(status="pending_payment")
    client.post(f"{done_url}annuler/{order.pk}/")
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == "cancelled"
