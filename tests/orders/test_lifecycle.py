"""The order state machine: legal moves recorded with who and when, illegal ones refused; stock released."""

import re
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from orders_helpers import NOW, at

from vitrine.audit.models import AuditEvent
from vitrine.catalog.models import Product
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.lifecycle import (
    ORDER_EFFECTS,
    IllegalTransition,
    order_accept,
    order_cancel,
    order_mark_collected,
    order_mark_ready,
    order_refuse,
    order_transition,
    orders_expire_due,
)
from vitrine.orders.links import ShopperProof
from vitrine.orders.models import ORDER_TRANSITIONS, Order, OrderEvent, OrderSettings
from vitrine.shops.permissions import NotTheCustomer
from vitrine.testing.factories import UserFactory

S = Order.Status
GUEST = Guest(name="Claire Blaison", email="claire@example.fr", phone="0612345678")


def _placed(two_shops, *, item: str = "ring", quantity: int = 2, customer=None, **options):
    """An order placed now for Monday 14:00: a guest's, or `customer`'s."""
    product = two_shops[item]
    cart_add(cart=two_shops["cart"], product_id=product.pk, quantity=quantity)
    (placed,) = order_place(
        cart=two_shops["cart"],
        customer=customer,
        guest=None if customer else GUEST,
        slots={product.shop_id: at(30, 14)},
        idempotency_key=uuid.uuid4(),
        now=NOW,
        **options,
    )
    return placed


def _guests_link(order):
    """What a guest shows to cancel their order: the signed link of its emails."""
    return ShopperProof(order_id=order.pk, via="link")


@pytest.fixture
def order(two_shops):
    """A placed order of 2 rings (stock 5 -> 3) at the jeweller's, pickup Monday 14:00."""
    return _placed(two_shops)


def ring_stock(order):
    return Product.objects.get(pk=order.lines.get().product_id).stock


def test_the_happy_path_records_every_transition(order):
    # given
    merchant = order.shop.owner_user if hasattr(order.shop, "owner_user") else order.shop.members.get().user
    # when
    order_accept(order=order, actor=merchant)
    order_mark_ready(order=order, actor=merchant)
    order_mark_collected(order=order, actor=merchant)
    # then
    order.refresh_from_db()
    assert order.status == S.COLLECTED
    events = list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status", "actor"))
    assert events == [
        ("", "placed", None),
        ("placed", "accepted", merchant.pk),
        ("accepted", "ready", merchant.pk),
        ("ready", "collected", merchant.pk),
    ]
    assert all(e.created_at for e in order.events.all())
    assert OutboxEmail.objects.filter(to=["claire@example.fr"], subject__endswith="est prête").count() == 1
    assert ring_stock(order) == 3  # collected: the stock stays sold


def test_the_transition_table_is_explicit_and_closed():
    assert set(ORDER_TRANSITIONS) == set(S.values)
    assert ORDER_TRANSITIONS[S.PENDING_PAYMENT] == {S.PLACED, S.CANCELLED}
    assert ORDER_TRANSITIONS[S.READY] == {S.COLLECTED, S.NOT_COLLECTED}
    for final in (S.COLLECTED, S.REFUSED, S.CANCELLED, S.NOT_COLLECTED):
        assert ORDER_TRANSITIONS[final] == frozenset()


@pytest.mark.parametrize(
    "start,target",
    [
        (S.PLACED, S.ACCEPTED),
        (S.PLACED, S.REFUSED),
        (S.PLACED, S.CANCELLED),
        (S.ACCEPTED, S.READY),
        (S.ACCEPTED, S.REFUSED),
        (S.ACCEPTED, S.CANCELLED),
        (S.ACCEPTED, S.NOT_COLLECTED),
        (S.READY, S.COLLECTED),
        (S.READY, S.NOT_COLLECTED),
        (S.PENDING_PAYMENT, S.PLACED),
        (S.PENDING_PAYMENT, S.CANCELLED),
    ],
)
def test_every_legal_transition(order, start, target):
    # given
    Order.objects.filter(pk=order.pk).update(status=start)
    actor = UserFactory()
    # when
    order_transition(order=order, to=target, actor=actor, note="raison")
    # then
    order.refresh_from_db()
    assert order.status == target
    assert OrderEvent.objects.filter(order=order, from_status=start, to_status=target, actor=actor).exists()


@pytest.mark.parametrize(
    "start,target",
    [
        (S.PLACED, S.READY),
        (S.PLACED, S.COLLECTED),
        (S.READY, S.CANCELLED),
        (S.READY, S.REFUSED),
        (S.COLLECTED, S.CANCELLED),
        (S.CANCELLED, S.PLACED),
        (S.REFUSED, S.ACCEPTED),
        (S.NOT_COLLECTED, S.COLLECTED),
        (S.PLACED, S.PENDING_PAYMENT),
    ],
)
def test_an_illegal_transition_is_refused_with_a_clear_error(order, start, target):
    # given
    Order.objects.filter(pk=order.pk).update(status=start)
    # when
    with pytest.raises(IllegalTransition) as error:
        order_transition(order=order, to=target, actor=None)
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
    order_accept(order=order, actor=merchant)
    order_mark_ready(order=order, actor=merchant)
    with pytest.raises(IllegalTransition, match="Prête à retirer"):
        order_cancel(order=order, actor=None, proof=_guests_link(order))
    assert ring_stock(order) == 3


def test_cancelling_releases_the_stock_and_tells_both_sides(order):
    # when
    order_cancel(order=order, actor=None, proof=_guests_link(order))
    # then
    assert ring_stock(order) == 5
    assert OutboxEmail.objects.filter(to=["claire@example.fr"], subject__endswith="est annulée").count() == 1
    assert OutboxEmail.objects.filter(to=[order.shop.email], subject__startswith="Commande").count() == 1


def test_refusing_needs_a_reason_and_releases_the_stock(order):
    merchant = order.shop.members.get().user
    # when / then: no reason, nothing changes
    with pytest.raises(ValidationError, match="pourquoi"):
        order_refuse(order=order, actor=merchant, reason="  ")
    order.refresh_from_db()
    assert order.status == S.PLACED and ring_stock(order) == 3
    # when
    order_refuse(order=order, actor=merchant, reason="Plus en taille 52, désolée")
    # then
    order.refresh_from_db()
    assert order.status == S.REFUSED and order.refusal_reason == "Plus en taille 52, désolée"
    assert ring_stock(order) == 5
    assert "Plus en taille 52" in OutboxEmail.objects.get(subject__endswith="pas pu accepter votre commande").body


def test_someone_outside_the_shop_cannot_move_its_orders(order):
    with pytest.raises(PermissionDenied):
        order_accept(order=order, actor=UserFactory())
    order.refresh_from_db()
    assert order.status == S.PLACED


def test_not_collected_orders_expire_after_the_territory_days_and_release_stock(order):
    # given: 2 days in this territory; the order was ready on Monday
    OrderSettings.objects.update_or_create(pk=1, defaults={"not_collected_after_days": 2})
    merchant = order.shop.members.get().user
    order_accept(order=order, actor=merchant)
    order_mark_ready(order=order, actor=merchant)
    # when: a day and a half later, a reminder; after two days, released
    reminded, expired = orders_expire_due(now=at(30, 14, 30) + timedelta(days=1, hours=12))
    again = orders_expire_due(now=at(30, 14, 30) + timedelta(days=1, hours=13))
    assert (reminded, expired) == (1, 0) and again == (0, 0)
    assert ring_stock(order) == 3
    reminded, expired = orders_expire_due(now=at(30, 14, 30) + timedelta(days=2, minutes=1))
    # then
    order.refresh_from_db()
    assert expired == 1 and order.status == S.NOT_COLLECTED
    assert ring_stock(order) == 5
    assert OrderEvent.objects.get(order=order, to_status=S.NOT_COLLECTED).actor is None
    assert OutboxEmail.objects.filter(subject__startswith="Rappel").count() == 1
    assert orders_expire_due(now=at(30, 14, 30) + timedelta(days=9)) == (0, 0)  # safe to rerun


def test_releasing_gives_each_row_its_stock_back_in_the_checkouts_lock_order(two_shops):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from vitrine.catalog.models import Variant
    from vitrine.testing.factories import ProductFactory

    # given an order whose lines mix products and variants, out of key order
    shop, cart = two_shops["bijoux"], two_shops["cart"]
    first = ProductFactory(shop=shop, title="Collier", stock=6)
    second = ProductFactory(shop=shop, title="Broche", stock=6)
    shirt = ProductFactory(shop=shop, title="Chemise", stock=0)
    small, large = shirt.variants.create(name="S", stock=4), shirt.variants.create(name="L", stock=4)
    for product, variant, quantity in ((shirt, large, 2), (second, None, 3), (shirt, small, 1), (first, None, 2)):
        cart_add(cart=cart, product_id=product.pk, variant_id=variant.pk if variant else None, quantity=quantity)
    (order,) = order_place(cart=cart, guest=GUEST, slots={shop.pk: at(30, 14)}, idempotency_key=uuid.uuid4(), now=NOW)
    assert [(line.product_id, line.variant_id) for line in order.lines.all()] == [
        (shirt.pk, large.pk),
        (second.pk, None),
        (shirt.pk, small.pk),
        (first.pk, None),
    ]
    # when the shopper cancels it
    with CaptureQueriesContext(connection) as context:
        order_cancel(order=order, actor=None, proof=_guests_link(order))
    # then every row has exactly its stock back
    assert dict(Product.objects.filter(pk__in=[first.pk, second.pk, shirt.pk]).values_list("title", "stock")) == {
        "Collier": 6,
        "Broche": 6,
        "Chemise": 0,
    }
    assert dict(Variant.objects.filter(product=shirt).values_list("name", "stock")) == {"S": 4, "L": 4}
    # and the stock rows were locked then updated like a checkout takes them: products by key, then variants by key
    steps = []
    for query in context.captured_queries:
        sql = query["sql"]
        table = (
            "product"
            if 'FROM "catalog_product"' in sql or sql.startswith('UPDATE "catalog_product"')
            else ("variant" if 'FROM "catalog_variant"' in sql or sql.startswith('UPDATE "catalog_variant"') else None)
        )
        if table and sql.startswith("UPDATE"):
            steps.append(("update", table))
        elif table and sql.endswith("FOR UPDATE"):
            assert re.search(
                rf'SELECT "catalog_{table}"\."id"( AS "pk")? .* ORDER BY (1|"catalog_{table}"\."id") ASC FOR UPDATE$',
                sql,
            ), sql  # by key
            steps.append(("lock", table))
    assert steps == [("lock", "product"), ("update", "product"), ("lock", "variant"), ("update", "variant")]


def test_the_status_sets_follow_the_transition_table():
    # in progress: every status that can still move; awaiting pickup: those once placed (no payment pending)
    assert set(Order.IN_PROGRESS) == {status for status, targets in ORDER_TRANSITIONS.items() if targets}
    assert set(Order.AWAITING_PICKUP) == set(Order.IN_PROGRESS) - {S.PENDING_PAYMENT}
    assert [Order(status=s).awaits_pickup for s in S] == [s in Order.AWAITING_PICKUP for s in S]


def test_a_shopper_may_cancel_exactly_until_the_order_is_ready():
    may = {status for status in S if Order(status=status).can_be_cancelled_by_shopper}
    assert may == {S.PENDING_PAYMENT, S.PLACED, S.ACCEPTED}


def _emails_since(last_id: int, *, until: int | None = None) -> list[tuple[str, str, str]]:
    """The emails queued after the one numbered `last_id` (up to `until`): (to, subject, body)."""
    emails = OutboxEmail.objects.filter(pk__gt=last_id).order_by("pk")
    if until is not None:
        emails = emails.filter(pk__lte=until)
    return [(m.to[0], m.subject, m.body) for m in emails]


def _last_email_id() -> int:
    return OutboxEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_an_order_paid_after_checkout_sends_the_placed_emails_once(two_shops):
    # given an order waiting for its online payment: its stock held, nobody told yet
    before = _last_email_id()
    order = _placed(two_shops, payment_required=True)
    assert order.status == S.PENDING_PAYMENT and ring_stock(order) == 3
    assert _emails_since(before) == []
    # when its payment is confirmed
    order_transition(order=order, to=S.PLACED, actor=None)
    order_transition(order=order, to=S.ACCEPTED, actor=None)
    # then the shopper and the shop get the placed emails, once each, as at a checkout without payment
    sent = _emails_since(before)
    assert [(to, subject) for to, subject, _body in sent] == [
        ("claire@example.fr", f"Votre commande chez Bijouterie Stanislas : code de retrait {order.pickup_code}"),
        (order.shop.email, f"Nouvelle commande {order.pickup_code} de Claire Blaison"),
    ]
    assert all("- 2 × Bague argent : 49,80\xa0€" in body for _to, _subject, body in sent)
    assert list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status")) == [
        ("", S.PENDING_PAYMENT),
        (S.PENDING_PAYMENT, S.PLACED),
        (S.PLACED, S.ACCEPTED),
    ]


def _own_link_out(body: str) -> str:
    return re.sub(r"/commande/[^/\s]+/", "/commande/LINK/", body)


@pytest.mark.parametrize("target", [S.READY, S.REFUSED])
def test_a_direct_transition_sends_the_same_emails_as_the_merchant_action(two_shops, target):
    # given two accepted orders, one ring each
    merchant = two_shops["bijoux"].members.get().user
    orders = []
    for _i in range(2):
        orders.append(order_accept(order=_placed(two_shops, quantity=1), actor=merchant))
    by_action, direct = orders
    # when one moves through the merchant's action, the other straight through order_transition
    first = _last_email_id()
    if target == S.READY:
        order_mark_ready(order=by_action, actor=merchant)
    else:
        order_refuse(order=by_action, actor=merchant, reason="Plus en taille 52")
    second = _last_email_id()
    order_transition(order=direct, to=target, actor=merchant, note="Plus en taille 52" if target == S.REFUSED else "")
    # then each shopper gets the same email (but for the pickup code and the order's own link)
    via_action = [
        (to, subject, _own_link_out(body.replace(by_action.pickup_code, "CODE")))
        for to, subject, body in _emails_since(first, until=second)
    ]
    via_transition = [
        (to, subject, _own_link_out(body.replace(direct.pickup_code, "CODE")))
        for to, subject, body in _emails_since(second)
    ]
    assert len(via_action) == 1 and via_action == via_transition


def test_an_unpaid_order_is_cancelled_after_the_territory_delay_and_its_stock_comes_back(two_shops):
    # given a territory that waits 20 minutes for a payment, and an order waiting for its payment (stock 5 -> 3)
    OrderSettings.objects.update_or_create(pk=1, defaults={"unpaid_release_minutes": 20})
    order = _placed(two_shops, payment_required=True)
    assert ring_stock(order) == 3
    before = _last_email_id()
    # when the expiry job runs 19 minutes after the checkout, then 21 minutes after, then again
    early = orders_expire_due(now=order.created_at + timedelta(minutes=19))
    due = orders_expire_due(now=order.created_at + timedelta(minutes=21))
    again = orders_expire_due(now=order.created_at + timedelta(minutes=22))
    # then the order is cancelled once, by the system, and its stock is back
    assert (early, due, again) == ((0, 0), (0, 1), (0, 0))
    order.refresh_from_db()
    assert order.status == S.CANCELLED and ring_stock(order) == 5
    event = OrderEvent.objects.get(order=order, to_status=S.CANCELLED)
    assert (event.from_status, event.actor, event.note) == (S.PENDING_PAYMENT, None, "non payée à temps")
    # the shopper is told; the shop, which never saw the order, is not
    assert [(to, subject) for to, subject, _body in _emails_since(before)] == [
        ("claire@example.fr", "Votre commande chez Bijouterie Stanislas est annulée")
    ]


def test_every_state_has_its_effects_written_down():
    assert set(ORDER_EFFECTS) == set(S.values)


def test_every_order_move_is_in_the_territorys_audit_trail_with_who_decided(order):
    # given a merchant of the shop, and an order of theirs
    merchant = order.shop.members.get().user
    # when they accept it and prepare it, and the expiry job later releases it
    order_accept(order=order, actor=merchant)
    order_mark_ready(order=order, actor=merchant)
    orders_expire_due(now=at(30, 14, 30) + timedelta(days=30))
    # then each move is a row: verb, the order (by its pickup code), who (the merchant, then the system)
    rows = list(
        AuditEvent.objects.filter(object_type="order", object_id=order.pk)
        .order_by("id")
        .values_list("verb", "actor_id", "actor_label", "object_label", "payload")
    )
    assert [(verb, actor, label) for verb, actor, label, _code, _payload in rows] == [
        ("order.accepted", merchant.pk, merchant.email),
        ("order.ready", merchant.pk, merchant.email),
        ("order.not_collected", None, "system"),
    ]
    assert {code for *_rest, code, _payload in rows} == {order.pickup_code}
    assert rows[0][4] == {"from": "placed", "shop": order.shop_id, "shop_name": order.shop.name}


def test_a_shoppers_own_cancellation_names_them_by_role_in_the_trail_never_by_email(two_shops, shopper):
    # given a guest's order and a signed-in shopper's order
    guest_order = _placed(two_shops, quantity=1)
    account_order = _placed(two_shops, item="vase", quantity=1, customer=shopper)
    # when each shopper cancels their own
    order_cancel(order=guest_order, actor=None, proof=_guests_link(guest_order))
    order_cancel(order=account_order, actor=shopper)
    # then the team's trail says who by role: a guest, the shopper; no email of theirs
    labels = dict(AuditEvent.objects.filter(verb="order.cancelled").values_list("object_id", "actor_label"))
    assert labels == {guest_order.pk: "guest", account_order.pk: "shopper"}
    assert not AuditEvent.objects.filter(actor_label=shopper.email).exists()


def test_another_shopper_cannot_cancel_someone_elses_order(two_shops, shopper):
    # given a shopper's order, and a stranger with an account
    theirs = _placed(two_shops, item="vase", quantity=1, customer=shopper)
    # when / then: a 403-kind refusal, and the order stays
    with pytest.raises(NotTheCustomer):
        order_cancel(order=theirs, actor=UserFactory())
    theirs.refresh_from_db()
    assert theirs.status == S.PLACED
