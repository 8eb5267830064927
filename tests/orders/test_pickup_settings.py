"""A shop's pickup settings (/pro/commandes/reglages/): the owner sets them, the checkout's slots follow."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import tenant_context
from orders_helpers import NOW, at, client_on, order_row, shop_open_every_day

from vitrine.accounts.models import User
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import CheckoutError, Guest, order_place
from vitrine.orders.models import Cart, Order, PickupSettings
from vitrine.orders.selectors import checkout_slots
from vitrine.orders.settings_services import pickup_settings_update
from vitrine.shops.models import ShopMember
from vitrine.testing.factories import ProductFactory, UserFactory

URL = "/pro/commandes/reglages/"


def employee_of(shop):
    employee = UserFactory(role=User.Role.MERCHANT, full_name="Léa Vendeuse")
    ShopMember.objects.create(shop=shop, user=employee, role=ShopMember.Role.EMPLOYEE)
    return employee


def test_the_owner_sets_lead_time_slot_length_and_capacity_and_the_checkout_follows(nancy):
    # given a shop with the defaults: 2 h to prepare, 30 min slots, no limit
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Fromagerie Saint-Epvre")
        before = checkout_slots(shop=shop, now=NOW)
    assert before[0].starts_at == at(30, 11) and before[0].remaining is None
    owner = client_on(nancy, shop.owner_user)

    # when the owner chooses 30 min, 1 h slots, 2 orders per slot
    page = owner.get(URL).content.decode()
    assert "Temps de préparation" in page and "24 h (prêt le lendemain)" in page
    response = owner.post(URL, {"lead_time_minutes": "30", "slot_minutes": "60", "slot_capacity": "2"}, follow=True)

    # then it is saved, said in French, and the next checkouts get these slots
    assert response.status_code == 200 and "Réglages du retrait enregistrés" in response.content.decode()
    with tenant_context(nancy):
        settings = PickupSettings.objects.get(shop=shop)
        assert (settings.lead_time_minutes, settings.slot_minutes, settings.slot_capacity) == (30, 60, 2)
        assert settings.updated_by == shop.owner_user
        order_row(shop, status="accepted", pickup=at(30, 10))  # one place of the 10:00 slot taken
        after = checkout_slots(shop=shop, now=NOW)
    assert [s.starts_at for s in after[:3]] == [at(30, 10), at(30, 11), at(30, 14)]  # 9:00 + 30 min -> 10:00
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in after)
    assert [s.remaining for s in after[:2]] == [1, 2]


def test_an_empty_capacity_means_no_limit(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        PickupSettings.objects.create(shop=shop, slot_capacity=3)
    owner = client_on(nancy, shop.owner_user)
    owner.post(URL, {"lead_time_minutes": "120", "slot_minutes": "30", "slot_capacity": ""})
    with tenant_context(nancy):
        assert PickupSettings.objects.get(shop=shop).slot_capacity is None
        assert checkout_slots(shop=shop, now=NOW)[0].remaining is None


@pytest.mark.parametrize(
    "data,message",
    [
        ({"lead_time_minutes": "120", "slot_minutes": "30", "slot_capacity": "0"}, "au moins 1 commande par créneau"),
        ({"lead_time_minutes": "120", "slot_minutes": "30", "slot_capacity": "beaucoup"}, "nombre entier de commandes"),
        (
            {"lead_time_minutes": "120", "slot_minutes": "30", "slot_capacity": "500"},
            "100 commandes par créneau au plus",
        ),
        ({"lead_time_minutes": "7", "slot_minutes": "30", "slot_capacity": ""}, "Sélectionnez un choix valide"),
        ({"lead_time_minutes": "120", "slot_minutes": "", "slot_capacity": ""}, "Ce champ est obligatoire"),
    ],
)
def test_bad_settings_get_a_french_message_and_change_nothing(nancy, data, message):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        PickupSettings.objects.create(shop=shop, lead_time_minutes=60, slot_minutes=15, slot_capacity=4)
    response = client_on(nancy, shop.owner_user).post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(nancy):
        settings = PickupSettings.objects.get(shop=shop)
        assert (settings.lead_time_minutes, settings.slot_minutes, settings.slot_capacity) == (60, 15, 4)


def test_the_service_refuses_values_the_form_would_not_offer(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        with pytest.raises(ValidationError) as error:
            pickup_settings_update(
                shop=shop, actor=shop.owner_user, lead_time_minutes=5 * 24 * 60, slot_minutes=2, slot_capacity=0
            )
        assert set(error.value.message_dict) == {"lead_time_minutes", "slot_minutes", "slot_capacity"}
        assert not PickupSettings.objects.filter(shop=shop).exists()


def test_an_employee_sees_the_board_but_cannot_change_the_settings(nancy):
    # given an employee of the shop
    with tenant_context(nancy):
        shop = shop_open_every_day()
        PickupSettings.objects.create(shop=shop, lead_time_minutes=60)
        employee = employee_of(shop)
    client = client_on(nancy, employee)
    # when / then: no settings link on the board, 403 on the page, nothing changed
    board = client.get("/pro/commandes/").content.decode()
    assert URL not in board
    assert URL in client_on(nancy, shop.owner_user).get("/pro/commandes/").content.decode()
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"lead_time_minutes": "15", "slot_minutes": "10", "slot_capacity": "1"}).status_code == 403
    with tenant_context(nancy):
        assert PickupSettings.objects.get(shop=shop).lead_time_minutes == 60
        with pytest.raises(PermissionDenied):
            pickup_settings_update(shop=shop, actor=employee, lead_time_minutes=15, slot_minutes=10, slot_capacity=None)


def test_an_owner_changes_only_their_own_shop(nancy):
    with tenant_context(nancy):
        mine, theirs = shop_open_every_day(), shop_open_every_day()
    client_on(nancy, mine.owner_user).post(URL, {"lead_time_minutes": "30", "slot_minutes": "60", "slot_capacity": ""})
    with tenant_context(nancy):
        assert PickupSettings.objects.get(shop=mine).slot_minutes == 60
        assert not PickupSettings.objects.filter(shop=theirs).exists()
        with pytest.raises(PermissionDenied):
            pickup_settings_update(
                shop=theirs, actor=mine.owner_user, lead_time_minutes=30, slot_minutes=60, slot_capacity=None
            )


def test_a_value_set_before_keeps_its_choice(nancy):
    # 90 minutes is not one of the offered choices: the form still shows and keeps it
    with tenant_context(nancy):
        shop = shop_open_every_day()
        PickupSettings.objects.create(shop=shop, lead_time_minutes=90)
    page = client_on(nancy, shop.owner_user).get(URL).content.decode()
    assert '<option value="90" selected>1 h 30</option>' in page


def test_orders_placed_before_a_longer_slot_length_still_fill_the_new_slot(nancy):
    # given a shop taking 1 order per 30-minute slot, with an order for 14:30 on Monday
    with tenant_context(nancy):
        shop = shop_open_every_day()
        PickupSettings.objects.create(shop=shop, slot_minutes=30, slot_capacity=1)
        order_row(shop, status="accepted", pickup=at(30, 14, 30))
        order_row(shop, status="cancelled", pickup=at(30, 15, 15))  # gave its place back
    owner = client_on(nancy, shop.owner_user)
    # when the owner moves to 1-hour slots
    owner.post(URL, {"lead_time_minutes": "120", "slot_minutes": "60", "slot_capacity": "1"})
    # then the 14:00-15:00 slot holds the 14:30 order: full, and a checkout cannot take it
    with tenant_context(nancy):
        monday = [(slot.starts_at, slot.remaining) for slot in checkout_slots(shop=shop, now=NOW)][:4]
        assert monday == [(at(30, 11), 1), (at(30, 14), 0), (at(30, 15), 1), (at(30, 16), 1)]
        cart = Cart.objects.create()
        cart_add(cart=cart, product_id=ProductFactory(shop=shop, stock=3).pk, quantity=1)
        with pytest.raises(CheckoutError, match="complet"):
            order_place(
                cart=cart,
                guest=Guest(name="Paul", email="paul@example.fr", phone="0612345678"),
                slots={shop.pk: at(30, 14)},
                idempotency_key=uuid.uuid4(),
                now=NOW,
            )
        assert Order.objects.filter(shop=shop).count() == 2
