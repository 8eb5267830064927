"""The shop's receipt for an order paid online (issue #11, item 7): the shop is the seller (name, address,
SIRET), the marketplace only the payment intermediary; VAT per rate in exact cents; reached by the order's
signed link or from the account; a clear page when there is no receipt."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.links import order_link_token
from vitrine.orders.models import Cart, Order, OrderLine
from vitrine.payments.receipts import ReceiptLine, order_receipt, vat_lines, vat_split
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory, shop_open_every_day
from vitrine.testing.helpers import client_on
from vitrine.testing.payments import CartPaymentFactory, counter_order, online_order

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2026, 12, 3, 10, 0, tzinfo=PARIS)
LINES = (
    ("Bague argent", "24.90", 2, "20.0"),  # 49,80
    ("Confiture de mirabelles", "6.33", 3, "5.5"),  # 18,99
    ("Carte postale", "1.50", 1, "20.0"),  # 1,50
)


@pytest.fixture
def in_nancy(nancy):
    with tenant_context(nancy):
        yield nancy


@pytest.fixture
def bijoux(in_nancy):
    return ShopFactory(name="Bijouterie Stanislas", siret="73282932000074", address="3 rue Gambetta")


def _link(order) -> str:
    return f"/commande/{order_link_token(order=order)}/recu/"


# --- The VAT, in cents ---------------------------------------------------------------------


def test_vat_split_takes_the_base_from_the_total_incl_vat_half_up():
    assert vat_split(total_cents=1000, rate=Decimal("20.0")) == (833, 167)  # 833.33
    assert vat_split(total_cents=1899, rate=Decimal("5.5")) == (1800, 99)  # 1800.00
    assert vat_split(total_cents=1021, rate=Decimal("2.1")) == (1000, 21)
    assert vat_split(total_cents=3300, rate=Decimal("10")) == (3000, 300)
    # exactly half a cent: up
    assert vat_split(total_cents=3, rate=Decimal("20")) == (3, 0)  # 2.5 -> 3
    assert vat_split(total_cents=63, rate=Decimal("5.0")) == (60, 3)  # 60.0
    assert vat_split(total_cents=0, rate=Decimal("20")) == (0, 0)


def test_vat_lines_group_by_rate_on_the_rate_total_and_add_up_to_the_total():
    # given lines at two rates
    lines = [
        ReceiptLine("a", "", 2, 2490, 4980, Decimal("20.0")),
        ReceiptLine("b", "", 3, 633, 1899, Decimal("5.5")),
        ReceiptLine("c", "", 1, 150, 150, Decimal("20")),
    ]
    # when
    result = vat_lines(lines)
    # then one line per rate, highest first, each computed once on its rate's total
    assert [(str(v.rate), v.base_cents, v.vat_cents, v.total_cents) for v in result] == [
        ("20.0", 4275, 855, 5130),  # 5130 / 1.2 = 4275.00
        ("5.5", 1800, 99, 1899),
    ]
    assert sum(v.base_cents + v.vat_cents for v in result) == 4980 + 1899 + 150


def test_rounding_once_per_rate_not_per_line():
    # given three lines of 0,10 € at 20 %: per line 0,08 + 0,02 VAT each (0,06 VAT); on the total 0,25 + 0,05
    lines = [ReceiptLine(str(n), "", 1, 10, 10, Decimal("20")) for n in range(3)]
    # then the VAT is the total's: 30 / 1.2 = 25 -> 5 cents of VAT
    (line,) = vat_lines(lines)
    assert (line.base_cents, line.vat_cents) == (25, 5)


# --- The checkout keeps each line's VAT rate -------------------------------------------------


def test_checkout_keeps_the_products_vat_rate_on_each_line(in_nancy):
    # given a cart with a book at 5.5 % and a ring at 20 %
    shop = shop_open_every_day(name="Librairie")
    book = ProductFactory(shop=shop, title="Livre", price=Decimal("18.99"), vat_rate=Decimal("5.5"))
    ring = ProductFactory(shop=shop, title="Bague", price=Decimal("24.90"))
    cart = Cart.objects.create()
    cart_add(cart=cart, product_id=book.pk, quantity=1)
    cart_add(cart=cart, product_id=ring.pk, quantity=1)
    # when
    (order,) = order_place(
        cart=cart,
        guest=Guest(name="Claire Blaison", email="claire@example.fr", phone="0612345678"),
        slots={shop.pk: datetime(2026, 11, 30, 14, 0, tzinfo=PARIS)},
        idempotency_key=uuid.uuid4(),
        now=datetime(2026, 11, 30, 9, 0, tzinfo=PARIS),
    )
    # then
    assert sorted(OrderLine.objects.filter(order=order).values_list("title", "vat_rate")) == [
        ("Bague", Decimal("20.0")),
        ("Livre", Decimal("5.5")),
    ]


# --- The page ----------------------------------------------------------------------------


def test_the_receipt_by_the_orders_link_names_the_shop_as_seller_with_vat_lines(
    in_nancy, bijoux, django_assert_num_queries
):
    # given an order paid online and captured
    order = online_order(bijoux, money="captured", lines=LINES, at=AT)
    path = _link(order)
    client = client_on(in_nancy)
    connection.set_schema_to_public()  # as a request finds the connection
    client.get(path)  # the host's route and the territory's address, cached from then on
    # when
    with django_assert_num_queries(4):  # the order with its shop, commune and payment; lines; events; cart payment
        response = client.get(path)
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bijouterie Stanislas" in page and "3 rue Gambetta" in page and "73282932000074" in page
    assert "Reçu" in page and order.pickup_code in page
    # the lines: unit price incl. VAT, quantity, rate
    assert "24,90\xa0€" in page and "6,33\xa0€" in page and "5,5 %" in page and "20 %" in page
    # the VAT per rate: 20 % on 51,30 (42,75 + 8,55), 5,5 % on 18,99 (18,00 + 0,99)
    for amount in ("42,75\xa0€", "8,55\xa0€", "51,30\xa0€", "18,00\xa0€", "0,99\xa0€", "18,99\xa0€"):
        assert amount in page, amount
    assert "70,29\xa0€" in page  # the total incl. VAT, and what was paid
    assert "Payé en ligne par carte le 3 décembre 2026" in page
    # the marketplace, only as the payment intermediary
    assert "Achetez Grand Nancy" in page and "intermédiaire de paiement" in page
    assert response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "payments/receipt.css" in page  # its print stylesheet


def test_the_receipt_shows_what_was_refunded_and_what_was_paid_in_the_end(in_nancy, bijoux):
    # given an order paid online then refunded (not collected)
    order = online_order(bijoux, money="refunded", lines=(("Bague argent", "24.90", 1, "20.0"),), at=AT)
    # when
    response = client_on(in_nancy).get(_link(order))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Remboursé le 6 décembre 2026" in page
    assert "− 24,90\xa0€" in page
    assert "Payé au final" in page and "0,00\xa0€" in page


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        ("authorised", "Votre carte n’est pas encore débitée"),
        ("excluded", "Cette commande n’a pas été débitée"),
    ],
)
def test_no_receipt_before_the_capture_or_when_not_charged_a_clear_page(in_nancy, bijoux, money, expected):
    # given an order paid online, not (yet) charged
    order = online_order(bijoux, money=money, at=AT)
    # when
    response = client_on(in_nancy).get(_link(order))
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert expected in page and "Retour à la commande" in page
    assert "SIRET" not in page


def test_an_order_paid_at_the_counter_has_no_receipt_here(in_nancy, bijoux):
    # given an order to pay at pickup
    cart = CartPaymentFactory()
    order = online_order(bijoux, cart=cart, money="captured", at=AT)
    order.paid_online = False
    order.save(update_fields=["paid_online"])
    # when
    response = client_on(in_nancy).get(_link(order))
    # then
    assert response.status_code == 200
    assert "payée en boutique" in response.content.decode()


def test_a_forged_or_altered_token_is_a_plain_404(in_nancy, bijoux):
    order = online_order(bijoux, money="captured", at=AT)
    token = order_link_token(order=order)
    client = client_on(in_nancy)
    assert client.get(f"/commande/{token[:-2]}xx/recu/").status_code == 404
    assert client.get("/commande/pas-un-jeton/recu/").status_code == 404


def test_the_receipt_from_the_account_is_the_accounts_own_only(in_nancy, bijoux):
    # given Claire's order paid online, and Paul
    claire = UserFactory(email="claire@example.fr")
    paul = UserFactory(email="paul@example.fr")
    order = online_order(bijoux, money="transferred", customer=claire, at=AT)
    path = f"/compte/commandes/{order.pk}/recu/"
    # then Claire reads it, from her order's page too
    mine = client_on(in_nancy, claire)
    assert mine.get(path).status_code == 200
    assert path in mine.get(f"/compte/commandes/{order.pk}/").content.decode()
    # Paul gets the same 404 as for no order; a visitor is sent to sign in
    assert client_on(in_nancy, paul).get(path).status_code == 404
    assert client_on(in_nancy, paul).get("/compte/commandes/999999/recu/").status_code == 404
    anonymous = client_on(in_nancy).get(path)
    assert anonymous.status_code == 302 and "/compte/connexion/" in anonymous["Location"]


def test_the_orders_link_page_offers_the_receipt_once_charged(in_nancy, bijoux):
    # given one order charged, one only authorised
    charged = online_order(bijoux, money="captured", at=AT)
    held = online_order(ShopFactory(), money="authorised", at=AT)
    client = client_on(in_nancy)
    # then
    page = client.get(f"/commande/{order_link_token(order=charged)}/").content.decode()
    # (the link's token is signed with the time: the page's own, read from it, is the one to follow)
    receipt = re.search(r'href="(/commande/[^"/]+/recu/)"', page)
    assert receipt and "Payé en ligne : rien à payer au retrait." in page
    assert client.get(receipt[1]).status_code == 200
    page = client.get(f"/commande/{order_link_token(order=held)}/").content.decode()
    assert "/recu/" not in page and "rien à payer au retrait" in page


def test_a_nancy_receipt_link_is_refused_on_limoges_host(nancy, limoges):
    # cross-territory: the token names its schema; an order of that id in Limoges changes nothing
    with tenant_context(nancy):
        order = online_order(ShopFactory(), money="captured", at=AT)
        path = _link(order)
    with tenant_context(limoges):
        online_order(ShopFactory(), money="captured", at=AT)
    assert client_on(limoges).get(path).status_code == 404
    assert client_on(nancy).get(path).status_code == 200


def test_a_nancy_session_reads_no_receipt_on_limoges_host(nancy, limoges):
    # cross-territory: the account's receipt needs an account of the host's territory
    with tenant_context(nancy):
        claire = UserFactory(email="claire@example.fr")
        order = online_order(ShopFactory(), money="captured", customer=claire, at=AT)
    nancy_client = client_on(nancy, claire)
    elsewhere = client_on(limoges)
    elsewhere.cookies = nancy_client.cookies
    response = elsewhere.get(f"/compte/commandes/{order.pk}/recu/")
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_the_receipt_from_its_parts(in_nancy, bijoux):
    # given
    order = online_order(bijoux, money="captured", lines=LINES, at=AT)
    # when
    receipt = order_receipt(order=order)
    # then
    assert receipt.total_cents == 7029 == receipt.paid_cents == receipt.net_cents
    assert receipt.base_cents + receipt.vat_cents == receipt.total_cents
    assert [line.total_cents for line in receipt.lines] == [4980, 1899, 150]


def test_the_confirmation_page_says_paid_online_not_to_pay_at_pickup(in_nancy, bijoux):
    # given Claire's orders of one checkout: one paid online, one to pay at the counter (same key)
    claire = UserFactory(email="claire@example.fr")
    online = online_order(bijoux, money="authorised", customer=claire, at=AT)
    counter = counter_order(ShopFactory(name="Déco Saint-Epvre"), status="placed", at=AT)
    Order.objects.filter(pk=counter.pk).update(idempotency_key=online.idempotency_key, customer=claire)
    # when she opens the checkout's confirmation
    page = client_on(in_nancy, claire).get(f"/panier/commande/{online.idempotency_key}/").content.decode()
    # then
    assert (
        page.count("Payé en ligne (votre carte est débitée quand la boutique accepte) : rien à payer au retrait.") == 1
    )
    assert page.count("À régler au retrait") == 1
