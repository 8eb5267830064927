"""The issue's journey, end to end on phones: a shopper looks for "bijou", orders from two
shops as a guest, each merchant accepts and prepares, the shopper sees "ready" and gets the
email, and at the counter the merchant finds the order by the customer's name and hands it over.

Real web server, real Celery worker delivering the outbox, Debian's Chromium.
"""

from __future__ import annotations

import re

import pytest

from vitrine.testing.browser import territory_sign_in
from vitrine.testing.helpers import wait_for

pytestmark = pytest.mark.browser

SHOPPER_EMAIL = "claire.blaison@example.fr"


def _world_make() -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.catalog.models import Category
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import DEFAULT_PASSWORD, ProductFactory, shop_open_every_day

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        jewels = Category.objects.get(name="Bijoux", parent=None)
        bijouterie = shop_open_every_day(name="Bijouterie Stanislas", category=jewels)
        deco = shop_open_every_day(name="Atelier Déco Stan")
        ProductFactory(shop=bijouterie, title="Bague en argent martelé", category=jewels, stock=2)
        ProductFactory(shop=deco, title="Bijou de sac en cuir", stock=4)
        return {
            "shops": [bijouterie.pk, deco.pk],
            "password": DEFAULT_PASSWORD,
            "merchants": {shop.name: shop.owner_user.email for shop in (bijouterie, deco)},
            "shop_emails": [shop.email for shop in (bijouterie, deco)],
        }


def _emails_to(address: str) -> list[tuple[str, str]]:
    """(subject, status) of the outbox emails to an address, oldest first."""
    from django_tenants.utils import tenant_context

    from vitrine.notifications.models import OutboxEmail
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        return list(OutboxEmail.objects.filter(to__contains=[address]).order_by("pk").values_list("subject", "status"))


def _email_html(address: str, subject_part: str) -> str:
    from django_tenants.utils import tenant_context

    from vitrine.notifications.models import OutboxEmail
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        return OutboxEmail.objects.filter(to__contains=[address], subject__contains=subject_part).latest("pk").html


def _world_remove(world: dict) -> list[str]:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.notifications.models import OutboxEmail
    from vitrine.orders.models import Order
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        orders = Order.objects.filter(shop_id__in=world["shops"]).select_related("shop")
        summary = sorted(f"{o.shop.name}:{o.status}" for o in orders)
        OutboxEmail.objects.filter(to__contains=[SHOPPER_EMAIL]).delete()
        for shop in Shop.objects.filter(pk__in=world["shops"]):
            OutboxEmail.objects.filter(to__contains=[shop.email]).delete()
        orders.delete()
        for shop in Shop.objects.filter(pk__in=world["shops"]):
            owners = list(shop.members.values_list("user_id", flat=True))
            shop.delete()
            User.objects.filter(pk__in=owners).delete()
    return summary


def test_bijou_two_shops_guest_checkout_to_collection(phone_page, phone_pages, base_url, screenshot, orm):
    from playwright.sync_api import expect

    shopper = phone_page
    world = orm(_world_make)
    try:
        # a shopper looks for "bijou" from the home page: both shops' items come up
        shopper.goto(base_url("nancy", "/"))
        shopper.get_by_role("searchbox").fill("bijou")
        shopper.get_by_role("searchbox").press("Enter")
        results = shopper.locator("main")
        expect(results.get_by_role("link", name="Bague en argent martelé")).to_be_visible()
        expect(results.get_by_role("link", name="Bijou de sac en cuir")).to_be_visible()
        screenshot(shopper, "journey-1-search-bijou")

        # adds one item from each shop to one cart
        for title in ("Bague en argent martelé", "Bijou de sac en cuir"):
            shopper.goto(base_url("nancy", "/recherche/?q=bijou"))
            shopper.locator("main").get_by_role("link", name=title).first.click()
            shopper.get_by_role("button", name="Ajouter au panier").click()
            expect(shopper.get_by_role("heading", level=1)).to_have_text("Votre panier")
        expect(shopper.get_by_role("heading", level=2, name="Bijouterie Stanislas")).to_be_visible()
        expect(shopper.get_by_role("heading", level=2, name="Atelier Déco Stan")).to_be_visible()
        screenshot(shopper, "journey-2-cart")

        # checks out as a guest, a pickup slot per shop
        shopper.get_by_role("link", name="Choisir les créneaux de retrait").click()
        for select in shopper.locator("select[name^=slot-]").all():
            select.select_option(select.locator("option:not([disabled]):not([value=''])").first.get_attribute("value"))
        shopper.get_by_label("Nom pour le retrait").fill("Claire Blaison")
        shopper.get_by_label("Adresse e-mail").fill(SHOPPER_EMAIL)
        shopper.get_by_label("Téléphone").fill("06 12 34 56 78")
        shopper.get_by_role("button", name="Passer ma commande").click()
        expect(shopper.get_by_role("heading", level=1)).to_have_text("Vos 2 commandes sont passées")
        codes = shopper.locator(".pickup-code").all_inner_texts()
        assert len(codes) == 2
        confirmation = shopper.url
        screenshot(shopper, "journey-3-confirmation")

        # two orders, two confirmation emails delivered by the worker (and one to each shop)
        def placed_emails():
            emails = orm(_emails_to, SHOPPER_EMAIL)
            return emails if [s for _subject, s in emails] == ["sent", "sent"] else None

        emails = wait_for(placed_emails, timeout=30, interval=0.3, message="the two confirmation emails")
        assert sorted(code for code in codes if any(code in subject for subject, _s in emails)) == sorted(codes)
        for shop_email in world["shop_emails"]:
            (new_order,) = wait_for(
                lambda a=shop_email: orm(_emails_to, a),
                timeout=30,
                interval=0.3,
                message=f"the new-order email to {shop_email}",
            )
            assert new_order[0].startswith("Nouvelle commande") and "Claire Blaison" in new_order[0]

        # each merchant, on their phone, accepts the new order and prepares it
        for shop_name, merchant_email in world["merchants"].items():
            merchant = phone_pages()
            territory_sign_in(
                merchant,
                merchant_email,
                world["password"],
                url=base_url("nancy", "/compte/connexion/?next=/pro/commandes/"),
            )
            new = merchant.locator(".board-order.is-new")
            expect(new).to_have_count(1)
            expect(new).to_contain_text("Claire Blaison")
            screenshot(merchant, f"journey-4-board-new-{shop_name.split()[0].lower()}")
            new.get_by_role("button", name="Accepter").click()
            expect(merchant.locator(".messages, [role=status]").first).to_contain_text("acceptée")
            merchant.locator(".board-order", has_text="Claire Blaison").get_by_role("button", name="C’est prêt").click()
            expect(merchant.locator(".board-order", has_text="Claire Blaison")).to_contain_text("Prête à retirer")
            screenshot(merchant, f"journey-5-board-ready-{shop_name.split()[0].lower()}")

        # the shopper sees both orders ready, and gets the "ready" emails
        shopper.goto(confirmation)
        expect(shopper.locator(".order-status")).to_have_text(["Prête à retirer", "Prête à retirer"])
        screenshot(shopper, "journey-6-shopper-sees-ready")
        ready = wait_for(
            lambda: [e for e in orm(_emails_to, SHOPPER_EMAIL) if "prête" in e[0] and e[1] == "sent"],
            timeout=30,
            interval=0.3,
            message="the ready emails",
        )
        assert len(ready) == 2
        # the email as a mail client shows it: a blank tab, not a page of the site (whose CSP it is not under)
        mail_client = shopper.context.new_page()
        mail_client.set_content(orm(_email_html, SHOPPER_EMAIL, "prête"))
        screenshot(mail_client, "journey-7-ready-email")
        mail_client.close()

        # at the counter: "Je viens chercher une commande au nom de Blaison"
        counter = phone_pages()
        merchant_email = world["merchants"]["Bijouterie Stanislas"]
        territory_sign_in(
            counter, merchant_email, world["password"], url=base_url("nancy", "/compte/connexion/?next=/pro/commandes/")
        )
        counter.get_by_label(re.compile("Trouver une commande")).fill("blaison")
        counter.get_by_label(re.compile("Trouver une commande")).press("Enter")
        found = counter.locator(".board-order", has_text="Claire Blaison")
        expect(found).to_have_count(1)
        screenshot(counter, "journey-8-counter-found-by-name")
        found.get_by_role("button", name="Marquer retirée").click()
        expect(counter.locator(".board-order", has_text="Claire Blaison").first).to_contain_text("Retirée")
        screenshot(counter, "journey-9-collected")
    finally:
        summary = orm(_world_remove, world)
    assert summary == ["Atelier Déco Stan:ready", "Bijouterie Stanislas:collected"]
