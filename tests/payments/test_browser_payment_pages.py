"""The payment pages in a real browser on a phone: the shop's receipt (and as printed), the shop's payouts,
and the team's reconciliation. Screenshots under var/screenshots/payments-*.png."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

LINES = (
    ("Bague en argent martelé", "24.90", 2, "20.0"),
    ("Confiture de mirabelles de Lorraine", "6.33", 3, "5.5"),
    ("Carte postale Place Stanislas", "1.50", 1, "20.0"),
)


def _world_make() -> dict:
    from datetime import timedelta

    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.orders.links import order_link_token
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ShopFactory, UserFactory
    from vitrine.testing.payments import CartPaymentFactory, online_order

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        shop = ShopFactory(name="Bijouterie de la Place", address="3 rue Gambetta")
        other = ShopFactory(name="Atelier Déco Stan")
        at = timezone.now() - timedelta(days=2)  # transferred two days later: now, this month
        cart = CartPaymentFactory(authorised_at=at)
        receipt = online_order(shop, cart=cart, money="refunded", lines=LINES, at=at)
        online_order(other, cart=cart, money="transferred", commission_cents=150, at=at)
        for euros, commission, money in (
            ("60.00", 300, "transferred"),
            ("20.00", 100, "reversed"),
            ("35.50", 180, "transferred"),
        ):
            online_order(shop, money=money, commission_cents=commission, lines=(("Collier", euros, 1, "20.0"),), at=at)
        online_order(shop, money="captured", at=at)
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        month = timezone.localtime(at + timedelta(days=2)).strftime("%Y-%m")
        return {
            "shops": [shop.pk, other.pk],
            "receipt": f"/commande/{order_link_token(order=receipt)}/recu/",
            "owner": shop.owner_user.email,
            "staff": staff.email,
            "month": month,
            "reco_month": timezone.localtime(at).strftime("%Y-%m"),
        }


def _world_remove(world: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.notifications.models import OutboxEmail
    from vitrine.orders.models import Order
    from vitrine.payments.models import CartPayment, OrderPayment
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        payments = OrderPayment.objects.filter(shop_id__in=world["shops"])
        carts = list(payments.values_list("cart_payment_id", flat=True))
        payments.delete()
        CartPayment.objects.filter(pk__in=carts).delete()
        Order.objects.filter(shop_id__in=world["shops"]).delete()
        for shop in Shop.objects.filter(pk__in=world["shops"]):
            owners = list(shop.members.values_list("user_id", flat=True))
            OutboxEmail.objects.filter(to=[shop.email]).delete()
            shop.delete()
            User.objects.filter(pk__in=owners).delete()
        User.objects.filter(email=world["staff"]).delete()


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (
        f"the page is {width}px wide on a {page.viewport_size['width']}px phone"
    )


def test_receipt_and_payouts_on_a_phone(phone_page, phone_pages, page, base_url, screenshot, orm):
    from playwright.sync_api import expect

    from vitrine.testing.browser import axe_violations, territory_sign_in
    from vitrine.testing.factories import DEFAULT_PASSWORD
    from vitrine.testing.two_factor import totp_code_for

    world = orm(_world_make)
    try:
        # the shopper opens the receipt from the link of their email
        phone = phone_page
        phone.goto(base_url("nancy", world["receipt"]))
        expect(phone.get_by_role("heading", level=1)).to_contain_text("Reçu")
        expect(phone.get_by_text("Bijouterie de la Place").first).to_be_visible()
        expect(phone.get_by_text(re.compile("SIRET"))).to_be_visible()
        expect(phone.get_by_role("button", name="Imprimer")).to_be_visible()  # its script ran, within the policy
        expect(phone.locator(".receipt-vat tbody tr")).to_have_count(2)
        expect(phone.get_by_text("intermédiaire de paiement")).to_be_visible()
        _fits_the_phone(phone)
        assert axe_violations(phone) == []
        screenshot(phone, "payments-receipt-phone")
        # as printed: the sheet alone, without the site's header, footer and buttons
        phone.emulate_media(media="print")
        expect(phone.locator(".site-header")).to_be_hidden()
        expect(phone.get_by_role("button", name="Imprimer")).to_be_hidden()
        screenshot(phone, "payments-receipt-print")
        phone.emulate_media(media="screen")

        # the shop's owner, on their phone, reads the month's payouts
        merchant = phone_pages()
        territory_sign_in(merchant, world["owner"], DEFAULT_PASSWORD, url=base_url("nancy", "/compte/connexion/"))
        merchant.goto(base_url("nancy", f"/pro/paiement/versements/?mois={world['month']}"))
        expect(merchant.get_by_role("heading", level=1)).to_have_text("Versements")
        expect(merchant.locator(".payouts li")).to_have_count(3)
        expect(merchant.get_by_text(re.compile("Repris : − 19,00"))).to_be_visible()
        _fits_the_phone(merchant)
        assert axe_violations(merchant) == []
        screenshot(merchant, "payments-payouts-phone")
        with merchant.expect_download() as download:
            merchant.get_by_role("link", name="Toutes les commandes payées en ligne (CSV)").click()
        assert download.value.suggested_filename.startswith("paiements-en-ligne-")
        # the board says the order paid online is not to be paid at the counter
        merchant.goto(base_url("nancy", "/pro/commandes/historique/"))
        expect(merchant.get_by_text("Payée en ligne : rien à encaisser au comptoir").first).to_be_visible()
        assert axe_violations(merchant) == []
        screenshot(merchant, "payments-merchant-history-phone")

        # the team's reconciliation, on a computer
        code = orm(totp_code_for, "nancy", world["staff"])
        territory_sign_in(
            page, world["staff"], DEFAULT_PASSWORD, url=base_url("nancy", "/compte/connexion/"), code=code
        )
        page.goto(base_url("nancy", f"/equipe/paiements/rapprochement/?mois={world['reco_month']}"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Rapprochement des paiements en ligne")
        expect(page.get_by_text("✓ tombe juste").first).to_be_visible()
        assert axe_violations(page) == []
        screenshot(page, "payments-reconciliation-desktop")
    finally:
        orm(_world_remove, world)
