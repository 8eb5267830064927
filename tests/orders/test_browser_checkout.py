"""A shopper on a phone: two shops, one cart, checkout as a guest, pickup codes with QR codes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest


def qr_decode(image) -> list[str]:
    """What zbar reads in an image: one "KIND:data" line per symbol (Micro QR codes are not read)."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:  # like Chromium: required in CI, skipped on a machine without it
        missing = "zbarimg is not installed (apt-get install zbar-tools): the QR codes cannot be read"
        pytest.fail(missing) if os.environ.get("VITRINE_REQUIRE_BROWSER") == "1" else pytest.skip(missing)
    result = subprocess.run([zbarimg, "--quiet", str(image)], capture_output=True, text=True, timeout=30)
    return result.stdout.split()


pytestmark = pytest.mark.browser


def _world_make() -> dict:
    from django_tenants.utils import tenant_context
    from orders_helpers import shop_open_every_day

    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        bijoux = shop_open_every_day(name="Bijouterie de la Place")
        deco = shop_open_every_day(name="Atelier Déco Stan")
        ring = ProductFactory(shop=bijoux, title="Bague en argent martelé", stock=3)
        vase = ProductFactory(shop=deco, title="Vase soufflé bleu", stock=2)
        return {
            "shops": [bijoux.pk, deco.pk],
            "ring": f"/boutiques/{bijoux.slug}/{ring.slug}/",
            "vase": f"/boutiques/{deco.slug}/{vase.slug}/",
            "ring_url": _url(ring),
            "vase_url": _url(vase),
        }


def _url(product) -> str:
    from django.urls import reverse

    return reverse("product_detail", args=[product.shop.slug, product.slug])


def _world_remove(world: dict) -> list[str]:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.notifications.models import OutboxEmail
    from vitrine.orders.models import Order
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        orders = Order.objects.filter(shop_id__in=world["shops"])
        summary = [f"{o.shop.name}:{o.status}:{o.email}" for o in orders]
        for code in orders.values_list("pickup_code", flat=True):
            OutboxEmail.objects.filter(subject__contains=code).delete()
        orders.delete()
        for shop in Shop.objects.filter(pk__in=world["shops"]):
            owners = list(shop.members.values_list("user_id", flat=True))
            shop.delete()
            User.objects.filter(pk__in=owners).delete()
    return summary


def test_a_guest_orders_from_two_shops_on_a_phone(phone_page, base_url, screenshot, orm, tmp_path):
    from playwright.sync_api import expect

    page = phone_page
    world = orm(_world_make)
    try:
        # given a shopper on a product page: the button adds to the cart
        page.goto(base_url("nancy", world["ring_url"]))
        button = page.get_by_role("button", name="Ajouter au panier")
        assert button.bounding_box()["height"] >= 44
        button.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre panier")
        page.goto(base_url("nancy", world["vase_url"]))
        page.get_by_label("Quantité").fill("2")
        page.get_by_role("button", name="Ajouter au panier").click()

        # then the cart groups the two shops, with a total, and the header counts 3 items
        expect(page.get_by_role("heading", level=2, name="Bijouterie de la Place")).to_be_visible()
        expect(page.get_by_role("heading", level=2, name="Atelier Déco Stan")).to_be_visible()
        expect(page.get_by_role("link", name="Panier (3)")).to_be_visible()
        screenshot(page, "orders-cart-phone")

        # when they check out as a guest, with a pickup time per shop
        page.get_by_role("link", name="Choisir les créneaux de retrait").click()
        page.get_by_role("button", name="Passer ma commande").click()  # forgot everything: the browser stops them
        for select in page.locator("select[name^=slot-]").all():
            value = select.locator("option:not([disabled]):not([value=''])").first.get_attribute("value")
            select.select_option(value)
        page.get_by_label("Nom pour le retrait").fill("Claire Blaison")
        page.get_by_label("Adresse e-mail").fill("claire.blaison@example.fr")
        page.get_by_label("Téléphone").fill("06 12 34 56 78")
        screenshot(page, "orders-checkout-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the checkout scrolls sideways"
        page.get_by_role("button", name="Passer ma commande").click()

        # then two orders, each with its pickup code and QR code
        expect(page.get_by_role("heading", level=1)).to_have_text("Vos 2 commandes sont passées")
        codes = page.locator(".pickup-code").all_inner_texts()
        assert len(codes) == 2 and all(re.fullmatch(r"[A-Z2-9]{6}", c) for c in codes)
        expect(page.locator("svg.pickup-qr")).to_have_count(2)
        # and each QR code, as the browser draws it, is a standard QR that an ordinary reader
        # (zbar, independent of the library that drew it) decodes to its pickup code
        for index, code in enumerate(codes):
            image = tmp_path / f"qr-{index}.png"
            page.locator("svg.pickup-qr").nth(index).screenshot(path=str(image))
            assert qr_decode(image) == [f"QR-Code:{code}"], code
        screenshot(page, "orders-confirmation-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    finally:
        summary = orm(_world_remove, world)
    assert sorted(summary) == [
        "Atelier Déco Stan:placed:claire.blaison@example.fr",
        "Bijouterie de la Place:placed:claire.blaison@example.fr",
    ]


PASSWORD = "e2e-board-pass-1"


def _board_world() -> dict:
    """A shop open every day whose owner can sign in; no order yet."""
    import secrets

    from django_tenants.utils import tenant_context
    from orders_helpers import shop_open_every_day

    from vitrine.accounts.models import User
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        owner = User.objects.create_user(
            email=f"comptoir-{secrets.token_hex(3)}@example.fr",
            password=PASSWORD,
            role="merchant",
            full_name="Anne Comptoir",
        )
        shop = shop_open_every_day(name="Bijouterie du Comptoir", owner=owner)
        product = ProductFactory(shop=shop, title="Bague en argent", stock=3, price="45.00")
        return {"shops": [shop.pk], "email": owner.email, "product": product.pk}


def _order_arrives(world: dict) -> str:
    """A shopper orders (through the real checkout) for a pickup today; its code."""
    import uuid

    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from vitrine.orders.cart import cart_add
    from vitrine.orders.checkout import Guest, order_place
    from vitrine.orders.models import Cart, Order
    from vitrine.orders.selectors import checkout_slots
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        shop = Shop.objects.get(pk=world["shops"][0])
        cart = Cart.objects.create()
        cart_add(cart=cart, product_id=world["product"], quantity=1)
        (order,) = order_place(
            cart=cart,
            guest=Guest("Claire Blaison", "board@example.fr", "0612345678"),
            slots={shop.pk: checkout_slots(shop=shop)[0].starts_at},
            idempotency_key=uuid.uuid4(),
        )
        # whatever the hour the test runs, the pickup is today's
        now = timezone.now()
        Order.objects.filter(pk=order.pk).update(pickup_starts_at=now, pickup_ends_at=now)
        cart.delete()
        return order.pickup_code


def test_the_merchant_works_the_order_board_on_a_phone(phone_page, base_url, screenshot, orm):
    from playwright.sync_api import expect

    page = phone_page
    world = orm(_board_world)

    def fits() -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
        for button in page.locator("main .button:visible").all():
            assert button.bounding_box()["height"] >= 44

    try:
        # given the merchant signed in on their phone, on the board, sound switched on
        page.goto(base_url("nancy", "/compte/connexion/?next=/pro/commandes/"))
        page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.IGNORECASE)).fill(world["email"])
        page.get_by_label(re.compile(r"^\s*mot de passe\s*$", re.IGNORECASE)).fill(PASSWORD)
        page.locator("main form").get_by_role("button").click()
        page.wait_for_url(base_url("nancy", "/pro/commandes/"))
        expect(page.get_by_role("heading", name="Aucune nouvelle commande à accepter.")).to_be_visible()
        sound = page.get_by_role("button", name="Son : désactivé")
        sound.click()
        expect(page.get_by_role("button", name="Son : activé")).to_be_visible()
        assert page.evaluate("localStorage.getItem('vitrine.orders.board.sound')") == "on"

        # when a shopper orders: the board refreshes itself (htmx, every 20 s)
        code = orm(_order_arrives, world)
        new = page.locator(".board-order.is-new")
        expect(new).to_have_count(1, timeout=30_000)
        # then the order stands out: badge, heading, count in the title, announced, a beep
        expect(new.get_by_text("Nouvelle", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="1 nouvelle commande à accepter")).to_be_visible()
        expect(page).to_have_title(re.compile(r"^\(1\) Commandes"))
        expect(page.locator("#board-announce")).to_have_text("Nouvelle commande")
        assert page.locator("#board-live").get_attribute("data-beeps") == "2"  # the switch's sample, then the order
        fits()
        screenshot(page, "orders-board-new-order-phone")

        # when the merchant accepts it, then marks it ready: one tap each
        new.get_by_role("button", name="Accepter").click()
        expect(page.locator(".messages")).to_contain_text(f"Commande {code} acceptée")
        expect(page).to_have_title(re.compile(r"^Commandes"))
        page.get_by_role("button", name="C’est prêt").click()
        expect(page.locator(".messages")).to_contain_text(f"Commande {code} prête")
        screenshot(page, "orders-board-ready-phone")

        # at the counter: found by the customer's name, marked collected
        page.get_by_label("Trouver une commande").fill("blaison")
        page.get_by_role("button", name="Trouver").click()
        expect(page.get_by_role("heading", name=re.compile("1 commande pour"))).to_be_visible()
        fits()
        screenshot(page, "orders-board-found-phone")
        page.get_by_role("button", name="Marquer retirée").click()
        expect(page.locator(".messages")).to_contain_text(f"Commande {code} retirée")

        # then the day's summary counts it
        page.get_by_role("link", name="Résumé du jour").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Résumé du jour")
        figures = page.locator(".day-figures")
        expect(figures).to_contain_text("Encaissé")
        expect(figures).to_contain_text("45,00 €")
        expect(page.locator(".day-count-collected")).to_contain_text("1")
        fits()
        screenshot(page, "orders-day-summary-phone")

        # and the history and the pickup settings are one tap away
        page.get_by_role("link", name="Historique").click()
        expect(page.locator(".history-order")).to_have_count(1)
        fits()
        screenshot(page, "orders-history-phone")
        page.get_by_role("link", name="Réglages du retrait").click()
        expect(page.get_by_label("Temps de préparation")).to_have_value("120")
        fits()
        screenshot(page, "orders-pickup-settings-phone")
    finally:
        summary = orm(_world_remove, world)
        orm(_emails_remove, "board@example.fr")
    assert summary == ["Bijouterie du Comptoir:collected:board@example.fr"]


def _emails_remove(address: str) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.notifications.models import OutboxEmail
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        OutboxEmail.objects.filter(to=[address]).delete()


def _emailed_link(address: str) -> str:
    """The order link of the confirmation sent to `address` (as the shopper's mail program shows it)."""
    from django_tenants.utils import tenant_context

    from vitrine.notifications.models import OutboxEmail
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        email = OutboxEmail.objects.filter(to=[address], subject__contains="code de retrait").get()
    return re.search(r"https?://\S+/commande/\S+/", email.body).group(0)


def test_a_guest_opens_the_emailed_link_on_another_device_and_cancels(
    phone_page, phone_pages, page, base_url, screenshot, orm, tmp_path
):
    from playwright.sync_api import expect

    world = orm(_world_make)
    address = "claire.ailleurs@example.fr"
    try:
        # given a guest who ordered on their phone
        ordering = phone_page
        ordering.goto(base_url("nancy", world["ring_url"]))
        ordering.get_by_role("button", name="Ajouter au panier").click()
        ordering.get_by_role("link", name="Choisir les créneaux de retrait").click()
        slot = ordering.locator("select[name^=slot-]")
        slot.select_option(slot.locator("option:not([disabled]):not([value=''])").first.get_attribute("value"))
        ordering.get_by_label("Nom pour le retrait").fill("Claire Blaison")
        ordering.get_by_label("Adresse e-mail").fill(address)
        ordering.get_by_label("Téléphone").fill("06 12 34 56 78")
        ordering.get_by_role("button", name="Passer ma commande").click()
        expect(ordering.get_by_role("heading", level=1)).to_have_text("Votre commande est passée")
        code = ordering.locator(".pickup-code").inner_text()

        # when they open the link of the confirmation email on another device (no session, no account)
        link = orm(_emailed_link, address)
        assert link.startswith(base_url("nancy", "/commande/"))
        other = phone_pages()
        other.goto(link)

        # then their order: shop, status, items, pickup code and a QR code a reader decodes
        expect(other.get_by_role("heading", level=1)).to_have_text("Votre commande chez Bijouterie de la Place")
        expect(other.locator(".order-status")).to_have_text("Passée")
        expect(other.locator(".pickup-code")).to_have_text(code)
        expect(other.get_by_text("Bague en argent martelé")).to_be_visible()
        image = tmp_path / "qr-link.png"
        other.locator("svg.pickup-qr").screenshot(path=str(image))
        assert qr_decode(image) == [f"QR-Code:{code}"]
        assert other.evaluate("document.documentElement.scrollWidth") <= 390, "the order page scrolls sideways"
        screenshot(other, "orders-link-phone")
        # and the same link on a computer
        page.goto(link)
        expect(page.locator(".pickup-code")).to_have_text(code)
        screenshot(page, "orders-link-desktop")

        # when they cancel: asked first, with a big enough button
        other.get_by_role("link", name="Annuler cette commande").click()
        expect(other.get_by_role("heading", level=1)).to_have_text("Annuler cette commande ?")
        confirm = other.get_by_role("button", name="Oui, annuler ma commande")
        assert confirm.bounding_box()["height"] >= 44
        assert other.evaluate("document.documentElement.scrollWidth") <= 390, "the question scrolls sideways"
        screenshot(other, "orders-link-cancel-question-phone")
        page.goto(link + "annuler/")
        screenshot(page, "orders-link-cancel-question-desktop")
        confirm.click()

        # then the page says the order is cancelled; no pickup code, nothing more to cancel
        expect(other.get_by_role("heading", level=1)).to_have_text("Commande annulée chez Bijouterie de la Place")
        expect(other.locator(".messages")).to_contain_text("Votre commande chez Bijouterie de la Place est annulée.")
        expect(other.locator(".order-status")).to_have_text("Annulée")
        expect(other.locator(".pickup-code")).to_have_count(0)
        expect(other.get_by_role("link", name="Annuler cette commande")).to_have_count(0)
        screenshot(other, "orders-link-cancelled-phone")
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Commande annulée chez Bijouterie de la Place")
        screenshot(page, "orders-link-cancelled-desktop")
        # and the phone that ordered reads the same on its confirmation page
        ordering.reload()
        expect(ordering.get_by_role("heading", level=1)).to_have_text("Commande annulée")
        screenshot(ordering, "orders-confirmation-cancelled-phone")
    finally:
        summary = orm(_world_remove, world)
        orm(_emails_remove, address)
    assert summary == [f"Bijouterie de la Place:cancelled:{address}"]


def _terroir_order() -> dict:
    """A guest's order in Limoges (theme terroir), and the path of its emailed link."""
    import uuid

    from django_tenants.utils import tenant_context
    from orders_helpers import shop_open_every_day

    from vitrine.orders.cart import cart_add, cart_create
    from vitrine.orders.checkout import Guest, order_place
    from vitrine.orders.links import order_link_token
    from vitrine.orders.selectors import checkout_slots
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory

    with tenant_context(Territory.objects.get(schema_name="limoges")):
        shop = shop_open_every_day(name="Porcelaine du Vieux Limoges")
        product = ProductFactory(shop=shop, title="Tasse en porcelaine", stock=3)
        cart = cart_create()
        cart_add(cart=cart, product_id=product.pk)
        (order,) = order_place(
            cart=cart,
            guest=Guest("Claire Blaison", "terroir@example.fr", "0612345678"),
            slots={shop.pk: checkout_slots(shop=shop)[0].starts_at},
            idempotency_key=uuid.uuid4(),
        )
        return {"shop": shop.pk, "path": f"/commande/{order_link_token(order=order)}/", "code": order.pickup_code}


def _terroir_remove(world: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.notifications.models import OutboxEmail
    from vitrine.orders.models import Order
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="limoges")):
        OutboxEmail.objects.filter(subject__contains=world["code"]).delete()
        OutboxEmail.objects.filter(to=["terroir@example.fr"]).delete()
        Order.objects.filter(shop_id=world["shop"]).delete()
        shop = Shop.objects.get(pk=world["shop"])
        owners = list(shop.members.values_list("user_id", flat=True))
        shop.delete()
        User.objects.filter(pk__in=owners).delete()


def test_the_order_link_pages_in_the_terroir_theme(phone_page, base_url, screenshot, orm):
    from playwright.sync_api import expect

    world = orm(_terroir_order)
    try:
        # given Limoges' link, on a phone: the order, its code, and the cancel question, in terroir's look
        phone_page.goto(base_url("limoges", world["path"]))
        expect(phone_page.locator(".pickup-code")).to_have_text(world["code"])
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone_page, "orders-link-terroir-phone")
        phone_page.get_by_role("link", name="Annuler cette commande").click()
        button = phone_page.get_by_role("button", name="Oui, annuler ma commande")
        assert button.bounding_box()["height"] >= 44
        screenshot(phone_page, "orders-link-cancel-question-terroir-phone")
        # and the same link is not found on Nancy's host
        assert phone_page.goto(base_url("nancy", world["path"])).status == 404
    finally:
        orm(_terroir_remove, world)
