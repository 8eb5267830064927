"""The territory team's reconciliation of online payments (issue #11, item 7): for the payments authorised
in a month, authorised, captured, released, transferred, commission, refunded, reversed, disputes, in
total and per shop, adding up to the cent; staff only, one territory's money only."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.payments.models import CartPayment
from vitrine.payments.selectors_reports import month_bounds, month_parse, reconciliation
from vitrine.shops.opening import territory_today
from vitrine.testing.factories import ShopFactory, UserFactory
from vitrine.testing.helpers import client_on
from vitrine.testing.payments import CartPaymentFactory, online_order

PARIS = ZoneInfo("Europe/Paris")
DEC = datetime(2026, 12, 3, 10, 0, tzinfo=PARIS)
NOV = datetime(2026, 11, 30, 23, 30, tzinfo=PARIS)  # 22:30 UTC: still November where the territory is
PAGE = "/equipe/paiements/rapprochement/"


def _line(euros: str) -> tuple[tuple[str, str, int, str], ...]:
    return (("Article", euros, 1, "20.0"),)


@pytest.fixture
def in_nancy(nancy):
    with tenant_context(nancy):
        yield nancy


@pytest.fixture
def december(in_nancy):
    """Five cart payments authorised in December 2026 in Nancy, one in November."""
    x = ShopFactory(name="Bijouterie Stanislas")
    y = ShopFactory(name="Déco Saint-Epvre")
    a = CartPaymentFactory(authorised_at=DEC)
    online_order(x, cart=a, money="transferred", commission_cents=125, at=DEC)  # 24,90
    online_order(y, cart=a, money="refunded", lines=_line("10.00"), at=DEC)
    b = CartPaymentFactory(authorised_at=DEC)
    online_order(x, cart=b, money="captured", lines=_line("30.00"), at=DEC)
    online_order(y, cart=b, money="excluded", lines=_line("15.00"), at=DEC)  # refused: released
    c = CartPaymentFactory(authorised_at=DEC)
    online_order(y, cart=c, money="authorised", lines=_line("12.00"), at=DEC)  # still on hold
    d = CartPaymentFactory(authorised_at=DEC)
    online_order(y, cart=d, money="reversed", commission_cents=200, lines=_line("20.00"), at=DEC)
    e = CartPaymentFactory(
        authorised_at=DEC, dispute_id="dp_test_1", dispute_status="needs_response", dispute_amount_cents=4000
    )
    online_order(x, cart=e, money="captured", lines=_line("40.00"), at=DEC)
    november = CartPaymentFactory(authorised_at=NOV)
    online_order(x, cart=november, money="transferred", lines=_line("5.00"), at=NOV)
    return {"x": x, "y": y, "disputed": e}


def test_months_are_the_territorys():
    assert month_parse("2026-12") == date(2026, 12, 1)
    assert month_parse("2026-13") is None and month_parse("décembre") is None and month_parse("1999-01") is None
    start, end = month_bounds(date(2026, 12, 1))
    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00")


def test_the_months_figures_add_up_to_the_cent(december, django_assert_num_queries):
    # when
    with django_assert_num_queries(4):  # the carts' totals, per shop, the disputed carts, their orders
        report = reconciliation(month=date(2026, 12, 1))
    # then
    assert report.payments == 5
    assert report.authorised_cents == 15190
    assert report.captured_cents == 12490
    assert report.released_cents == 1500
    assert report.on_hold_cents == 1200
    totals = report.totals
    assert totals.transferred_cents == 2365  # 24,90 less 1,25
    assert totals.commission_cents == 125  # of the transferred orders only (the reversed one's is refunded)
    assert totals.refunded_cents == 3000
    assert totals.reversed_cents == 1800
    assert totals.pending_cents == 7000  # captured, neither transferred nor refunded
    # captured = transferred + commission + refunded + captured not yet transferred
    assert report.balances and report.difference_cents == 0
    assert 12490 == 2365 + 125 + 3000 + 7000
    # authorised = captured + released + on hold
    assert report.hold_balances
    # per shop
    by_shop = {row.shop_name: row for row in report.shops}
    x, y = by_shop["Bijouterie Stanislas"], by_shop["Déco Saint-Epvre"]
    assert (x.orders, x.amount_cents, x.captured_cents, x.transferred_cents, x.commission_cents, x.pending_cents) == (
        3,
        9490,
        9490,
        2365,
        125,
        7000,
    )
    assert (y.orders, y.amount_cents, y.captured_cents, y.refunded_cents, y.reversed_cents, y.pending_cents) == (
        4,
        5700,
        3000,
        3000,
        1800,
        0,
    )
    assert x.settled_cents + y.settled_cents == report.captured_cents
    # the disputes
    assert [cart.pk for cart in report.disputes] == [december["disputed"].pk]
    assert report.disputes_cents == 4000


def test_november_holds_its_own_payments_only(december):
    report = reconciliation(month=date(2026, 11, 1))
    assert (report.payments, report.captured_cents, report.totals.transferred_cents) == (1, 500, 500)
    assert report.balances


def test_an_empty_month_is_zeros_in_three_queries(in_nancy, django_assert_num_queries):
    ShopFactory()  # the connection on the territory's schema already
    with django_assert_num_queries(3):
        report = reconciliation(month=date(2026, 6, 1))
    assert (report.payments, report.authorised_cents, report.captured_cents, report.shops) == (0, 0, 0, [])
    assert report.balances and report.hold_balances


def test_the_page_shows_the_identity_per_shop_and_the_disputes(december, in_nancy, django_assert_num_queries):
    # given a staff member
    client = client_on(in_nancy, UserFactory(role=User.Role.TERRITORY_STAFF))
    connection.set_schema_to_public()  # as a request finds the connection
    client.get(PAGE)  # the host's route, cached from then on
    # when
    with django_assert_num_queries(7):  # session, user, the team's two-factor device; the report's four
        response = client.get(PAGE + "?mois=2026-12")
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rapprochement des paiements en ligne" in page and "Décembre 2026" in page
    assert "5 paiements autorisés" in page
    for amount in ("151,90", "124,90", "15,00", "12,00", "23,65", "1,25", "30,00", "18,00", "70,00", "40,00"):
        assert f"{amount}\xa0€" in page, amount
    assert "✓ tombe juste" in page and "ne tombent pas juste" not in page
    assert "Bijouterie Stanislas" in page and "Déco Saint-Epvre" in page
    assert december["disputed"].transfer_group in page and "litige needs_response, 40,00\xa0€" in page
    assert "versements gelés" in page


def test_a_gap_of_one_cent_is_shown_as_a_warning(december, in_nancy):
    # given a cart whose captured amount disagrees with its orders' by a cent
    cart = CartPayment.objects.get(pk=december["disputed"].pk)
    CartPayment.objects.filter(pk=cart.pk).update(
        captured_cents=cart.captured_cents + 1, amount_cents=cart.amount_cents + 1
    )
    # when
    report = reconciliation(month=date(2026, 12, 1))
    page = client_on(in_nancy, UserFactory(role=User.Role.TERRITORY_STAFF)).get(PAGE + "?mois=2026-12")
    # then
    assert not report.balances and report.difference_cents == 1
    text = page.content.decode()
    assert "Ces montants ne tombent pas juste." in text and "= 0,01\xa0€ au lieu de 0" in text
    assert "✗ ne tombe pas juste" in text


def test_the_current_month_by_default_and_a_bad_month(in_nancy):
    client = client_on(in_nancy, UserFactory(role=User.Role.TERRITORY_ADMIN))
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page.context["month"] == territory_today().replace(day=1)
    bad = client.get(PAGE + "?mois=2026-13")
    assert bad.status_code == 400 and "« 2026-13 » n’est pas un mois" in bad.content.decode()


def test_only_the_territorys_team_sees_it(december, in_nancy):
    anonymous = client_on(in_nancy).get(PAGE)
    assert anonymous.status_code == 302 and "/compte/connexion/" in anonymous["Location"]
    assert client_on(in_nancy, UserFactory()).get(PAGE).status_code == 403
    assert client_on(in_nancy, december["x"].owner_user).get(PAGE).status_code == 403


def test_limoges_sees_none_of_nancys_money(december, nancy, limoges):
    # cross-territory: Limoges' team sees Limoges' payments only, and a Nancy session is nobody there
    with tenant_context(limoges):
        online_order(ShopFactory(name="Porcelaine de Limoges"), money="captured", lines=_line("99.00"), at=DEC)
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        report = reconciliation(month=date(2026, 12, 1))
    assert (report.payments, report.captured_cents) == (1, 9900)
    page = client_on(limoges, staff).get(PAGE + "?mois=2026-12").content.decode()
    assert "Porcelaine de Limoges" in page and "Bijouterie Stanislas" not in page and "151,90" not in page
    with tenant_context(nancy):
        nancy_staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    elsewhere = client_on(limoges)
    elsewhere.cookies = client_on(nancy, nancy_staff).cookies
    response = elsewhere.get(PAGE)
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


# --- Against the real settlement and the fake Stripe ------------------------------------------


def test_after_a_real_settlement_the_pages_agree_with_stripe(nancy, payments_on):
    """A three-shop cart settled by payments.settlement against the fake: one order collected, one not
    collected, one refused. The reconciliation adds up and agrees with the charge Stripe holds; the
    receipt, the payouts and the shopper's emails say the same."""
    from payments_helpers import checkout_online, deliver, policy_set, shop_paid_online

    from vitrine.notifications.models import OutboxEmail
    from vitrine.orders.lifecycle import (
        order_accept,
        order_expire,
        order_mark_collected,
        order_mark_ready,
        order_refuse,
    )
    from vitrine.orders.models import Order
    from vitrine.payments.receipts import order_receipt
    from vitrine.payments.selectors_reports import shop_payout_months
    from vitrine.payments.settlement import cart_payment_settle

    with tenant_context(nancy):
        # given a cart paid online across three shops, 5 % + 0,30 € of commission
        policy_set(commission_basis_points=500, commission_fixed_cents=30)
        shops = [
            shop_paid_online(payments_on, name=name, price=price)
            for name, price in (
                ("Bijouterie Stanislas", "40.00"),
                ("Déco Saint-Epvre", "25.50"),
                ("Librairie L’Autre Rive", "18.99"),
            )
        ]
        orders, payment = checkout_online([product for _shop, product in shops])
        payments_on.checkout_pay(payment.checkout_session_id)
        deliver(payments_on)
        collected, forgotten, refused = Order.objects.order_by("id")
        # when one is collected, one not collected, one refused
        for order in (collected, forgotten):
            order_accept(order=order, actor=_owner(order))
        order_refuse(order=refused, actor=_owner(refused), reason="Plus en stock")
        cart_payment_settle(cart_payment=payment)
        order_mark_ready(order=collected, actor=_owner(collected))
        order_mark_collected(order=collected, actor=_owner(collected))
        order_mark_ready(order=forgotten, actor=_owner(forgotten))
        order_expire(order=forgotten)
        cart_payment_settle(cart_payment=payment)
        payment.refresh_from_db()

        # then the month's reconciliation adds up, and agrees with Stripe's charge and transfers
        month = timezone_month(payment.authorised_at)
        report = reconciliation(month=month)
        charge = payments_on.get(payment.charge_id)
        assert report.balances and report.hold_balances
        assert report.authorised_cents == 4000 + 2550 + 1899
        assert report.captured_cents == charge["amount_captured"] == 4000 + 2550
        assert report.released_cents == 1899
        assert report.totals.refunded_cents == charge["amount_refunded"] == 2550
        assert report.totals.transferred_cents == 4000 - 230
        assert report.totals.commission_cents == 230
        assert report.totals.pending_cents == 0
        # the collected order's receipt: paid online, nothing refunded; the shop's payouts
        receipt = order_receipt(order=Order.objects.prefetch_related("lines").get(pk=collected.pk))
        assert receipt.paid_cents == 4000 and receipt.refunded_cents == 0 and receipt.paid_at == payment.captured_at
        (payout,) = shop_payout_months(shop=collected.shop)
        assert (payout.orders, payout.transferred_cents, payout.commission_cents) == (1, 3770, 230)
        # and the shopper was told: authorised, charged less (the refused order and why), refunded
        subjects = list(OutboxEmail.objects.filter(to=["claire@example.fr"]).values_list("subject", flat=True))
        assert "Votre paiement de 84,49 € est autorisé" in subjects
        assert "Vous avez été débité de 65,50 €" in subjects
        assert "Remboursement de 25,50 € pour votre commande chez Déco Saint-Epvre" in subjects
        captured_email = OutboxEmail.objects.get(subject="Vous avez été débité de 65,50 €")
        assert f"commande {refused.pickup_code} (18,99\xa0€) : refusée par la boutique." in captured_email.body
        assert "Motif : Plus en stock" in captured_email.body


def _owner(order):
    from vitrine.shops.models import ShopMember

    return ShopMember.objects.select_related("user").get(shop=order.shop_id, role="owner").user


def timezone_month(moment) -> date:
    from django.utils import timezone

    local = timezone.localtime(moment, PARIS)
    return date(local.year, local.month, 1)


def test_the_payment_pages_lead_to_each_other(in_nancy):
    # the team: the shops' accounts <-> the reconciliation; a shop: its online payment <-> its payouts
    staff = client_on(in_nancy, UserFactory(role=User.Role.TERRITORY_STAFF))
    assert PAGE in staff.get("/equipe/paiements/").content.decode()
    assert 'href="/equipe/paiements/"' in staff.get(PAGE).content.decode()
    owner = client_on(in_nancy, ShopFactory().owner_user)
    assert "/pro/paiement/versements/" in owner.get("/pro/paiement/").content.decode()
    assert 'href="/pro/paiement/"' in owner.get("/pro/paiement/versements/").content.decode()
