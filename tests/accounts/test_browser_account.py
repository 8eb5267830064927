"""A shopper on a phone: signs up from the checkout, orders, finds the order in their account, cancels it,
then deletes the account."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

EMAIL = "lucie.browser@example.fr"
PHONE_WIDTH = 390


def _world_make() -> dict:
    from accounts_helpers import shop_open_every_day
    from django.urls import reverse
    from django_tenants.utils import tenant_context

    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        shop = shop_open_every_day(name="Fromagerie du Marché", phone="03 83 12 34 56")
        cheese = ProductFactory(shop=shop, title="Brie de Meaux fermier", stock=4)
        return {"shop": shop.pk, "product": cheese.pk, "url": reverse("product_detail", args=[shop.slug, cheese.slug])}


def _world_remove(world: dict) -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.catalog.models import Product
    from vitrine.notifications.models import OutboxEmail
    from vitrine.orders.models import Order
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        orders = Order.objects.filter(shop_id=world["shop"])
        found = {
            "orders": [(o.status, o.email) for o in orders],
            "stock": Product.objects.get(pk=world["product"]).stock,
        }
        for code in orders.values_list("pickup_code", flat=True):
            OutboxEmail.objects.filter(subject__contains=code).delete()
        orders.delete()
        shop = Shop.objects.get(pk=world["shop"])
        owners = list(shop.members.values_list("user_id", flat=True))
        shop.delete()
        User.objects.filter(pk__in=owners).delete()
        User.objects.filter(email=EMAIL).delete()
        OutboxEmail.objects.filter(to=[EMAIL]).delete()
    return found


def _confirm_link() -> str:
    from django_tenants.utils import tenant_context

    from vitrine.notifications.models import OutboxEmail
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        body = OutboxEmail.objects.filter(to=[EMAIL]).latest("pk").body
    return re.search(r"https?://\S+/compte/inscription/\S+", body).group(0)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways on a phone ({width}px)"


def test_a_shopper_signs_up_orders_and_cancels_from_their_account(phone_page, base_url, screenshot, orm):
    from playwright.sync_api import expect

    page = phone_page
    world = orm(_world_make)
    try:
        # given: a visitor with a cheese in their cart, at the checkout
        page.goto(base_url("nancy", world["url"]))
        page.get_by_role("button", name="Ajouter au panier").click()
        page.get_by_role("link", name="Choisir les créneaux de retrait").click()

        # when they choose to sign in, then to create an account
        page.get_by_role("link", name="Se connecter").last.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
        page.get_by_role("link", name="Créer un compte").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
        page.get_by_label("Votre nom").fill("Lucie Fontaine")
        page.get_by_label("Adresse e-mail").fill(EMAIL)
        page.get_by_label("Mot de passe").fill("mirabelles-de-lorraine")
        consent = page.get_by_label(re.compile("J’ai lu comment cette place de marché utilise mes données"))
        box = consent.bounding_box()
        assert box["width"] >= 20 and box["height"] >= 20, "the consent box is too small to tap"
        consent.check()
        screenshot(page, "accounts-sign-up-phone")
        _no_sideways_scroll(page)
        page.get_by_role("button", name="Créer mon compte").click()

        # then: asked to open the link just emailed (the same answer whatever the address)
        expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
        expect(page.get_by_text(f"Nous avons envoyé un e-mail à {EMAIL}.")).to_be_visible()
        screenshot(page, "accounts-sign-up-sent-phone")
        _no_sideways_scroll(page)

        # when they open it, in the same browser
        page.goto(orm(_confirm_link))
        page.get_by_label("Le mot de passe choisi").fill("mirabelles-de-lorraine")
        page.get_by_role("button", name="Ouvrir mon compte").click()

        # then: back at the checkout, signed in, the cart kept
        expect(page).to_have_url(re.compile(r"/panier/commande/$"))
        expect(page.get_by_text("Bienvenue, Lucie Fontaine : votre compte est prêt.")).to_be_visible()
        expect(page.get_by_text(f"Vous commandez en tant que Lucie Fontaine ({EMAIL}).")).to_be_visible()
        select = page.locator("select[name^=slot-]")
        select.select_option(select.locator("option:not([disabled]):not([value=''])").first.get_attribute("value"))
        page.get_by_role("button", name="Passer ma commande").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre commande est passée")
        code = page.locator(".pickup-code").inner_text()

        # when: they open their account, then their orders
        page.get_by_role("link", name="Mon compte").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
        screenshot(page, "accounts-home-phone")
        _no_sideways_scroll(page)
        page.get_by_role("link", name="Mes commandes").click()

        # then: the order is there, with its shop, status and total
        card = page.locator(".account-order")
        expect(card).to_have_count(1)
        expect(card).to_contain_text("Fromagerie du Marché")
        expect(card).to_contain_text("Passée")
        expect(card).to_contain_text("24,90")
        screenshot(page, "accounts-orders-phone")
        _no_sideways_scroll(page)

        # when: they open it
        card.get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre commande chez Fromagerie du Marché")
        expect(page.locator(".pickup-code")).to_have_text(code)
        expect(page.locator("svg.pickup-qr")).to_have_count(1)
        expect(page.get_by_role("link", name="Appeler la boutique : 03 83 12 34 56")).to_be_visible()
        screenshot(page, "accounts-order-detail-phone")
        _no_sideways_scroll(page)

        # and cancel it (a second tap confirms)
        page.get_by_text("Annuler cette commande").click()
        confirm = page.get_by_role("button", name="Oui, annuler ma commande")
        assert confirm.bounding_box()["height"] >= 44
        confirm.click()

        # then: cancelled, said so, no more pickup code, no more cancel button
        expect(page.get_by_text("Votre commande chez Fromagerie du Marché est annulée.")).to_be_visible()
        expect(page.locator(".order-status")).to_have_text("Annulée")
        expect(page.locator(".pickup-code")).to_have_count(0)
        expect(page.get_by_text("Annuler cette commande")).to_have_count(0)
        expect(page.locator(".cart-subtotal")).to_contain_text("Total")  # nothing left to pay
        screenshot(page, "accounts-order-cancelled-phone")
        _no_sideways_scroll(page)

        # when: nothing is in progress any more, they delete their account
        page.get_by_role("link", name="Mon compte").first.click()
        page.get_by_role("link", name="Supprimer mon compte").click()
        page.get_by_label("Votre mot de passe").fill("mirabelles-de-lorraine")
        screenshot(page, "accounts-delete-phone")
        _no_sideways_scroll(page)
        page.get_by_role("button", name="Supprimer définitivement mon compte").click()

        # then: told so, signed out
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre compte est supprimé")
        expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
        screenshot(page, "accounts-deleted-phone")
    finally:
        found = orm(_world_remove, world)
    # the shop keeps the cancelled order, anonymised; its stock is back
    assert found == {"orders": [("cancelled", "client-supprime@vitrine.invalid")], "stock": 4}
