"""Deleting one's account (GDPR): refused while orders are open or a shop depends on it; otherwise
the person goes, their cart too, and their past orders stay with the shops, anonymised."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from accounts_helpers import PASSWORD, client_on, order_place_for
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.cart import cart_add, cart_create
from vitrine.orders.lifecycle import order_accept, order_cancel, order_mark_collected, order_mark_ready
from vitrine.orders.models import Cart, Order, OrderEvent
from vitrine.privacy import services
from vitrine.shops.models import ShopMember
from vitrine.testing.factories import ProductFactory, UserFactory

S = Order.Status


@pytest.fixture
def merchant(shop):
    return shop.members.get().user


def collected(order, merchant):
    for step in (order_accept, order_mark_ready, order_mark_collected):
        step(order=order, actor=merchant)
    return order


def test_deletion_is_refused_while_orders_are_in_progress(in_nancy, shop, shopper, merchant):
    # given: one order placed, one ready, one collected
    placed = order_place_for(shopper, shop, title="Bague argent")
    ready = order_place_for(shopper, shop, title="Collier perles")
    order_accept(order=ready, actor=merchant)
    order_mark_ready(order=ready, actor=merchant)
    done = collected(order_place_for(shopper, shop, title="Broche"), merchant)
    client = client_on(in_nancy, shopper)
    # when: the page, then the form posted anyway with the right password
    page = client.get("/compte/supprimer/").content.decode()
    response = client.post("/compte/supprimer/", {"password": PASSWORD})
    # then: the open orders are listed (not the collected one), with a clear way out; nothing deleted
    assert "Vous avez des commandes en cours : annulez-les ou retirez-les d’abord" in page
    assert f'href="/compte/commandes/{placed.pk}/"' in page and f'href="/compte/commandes/{ready.pk}/"' in page
    assert f'href="/compte/commandes/{done.pk}/"' not in page
    assert 'name="password"' not in page
    assert response.status_code == 400
    assert User.objects.filter(pk=shopper.pk).exists()
    assert Order.objects.get(pk=placed.pk).customer_name == "Claire Blaison"
    # and the service refuses too, naming the orders
    with pytest.raises(services.AccountDeletionRefused) as refused:
        services.account_delete(user=shopper)
    assert {o.pk for o in refused.value.orders} == {placed.pk, ready.pk}


def test_a_wrong_password_deletes_nothing(in_nancy, shopper):
    response = client_on(in_nancy, shopper).post("/compte/supprimer/", {"password": "pas-le-bon"})
    assert response.status_code == 400
    assert "Ce n’est pas votre mot de passe." in response.content.decode()
    assert User.objects.filter(pk=shopper.pk).exists()


def test_deletion_anonymises_past_orders_and_signs_out(in_nancy, shop, shopper, merchant):
    # given: a collected order, a cancelled one, a cart with a line, emails they were sent
    kept = collected(order_place_for(shopper, shop, title="Bague argent", quantity=2), merchant)
    cancelled = order_place_for(shopper, shop, title="Collier perles")
    order_cancel(order=cancelled, actor=shopper)
    cart = cart_create(user=shopper)
    cart_add(cart=cart, product_id=ProductFactory(shop=shop).pk, quantity=1)
    OutboxEmail.objects.update(status=OutboxEmail.Status.SENT)  # to her and to the shop, about her
    someone_else = order_place_for(UserFactory(full_name="Paul Martin"), shop, title="Broche")
    client = client_on(in_nancy, shopper)
    # when
    response = client.post("/compte/supprimer/", {"password": PASSWORD}, follow=True)
    # then: a confirmation, signed out
    assert response.redirect_chain[-1][0] == "/compte/supprime/"
    assert "Votre compte est supprimé" in response.content.decode()
    assert client.get("/compte/")["Location"].startswith("/compte/connexion/")
    # the person, their cart and the emails they were sent are gone
    assert not User.objects.filter(email="claire@example.fr").exists()
    assert not Cart.objects.filter(pk=cart.pk).exists()
    assert not OutboxEmail.objects.filter(to__contains=["claire@example.fr"]).exists()
    # and so is her address from the shop's copies of her contact details (its new-order emails, kept)
    assert not OutboxEmail.objects.filter(body__contains="claire@example.fr").exists()
    assert OutboxEmail.objects.filter(body__contains="client-supprime@vitrine.invalid").exists()
    # their orders stay, for the shop's records, without name, email, phone or link
    for order in (kept, cancelled):
        order.refresh_from_db()
        assert (order.customer_id, order.customer_name, order.phone) == (None, "Client supprimé", "")
        assert order.email.endswith(".invalid")
    assert (kept.status, kept.total, kept.lines.get().quantity) == (S.COLLECTED, Decimal("49.80"), 2)
    assert cancelled.status == S.CANCELLED
    labels = set(OrderEvent.objects.filter(order__in=[kept, cancelled]).values_list("actor_label", flat=True))
    assert "Claire Blaison" not in labels and "Client supprimé" in labels
    # nobody else's order is touched
    someone_else.refresh_from_db()
    assert someone_else.customer_name == "Paul Martin"


def test_the_shop_still_finds_the_anonymised_order(in_nancy, shop, shopper, merchant):
    # given: a collected order, then the account deleted
    order = collected(order_place_for(shopper, shop), merchant)
    services.account_delete(user=shopper)
    # when: the shop looks it up at the counter by its code
    page = client_on(in_nancy, merchant).get(f"/pro/commandes/?q={order.pickup_code}").content.decode()
    # then
    assert order.pickup_code in page and "Client supprimé" in page
    assert "Claire Blaison" not in page


def test_a_deleted_account_can_no_longer_sign_in(in_nancy, shopper):
    # given
    client_on(in_nancy, shopper).post("/compte/supprimer/", {"password": PASSWORD})
    # when
    response = client_on(in_nancy).post("/compte/connexion/", {"username": "claire@example.fr", "password": PASSWORD})
    # then
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session
    # and the address is free for a new account
    assert (
        client_on(in_nancy)
        .post(
            "/compte/inscription/",
            {
                "full_name": "Claire Blaison",
                "email": "claire@example.fr",
                "password": "un-panier-de-mirabelles",
                "privacy": "on",
            },
        )
        .status_code
        == 302
    )


def test_a_shop_owner_cannot_delete_their_account_here(in_nancy, shop, merchant):
    # when
    client = client_on(in_nancy, merchant)
    page = client.get("/compte/supprimer/").content.decode()
    response = client.post("/compte/supprimer/", {"password": PASSWORD})
    # then: told to contact the territory team; the shop keeps its owner
    assert "Contactez l’équipe du territoire" in page
    assert response.status_code == 400
    assert ShopMember.objects.filter(shop=shop, user=merchant, role=ShopMember.Role.OWNER).exists()


def test_a_shop_employee_may_delete_their_account(in_nancy, shop, merchant):
    # given
    employee = UserFactory(role=User.Role.MERCHANT, full_name="Léa Vendeuse")
    ShopMember.objects.create(shop=shop, user=employee, role=ShopMember.Role.EMPLOYEE)
    order = order_place_for(UserFactory(), shop)
    order_accept(order=order, actor=employee)
    # when
    services.account_delete(user=employee)
    # then: the shop keeps its owner and its order history, without the employee's name
    assert list(shop.members.values_list("user_id", flat=True)) == [merchant.pk]
    assert not OrderEvent.objects.filter(actor_label="Léa Vendeuse").exists()
    assert OrderEvent.objects.filter(order=order, to_status=S.ACCEPTED, actor_label="Compte supprimé").exists()


def test_the_last_territory_admin_cannot_delete_their_account(in_nancy):
    # given: one administrator only
    admin = UserFactory(role=User.Role.TERRITORY_ADMIN)
    User.objects.filter(role=User.Role.TERRITORY_ADMIN).exclude(pk=admin.pk).update(role=User.Role.TERRITORY_STAFF)
    # when / then
    with pytest.raises(services.AccountDeletionRefused) as refused:
        services.account_delete(user=admin)
    assert refused.value.code == "last_admin"
    assert User.objects.filter(pk=admin.pk).exists()
    # with a second administrator, the first may go
    UserFactory(role=User.Role.TERRITORY_ADMIN)
    services.account_delete(user=admin)
    assert not User.objects.filter(pk=admin.pk).exists()


def test_my_data_downloads_as_json(in_nancy, shop, shopper):
    # given
    order = order_place_for(shopper, shop, title="Bague argent")
    order_place_for(UserFactory(full_name="Paul Martin"), shop, title="Broche")
    order_cancel(order=order, actor=shopper)  # a decision of theirs, in the territory's trail
    # when
    response = client_on(in_nancy, shopper).get("/compte/donnees/")
    # then: a file with the profile and my orders only
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees-nancy.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == "claire@example.fr" and data["account"]["name"] == "Claire Blaison"
    assert [o["pickup_code"] for o in data["orders"]] == [order.pickup_code]
    assert data["orders"][0]["lines"][0]["title"] == "Bague argent"
    assert data["orders"][0]["phone"] == "06 12 34 56 78"
    assert data["orders"][0]["history"][0]["to"] == "placed"
    assert [(d["what"], d["on"]) for d in data["decisions"]] == [("order.cancelled", order.pickup_code)]


def test_deletion_in_nancy_leaves_limoges_alone(nancy, limoges):
    # given: the same address has an account in each territory
    with tenant_context(nancy):
        claire_nancy = UserFactory(email="claire@example.fr")
    with tenant_context(limoges):
        UserFactory(email="claire@example.fr")
    # when: the Nancy account is deleted
    client_on(nancy, claire_nancy).post("/compte/supprimer/", {"password": PASSWORD})
    # then: Limoges' account is untouched
    with tenant_context(nancy):
        assert not User.objects.filter(email="claire@example.fr").exists()
    with tenant_context(limoges):
        assert User.objects.filter(email="claire@example.fr").exists()


def test_deleting_a_territory_account_leaves_the_console_operator_with_the_same_id_alone(in_nancy, shopper):
    # given: a console operator in the public schema whose id is the shopper's id in Nancy
    from django.db import connection

    from vitrine.tenancy.models import AuditEntry, ProvisioningJob

    connection.set_schema_to_public()
    operator = User.objects.create_user("operateur@vitrine.example", role=User.Role.OPERATOR)
    User.objects.filter(pk=operator.pk).update(id=shopper.pk)
    entry = AuditEntry.objects.create(actor_id=shopper.pk, actor_email="operateur@vitrine.example", action="domain.add")
    job = ProvisioningJob.objects.create(params={}, requested_by_id=shopper.pk)
    connection.set_tenant(in_nancy)

    # when: the Nancy shopper deletes her account
    services.account_delete(user=shopper)

    # then: the operator's audit trail and jobs still name the operator
    connection.set_schema_to_public()
    entry.refresh_from_db()
    job.refresh_from_db()
    assert entry.actor_id == shopper.pk and job.requested_by_id == shopper.pk
    assert User.objects.filter(pk=shopper.pk, email="operateur@vitrine.example").exists()
    connection.set_tenant(in_nancy)
