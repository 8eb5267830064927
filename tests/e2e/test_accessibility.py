"""WCAG 2.1 A/AA checks (axe-core, run in Debian's Chromium) over the pages shoppers and
merchants use on a phone: the marketplace, search, cart and checkout, the account, the board."""

from __future__ import annotations

import pytest

from vitrine.testing.browser import axe_violations, territory_sign_in

pytestmark = pytest.mark.browser


def _world_make() -> dict:
    import uuid

    from django_tenants.utils import tenant_context

    from vitrine.orders.cart import cart_add, cart_create
    from vitrine.orders.checkout import Guest, order_place
    from vitrine.orders.links import order_link_token
    from vitrine.orders.selectors import checkout_slots
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory, shop_open_every_day

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        shop = shop_open_every_day(name="Bijouterie Accessible")
        product = ProductFactory(shop=shop, title="Bague en argent", stock=5)
        shopper = UserFactory(email="a11y@example.fr", full_name="Alice Martin")
        cart = cart_create(user=shopper)
        cart_add(cart=cart, product_id=product.pk)
        (order,) = order_place(
            cart=cart,
            customer=shopper,
            guest=Guest("Alice Martin", "a11y@example.fr", "0612345678"),
            slots={shop.pk: checkout_slots(shop=shop)[0].starts_at},
            idempotency_key=uuid.uuid4(),
        )
        cart_add(cart=cart_create(user=shopper), product_id=product.pk)  # a line for the cart page
        return {
            "shop": shop.pk,
            "shop_slug": shop.slug,
            "product_slug": product.slug,
            "order": order.pk,
            "link": f"/commande/{order_link_token(order=order)}/",
            "shopper": shopper.email,
            "merchant": shop.owner_user.email,
            "password": DEFAULT_PASSWORD,
        }


def _world_remove(world: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.notifications.models import OutboxEmail
    from vitrine.orders.models import Cart, Order
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        OutboxEmail.objects.filter(to__contains=[world["shopper"]]).delete()
        Order.objects.filter(shop_id=world["shop"]).delete()
        Cart.objects.filter(user__email=world["shopper"]).delete()
        Shop.objects.filter(pk=world["shop"]).delete()
        User.objects.filter(email__in=[world["shopper"], world["merchant"]]).delete()


_violations = axe_violations


def test_shopper_and_merchant_pages_meet_wcag_21_aa(phone_page, phone_pages, base_url, orm, screenshot):
    # the checker itself sees a missing alt text and a missing label
    phone_page.set_content(
        '<html lang="fr"><head><title>t</title></head><body><main>'
        '<img src="x.png"><input type="text"></main></body></html>'
    )
    assert {line.split()[1] for line in _violations(phone_page)} >= {"image-alt", "label"}

    world = orm(_world_make)
    found: list[str] = []
    try:
        page = phone_page
        public = [
            "/",
            "/boutiques/",
            f"/boutiques/{world['shop_slug']}/",
            f"/boutiques/{world['shop_slug']}/{world['product_slug']}/",
            "/recherche/?q=bague",
            "/recherche/?q=zzzzzz",
            "/panier/",
            "/compte/connexion/",
            "/compte/inscription/",
            "/compte/mot-de-passe/oublie/",
            "/pro/rejoindre/",
            world["link"],  # the order by its emailed link, and its cancel question
            world["link"] + "annuler/",
        ]
        for path in public:
            page.goto(base_url("nancy", path))
            found += _violations(page)
        territory_sign_in(page, world["shopper"], world["password"], url=base_url("nancy", "/compte/connexion/"))
        for path in [
            "/panier/",
            "/panier/commande/",
            "/compte/",
            "/compte/commandes/",
            f"/compte/commandes/{world['order']}/",
            f"/compte/commandes/{world['order']}/annuler/",
            "/compte/supprimer/",
        ]:
            page.goto(base_url("nancy", path))
            found += _violations(page)
        merchant = phone_pages()
        territory_sign_in(merchant, world["merchant"], world["password"], url=base_url("nancy", "/compte/connexion/"))
        for path in [
            "/pro/",
            "/pro/commandes/",
            "/pro/commandes/historique/",
            "/pro/commandes/jour/",
            "/pro/commandes/reglages/",
            "/pro/produits/",
            "/pro/horaires/",
        ]:
            merchant.goto(base_url("nancy", path))
            found += _violations(merchant)
    finally:
        orm(_world_remove, world)
    assert found == [], "\n".join(found)
