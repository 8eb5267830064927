"""The order state machine: legal moves recorded with who and when, illegal ones refused; stock released."""
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from orders_helpers import NOW, at
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders import services
from vitrine.orders.models import Order, OrderEvent, OrderSettings
from vitrine.orders.services import ORDER_TRANSITIONS, Guest, IllegalTransition
from vitrine.testing.factories import UserFactory

S = Order.Status
GUEST = Guest(name="Claire Blaison", email="claire@example.fr", phone="0612345678")


@pytest.fixture
def order(two_shops):
    """A placed order of 2 rings (stock 5 -> 3) at the jeweller's, pickup Monday 14:00."""
    services.cart_add(cart=two_shops["cart"], product_id=two_shops["ring"].pk, quantity=2)
    placed, = services.order_place(cart=two_shops["cart"], guest=GUEST, slots={two_shops["bijoux"].pk: at(30, 14)},
                                   idempotency_key=uuid.uuid4(), now=NOW)
    return placed


def ring_stock(order):
    return Product.objects.get(pk=order.lines.get().product_id).stock


def test_the_happy_path_records_every_transition(order):
    # given
    merchant = order.shop.owner_user if hasattr(order.shop, "owner_user") else order.shop.members.get().user
    # when
    services.order_accept(order=order, actor=merchant)
    services.order_mark_ready(order=order, actor=merchant)
    services.order_mark_collected(order=order, actor=merchant)
    # then
    order.refresh_from_db()
    assert order.status == S.COLLECTED
    events = list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status", "actor"))
    assert events == [("", "placed", None), ("placed", "accepted", merchant.pk), ("accepted", "ready", merchant.pk),
                      ("ready", "collected", merchant.pk)]
    assert all(e.created_at for e in order.events.all())
    assert OutboxEmail.objects.filter(to=["claire@example.fr"], subject__endswith="est prête").count() == 1
    assert ring_stock(order) == 3  # collected: the stock stays sold


def test_the_transition_table_is_explicit_and_closed():
    assert set(ORDER_TRANSITIONS) == set(S.values)
    assert ORDER_TRANSITIONS[S.PENDING_PAYMENT] == {S.PLACED, S.CANCELLED}
    assert ORDER_TRANSITIONS[S.READY] == {S.COLLECTED, S.NOT_COLLECTED}
    for final in (S.COLLECTED, S.REFUSED, S.CANCELLED, S.NOT_COLLECTED):
        assert ORDER_TRANSITIONS[final] == frozenset()


@pytest.mark.parametrize("start,target", [
    (S.PLACED, S.ACCEPTED), (S.PLACED, S.REFUSED), (S.PLACED, S.CANCELLED), (S.ACCEPTED, S.READY),
    (S.ACCEPTED, S.REFUSED), (S.ACCEPTED, S.CANCELLED), (S.ACCEPTED, S.NOT_COLLECTED), (S.READY, S.COLLECTED),
    (S.READY, S.NOT_COLLECTED), (S.PENDING_PAYMENT, S.PLACED), (S.PENDING_PAYMENT, S.CANCELLED),
])
def test_every_legal_transition(order, start, target):
    # given
    Order.objects.filter(pk=order.pk).update(status=start)
    actor = UserFactory()
    # when
    services.order_transition(order=order, to=target, actor=actor, note="raison")
    # then
    order.refresh_from_db()
    assert order.status == target
    assert OrderEvent.objects.filter(order=order, from_status=start, to_status=target, actor=actor).exists()


@pytest.mark.parametrize("start,target", [
    (S.PLACED, S.READY), (S.PLACED, S.COLLECTED), (S.READY, S.CANCELLED), (S.READY, S.REFUSED),
    (S.COLLECTED, S.CANCELLED), (S.CANCELLED, S.PLACED), (S.REFUSED, S.ACCEPTED), (S.NOT_COLLECTED, S.COLLECTED),
    (S.PLACED, S.PENDING_PAYMENT),
])
def test_an_illegal_transition_is_refused_with_a_clear_error(order, start, target):
    # given
    Order.objects.filter(pk=order.pk).update(status=start)
    # when
    with pytest.raises(IllegalTransition) as error:
        services.order_transition(order=order, to=target, actor=None)
    # then
    assert isinstance(error.value, ValidationError)
    assert error.value.messages[0] == (
        f"Cette commande est « {S(start).label} » : elle ne peut pas devenir « {S(target).label} »."
    )
    order.refresh_from_db()
    assert order.status == start
    assert not OrderEvent.objects.filter(order=order, to_status=target, from_status=start).exists()


def test_a_shopper_cannot_cancel_once_ready(order):
    merchant = order.shop.members.get().user
    services.order_accept(order=order, actor=merchant)
    services.order_mark_ready(order=order, actor=merchant)
    with pytest.raises(IllegalTransition, match="Prête à retirer"):
        services.order_cancel(order=order, actor=None)
    assert ring_stock(order) == 3


def test_cancelling_releases_the_stock_and_tells_both_sides(order):
    # when
    services.order_cancel(order=order, actor=None)
    # then
    assert ring_stock(order) == 5
    assert OutboxEmail.objects.filter(to=["claire@example.fr"], subject__endswith="est annulée").count() == 1
    assert OutboxEmail.objects.filter(to=[order.shop.email], subject__startswith="Commande").count() == 1


def test_refusing_needs_a_reason_and_releases_the_stock(order):
    merchant = order.shop.members.get().user
    # when / then: no reason, nothing changes
    with pytest.raises(ValidationError, match="pourquoi"):
        services.order_refuse(order=order, actor=merchant, reason="  ")
    order.refresh_from_db()
    assert order.status == S.PLACED and ring_stock(order) == 3
    # when
    services.order_refuse(order=order, actor=merchant, reason="Plus en taille 52, désolée")
    # then
    order.refresh_from_db()
    assert order.status == S.REFUSED and order.refusal_reason == "Plus en taille 52, désolée"
    assert ring_stock(order) == 5
    assert "Plus en taille 52" in OutboxEmail.objects.get(subject__endswith="pas pu accepter votre commande").body


def test_someone_outside_the_shop_cannot_move_its_orders(order):
    with pytest.raises(PermissionError):
        services.order_accept(order=order, actor=UserFactory())
    order.refresh_from_db()
    assert order.status == S.PLACED


def test_not_collected_orders_expire_after_the_territory_days_and_release_stock(order):
    # given: 2 days in this territory; the order was ready on Monday
    OrderSettings.objects.update_or_create(pk=1, defaults={"not_collected_after_days": 2})
    merchant = order.shop.members.get().user
    services.order_accept(order=order, actor=merchant)
    services.order_mark_ready(order=order, actor=merchant)
    # when: a day and a half later, a reminder; after two days, released
    reminded, expired = services.orders_expire_due(now=at(30, 14, 30) + timedelta(days=1, hours=12))
    again = services.orders_expire_due(now=at(30, 14, 30) + timedelta(days=1, hours=13))
    assert (reminded, expired) == (1, 0) and again == (0, 0)
    assert ring_stock(order) == 3
    reminded, expired = services.orders_expire_due(now=at(30, 14, 30) + timedelta(days=2, minutes=1))
    # then
    order.refresh_from_db()
    assert expired == 1 and order.status == S.NOT_COLLECTED
    assert ring_stock(order) == 5
    assert OrderEvent.objects.get(order=order, to_status=S.NOT_COLLECTED).actor is None
    assert OutboxEmail.objects.filter(subject__startswith="Rappel").count() == 1
    assert services.orders_expire_due(now=at(30, 14, 30) + timedelta(days=9)) == (0, 0)  # safe to rerun
