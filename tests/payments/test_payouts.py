"""The shop's payouts page and CSV export (issue #11, item 7), and how each order is paid on the shop's
board and history: a shopkeeper never asks for money twice at the counter."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.shops.models import ShopMember
from vitrine.testing.factories import ShopFactory, UserFactory
from vitrine.testing.helpers import client_on
from vitrine.testing.payments import counter_order, online_order

PARIS = ZoneInfo("Europe/Paris")
DEC = datetime(2026, 12, 3, 10, 0, tzinfo=PARIS)  # transfers two days later: 5 December
NOV = datetime(2026, 11, 20, 10, 0, tzinfo=PARIS)
PAYOUTS = "/pro/paiement/versements/"
EXPORT = "/pro/paiement/versements/export.csv"


@pytest.fixture
def in_nancy(nancy):
    with tenant_context(nancy):
        yield nancy


@pytest.fixture
def world(in_nancy):
    """Shop X with orders paid online in every money state, shop Y with one transfer of its own."""
    x = ShopFactory(name="Bijouterie Stanislas")
    y = ShopFactory(name="Déco Saint-Epvre")
    ring = online_order(x, money="transferred", commission_cents=125, at=DEC)  # 24,90 less 1,25
    necklace = online_order(
        x, money="transferred", commission_cents=300, lines=(("Collier", "60.00", 1, "20.0"),), at=DEC
    )
    reversed_ = online_order(x, money="reversed", commission_cents=100, lines=(("Broche", "20.00", 1, "20.0"),), at=DEC)
    captured = online_order(x, money="captured", at=DEC, name='=HYPERLINK("http://evil";"x")')
    november = online_order(
        x, money="transferred", commission_cents=50, lines=(("Montre", "10.00", 1, "20.0"),), at=NOV
    )
    theirs = online_order(y, money="transferred", lines=(("Vase Y", "77.77", 1, "20.0"),), at=DEC)
    return {
        "x": x,
        "y": y,
        "ring": ring,
        "necklace": necklace,
        "reversed": reversed_,
        "captured": captured,
        "november": november,
        "theirs": theirs,
    }


def test_the_months_transfers_with_commission_and_reversals(world, in_nancy, django_assert_num_queries):
    # given X's owner
    client = client_on(in_nancy, world["x"].owner_user)
    connection.set_schema_to_public()  # as a request finds the connection
    client.get(PAYOUTS)  # the host's route, cached from then on
    # when
    with django_assert_num_queries(5):  # session, user, membership; the months' totals; the month's transfers
        response = client.get(PAYOUTS + "?mois=2026-12")
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Versements de décembre 2026" in page
    for order in ("ring", "necklace", "reversed"):
        assert world[order].pickup_code in page
    assert world["captured"].pickup_code not in page  # not transferred yet
    assert world["november"].pickup_code not in page
    assert "Vase Y" not in page and world["theirs"].pickup_code not in page  # another shop's
    assert "23,65\xa0€" in page  # 24,90 less 1,25
    assert "57,00\xa0€" in page  # 60,00 less 3,00
    assert "Repris : − 19,00\xa0€" in page  # the brooch's transfer, reversed
    # the month: 3 orders, 104,90 ordered, 5,25 commission, 99,65 transferred, 19,00 taken back
    assert "104,90\xa0€" in page and "5,25\xa0€" in page and "99,65\xa0€" in page
    # month by month: November too
    assert "Novembre 2026" in page and "9,50\xa0€" in page


def test_another_month_and_a_bad_month(world, in_nancy):
    client = client_on(in_nancy, world["x"].owner_user)
    november = client.get(PAYOUTS + "?mois=2026-11").content.decode()
    assert world["november"].pickup_code in november and world["ring"].pickup_code not in november
    bad = client.get(PAYOUTS + "?mois=décembre")
    assert bad.status_code == 400
    assert "« décembre » n’est pas un mois" in bad.content.decode()


def _rows(response) -> list[list[str]]:
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: French Excel reads the accents
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_has_one_row_per_order_paid_online_for_french_excel(world, in_nancy):
    # when X's employee exports everything
    employee = UserFactory(role=User.Role.MERCHANT)
    ShopMember.objects.create(shop=world["x"], user=employee, role=ShopMember.Role.EMPLOYEE)
    response = client_on(in_nancy, employee).get(EXPORT)
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="paiements-en-ligne-bijouterie-stanislas.csv"' in response["Content-Disposition"]
    header, *rows = _rows(response)
    assert header == [
        "Date de commande",
        "Code commande",
        "Client",
        "Statut",
        "Montant commande (€)",
        "Débité (€)",
        "Commission (€)",
        "Versé (€)",
        "Date du versement",
        "Repris (€)",
        "Remboursé (€)",
        "Date du remboursement",
    ]
    by_code = {row[1]: row for row in rows}
    assert len(rows) == 5  # X's five orders paid online, whatever their state; none of Y's
    assert world["theirs"].pickup_code not in by_code
    assert by_code[world["ring"].pickup_code][3:] == [
        "Versé à la boutique",
        "24,90",
        "24,90",
        "1,25",
        "23,65",
        "05/12/2026",
        "0,00",
        "0,00",
        "",
    ]
    assert by_code[world["reversed"].pickup_code][3:] == [
        "Remboursé",
        "20,00",
        "20,00",
        "1,00",
        "19,00",
        "05/12/2026",
        "19,00",
        "20,00",
        "06/12/2026",
    ]
    assert by_code[world["november"].pickup_code][0] == "20/11/2026"
    # a customer's name a spreadsheet would run as a formula is quoted
    assert by_code[world["captured"].pickup_code][2] == '\'=HYPERLINK("http://evil";"x")'


@pytest.mark.parametrize("name", ["=1+1", "+33 6 12", "-2+3", "@SUM(A1)", "\tTab", "Claire =1"])
def test_no_csv_cell_starts_a_formula(in_nancy, name):
    # given an order whose customer typed a formula as their name
    shop = ShopFactory()
    order = online_order(shop, money="transferred", name=name, at=DEC)
    # when
    (_header, row) = _rows(client_on(in_nancy, shop.owner_user).get(EXPORT))
    # then
    assert row[1] == order.pickup_code
    cell = row[2]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (name, "'" + name)
    assert cell == ("'" + name if name[0] in "=+-@\t" else name)


def test_the_months_csv_holds_that_months_transfers(world, in_nancy):
    response = client_on(in_nancy, world["x"].owner_user).get(EXPORT + "?mois=2026-11")
    _header, *rows = _rows(response)
    assert [row[1] for row in rows] == [world["november"].pickup_code]
    assert 'filename="paiements-en-ligne-bijouterie-stanislas-2026-11.csv"' in response["Content-Disposition"]
    assert client_on(in_nancy, world["x"].owner_user).get(EXPORT + "?mois=13-2026").status_code == 400


def test_only_the_shops_members_see_its_payouts(world, in_nancy):
    # a visitor is sent to sign in; a shopper and the territory's staff are refused
    for path in (PAYOUTS, EXPORT):
        anonymous = client_on(in_nancy).get(path)
        assert anonymous.status_code == 302 and "/compte/connexion/" in anonymous["Location"]
        assert client_on(in_nancy, UserFactory()).get(path).status_code == 403
        assert client_on(in_nancy, UserFactory(role=User.Role.TERRITORY_STAFF)).get(path).status_code == 403
    # Y's owner sees Y's payouts, never X's
    other = client_on(in_nancy, world["y"].owner_user)
    page = other.get(PAYOUTS + "?mois=2026-12").content.decode()
    assert world["theirs"].pickup_code in page
    assert all(world[o].pickup_code not in page for o in ("ring", "necklace", "reversed", "november"))
    _header, *rows = _rows(other.get(EXPORT))
    assert [row[1] for row in rows] == [world["theirs"].pickup_code]


def test_a_nancy_session_sees_no_payouts_on_limoges_host(nancy, limoges):
    # cross-territory: the nancy merchant's session means nothing on limoges' host
    with tenant_context(nancy):
        shop = ShopFactory()
        online_order(shop, money="transferred", at=DEC)
    elsewhere = client_on(limoges)
    elsewhere.cookies = client_on(nancy, shop.owner_user).cookies
    for path in (PAYOUTS, EXPORT):
        response = elsewhere.get(path)
        assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


# --- The shop's board and history: paid online, or to pay at the counter ---------------------


def test_the_board_and_history_say_how_each_order_is_paid(in_nancy):
    # given an order paid online (captured), one transferred, one to pay at the counter
    shop = ShopFactory(name="Bijouterie Stanislas")
    online = online_order(shop, money="captured", status="accepted", at=DEC)
    paid = online_order(shop, money="transferred", commission_cents=125, at=DEC)
    counter = counter_order(shop, at=DEC)
    client = client_on(in_nancy, shop.owner_user)
    # when
    board = client.get(f"/pro/commandes/?q={online.pickup_code}").content.decode()
    history = client.get("/pro/commandes/historique/").content.decode()
    # then
    assert "Payée en ligne : rien à encaisser au comptoir" in board
    assert "À encaisser au comptoir" not in board
    assert "Payée en ligne : rien à encaisser au comptoir" in history
    assert "Payée en ligne · 23,65\xa0€ versés (24,90\xa0€ moins 1,25\xa0€ de commission)" in history
    assert f"À encaisser au comptoir : {counter.total:.2f}".replace(".", ",") in history
    assert paid.pickup_code in history
