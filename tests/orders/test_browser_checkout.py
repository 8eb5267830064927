"""A shopper on a phone: two shops, one cart, checkout as a guest, pickup codes with QR codes."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

# The browser fixtures of tests/e2e (Debian's Chromium through Playwright), reused here.
_spec = importlib.util.spec_from_file_location("e2e_fixtures", Path(__file__).parents[1] / "e2e" / "conftest.py")
_e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_e2e)
orm, chromium, playwright_driver, browser, phone_page, base_url, screenshot = (
    _e2e.orm, _e2e.chromium, _e2e.playwright_driver, _e2e.browser, _e2e.phone_page, _e2e.base_url, _e2e.screenshot)

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
        return {"shops": [bijoux.pk, deco.pk], "ring": f"/boutiques/{bijoux.slug}/{ring.slug}/",
                "vase": f"/boutiques/{deco.slug}/{vase.slug}/", "ring_url": _url(ring), "vase_url": _url(vase)}


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


def test_a_guest_orders_from_two_shops_on_a_phone(phone_page, base_url, screenshot, orm):
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
        screenshot(page, "orders-confirmation-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    finally:
        summary = orm(_world_remove, world)
    assert sorted(summary) == ["Atelier Déco Stan:placed:claire.blaison@example.fr",
                               "Bijouterie de la Place:placed:claire.blaison@example.fr"]


def _board_html() -> tuple[str, dict]:
    """The board of a shop with a new order and one ready today, rendered by Django (the lead wires /pro/commandes/)."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context
    from orders_helpers import client_on, shop_open_every_day
    from vitrine.orders import services
    from vitrine.orders.models import Cart, Order
    from vitrine.orders.selectors import checkout_slots
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory

    nancy = Territory.objects.get(schema_name="nancy")
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Bijouterie du Comptoir")
        merchant = shop.members.get().user
        orders = []
        for name, title in (("Claire Blaison", "Bague en argent"), ("Paul Martin", "Collier perles")):
            cart = Cart.objects.create()
            services.cart_add(cart=cart, product_id=ProductFactory(shop=shop, title=title, stock=3).pk, quantity=1)
            orders += services.order_place(cart=cart, guest=services.Guest(name, "board@example.fr", "0612345678"),
                                           slots={shop.pk: checkout_slots(shop=shop)[0].starts_at},
                                           idempotency_key=__import__("uuid").uuid4())
        services.order_accept(order=orders[1], actor=merchant)
        services.order_mark_ready(order=orders[1], actor=merchant)
        Order.objects.filter(pk=orders[1].pk).update(pickup_starts_at=timezone.now())  # today's pickup
    html = client_on(nancy, merchant).get("/pro/commandes/").content.decode()
    return html, {"shops": [shop.pk], "ring": "", "vase": ""}


def test_the_order_board_on_a_phone(phone_page, base_url, screenshot, orm):
    page = phone_page
    html, world = orm(_board_html)
    try:
        # the page as Django rendered it, its styles served by the web server
        page.goto(base_url("nancy", "/healthz"))
        page.set_content(html.replace("<head>", f'<head><base href="{base_url("nancy", "/")}">', 1))
        page.wait_for_load_state("networkidle")
        for button in page.locator(".board-actions .button").all():
            assert button.bounding_box()["height"] >= 44
        assert page.locator(".board-order.is-new").count() == 1
        screenshot(page, "orders-merchant-board-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        orm(_world_remove, world)
