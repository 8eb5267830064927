"""The shopper's payment emails (issue #11, item 7): authorised, charged (maybe less than authorised, and
why), refunded; in French, text and HTML, each order with its link."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from vitrine.notifications.models import OutboxEmail
from vitrine.orders.lifecycle import order_transition
from vitrine.orders.links import order_by_link
from vitrine.payments.emails import (
    payment_authorised_email_send,
    payment_captured_email_send,
    payment_refunded_email_send,
)
from vitrine.testing.factories import ShopFactory
from vitrine.testing.payments import CartPaymentFactory, counter_order, online_order

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)  # a Monday


@pytest.fixture
def in_nancy(nancy):
    with tenant_context(nancy):
        yield nancy


@pytest.fixture
def shops(in_nancy):
    return {
        "bijoux": ShopFactory(name="Bijouterie Stanislas"),
        "deco": ShopFactory(name="Déco Saint-Epvre"),
        "livres": ShopFactory(name="Librairie L’Autre Rive"),
    }


def _links(body: str) -> list[str]:
    return [word for word in body.split() if "/commande/" in word]


def test_authorised_says_held_not_charged_and_lists_each_order_with_its_link(shops):
    # given a cart of two orders, authorised, shops answering within 48 h
    cart = CartPaymentFactory(email="claire@example.fr", acceptance_deadline=AT + timedelta(hours=48))
    ring = online_order(shops["bijoux"], cart=cart, money="authorised", at=AT)
    vase = online_order(shops["deco"], cart=cart, money="authorised", lines=(("Vase", "49.80", 1, "20.0"),), at=AT)
    # when
    payment_authorised_email_send(cart_payment=cart)
    # then one email to the cart's address, in French (a subject is one line of plain spaces)
    (email,) = OutboxEmail.objects.filter(to=["claire@example.fr"])
    assert email.to == ["claire@example.fr"]
    assert email.subject == "Votre paiement de 74,70 € est autorisé"
    body = email.body
    assert body.startswith("Bonjour Claire Blaison,")
    assert "réservé sur votre carte, pas encore débité" in body
    assert "une commande refusée par une boutique ne vous coûte rien" in body
    assert "au plus tard le mercredi 9 décembre à 10:00" in body
    assert f"Bijouterie Stanislas, commande {ring.pickup_code} : 24,90\xa0€" in body
    assert f"Déco Saint-Epvre, commande {vase.pickup_code} : 49,80\xa0€" in body
    # each order's own signed link
    links = _links(body)
    assert len(links) == 2
    assert "rien à payer en boutique" in body
    # and an HTML version, the links clickable
    assert "<a href=" in email.html and "74,70" in email.html


def test_captured_less_than_authorised_says_which_order_was_not_charged_and_why(shops):
    # given three orders: one accepted, one refused, one the shop never answered
    cart = CartPaymentFactory(email="claire@example.fr")
    accepted = online_order(shops["bijoux"], cart=cart, money="captured", at=AT)
    refused = online_order(shops["deco"], cart=cart, money="excluded", lines=(("Vase", "49.80", 1, "20.0"),), at=AT)
    silent = online_order(
        shops["livres"], cart=cart, money="excluded", status="placed", lines=(("Livre", "18.99", 1, "5.5"),), at=AT
    )
    cart.refresh_from_db()
    assert (cart.amount_cents, cart.captured_cents) == (9369, 2490)
    # when
    payment_captured_email_send(cart_payment=cart)
    # then
    (email,) = OutboxEmail.objects.filter(to=["claire@example.fr"])
    assert email.subject == "Vous avez été débité de 24,90 €"
    body = email.body
    assert "Votre carte a été débitée de 24,90\xa0€ pour les commandes acceptées par les boutiques" in body
    assert f"Bijouterie Stanislas, commande {accepted.pickup_code} : 24,90\xa0€" in body
    assert f"Déco Saint-Epvre, commande {refused.pickup_code} (49,80\xa0€) : refusée par la boutique." in body
    assert "Motif : Rupture de stock" in body
    assert (
        f"Librairie L’Autre Rive, commande {silent.pickup_code} (18,99\xa0€) : la boutique n’a pas répondu à temps"
        in body
    )
    assert "(68,79\xa0€ sur les 93,69\xa0€ autorisés) est libéré" in body
    assert len(_links(body)) == 1  # the charged order's link


def test_captured_nothing_says_not_charged(shops):
    # given a cart whose only order was cancelled before the capture
    cart = CartPaymentFactory(email="claire@example.fr")
    cancelled = online_order(shops["bijoux"], cart=cart, money="excluded", status="cancelled", at=AT)
    # when
    payment_captured_email_send(cart_payment=cart)
    # then
    (email,) = OutboxEmail.objects.filter(to=["claire@example.fr"])
    assert email.subject == "Vous n’avez pas été débité"
    assert "votre carte n’a pas été débitée" in email.body
    assert f"commande {cancelled.pickup_code} (24,90\xa0€) : annulée." in email.body


@pytest.mark.parametrize(
    ("money", "status", "expected"),
    [
        ("refunded", "not_collected", "n’a pas été retirée à temps : nous vous remboursons 24,90\xa0€."),
        ("reversed", "cancelled", "est annulée : nous vous remboursons 24,90\xa0€."),
    ],
)
def test_refunded_says_how_much_why_and_when_it_shows(shops, money, status, expected):
    # given an order refunded (after its transfer was reversed, for the cancelled one)
    order = online_order(shops["bijoux"], money=money, status=status, at=AT)
    # when
    payment_refunded_email_send(order_payment=order.payment)
    # then
    (email,) = OutboxEmail.objects.filter(to=["claire@example.fr"])
    assert email.to == ["claire@example.fr"]
    assert email.subject == "Remboursement de 24,90 € pour votre commande chez Bijouterie Stanislas"
    assert f"Votre commande {order.pickup_code} chez Bijouterie Stanislas {expected}" in email.body
    assert "sous 5 à 10 jours ouvrés" in email.body
    (link,) = _links(email.body)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert order_by_link(token=token)[0].pk == order.pk  # the link opens this very order


def test_an_order_paid_online_is_never_to_pay_at_the_counter_in_the_placed_emails(shops):
    # given an order paid online, its payment authorised
    order = online_order(shops["bijoux"], money="authorised", status="pending_payment", at=AT)
    # when it is placed
    order_transition(order=order, to="placed", actor=None)
    # then neither the shopper nor the shop reads that it is to be paid at pickup
    to_shopper = OutboxEmail.objects.get(to=["claire@example.fr"])
    to_shop = OutboxEmail.objects.get(to=[shops["bijoux"].email], subject__contains=order.pickup_code)
    assert "Payé en ligne : 24,90\xa0€. Rien à régler au retrait." in to_shopper.body
    assert "à régler au retrait :" not in to_shopper.body
    assert "Payée en ligne : 24,90\xa0€. Rien à encaisser au comptoir." in to_shop.body
    assert "Total à encaisser" not in to_shop.body


def test_an_order_to_pay_at_the_counter_still_says_so(shops):
    order = counter_order(shops["bijoux"], status="pending_payment", at=AT)
    order_transition(order=order, to="placed", actor=None)
    assert "Total à régler au retrait : 24,90\xa0€" in OutboxEmail.objects.get(to=["paul@example.fr"]).body
    shop_email = OutboxEmail.objects.get(to=[shops["bijoux"].email], subject__contains=order.pickup_code)
    assert "Total à encaisser : 24,90\xa0€" in shop_email.body
