"""Online payment end to end on a phone: a two-shop cart paid once on the (fake) Stripe page,
both shops accept, one order is collected and the other is not; the shopper is refunded for the
one not collected, the other shop is paid its amount less the commission, and the money adds up.

Real web server and Celery worker, Stripe being the local fake (its webhooks delivered over
HTTP to the web server's endpoints, handled by the worker), Debian's Chromium.
"""

from __future__ import annotations

import pytest

from vitrine.testing.browser import axe_violations
from vitrine.testing.helpers import wait_for

pytestmark = pytest.mark.browser

SHOPPER_EMAIL = "paiement.en.ligne@example.fr"


def _world_make(fake) -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.payments.models import PaymentSettings, ShopPayment
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, shop_open_every_day

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        PaymentSettings.objects.update_or_create(
            pk=1,
            defaults={
                "offers_pickup": True,
                "offers_online": True,
                "commission_basis_points": 500,
                "commission_fixed_cents": 30,
            },
        )
        shops = []
        for name, title, price in (
            ("Horlogerie du Point Central", "Montre gousset restaurée", "40.00"),
            ("Papeterie de la Carrière", "Carnet relié main", "25.50"),
        ):
            shop = shop_open_every_day(name=name)
            account = fake.client().v1.accounts.create(params={"country": "FR", "email": shop.email})
            fake.account_complete(account.id)
            ShopPayment.objects.create(
                shop=shop, stripe_account_id=account.id, transfers_active=True, charges_enabled=True
            )
            ProductFactory(shop=shop, title=title, stock=3, price=price)
            shops.append(shop)
        return {"shops": [shop.pk for shop in shops], "accounts": [shop.payment.stripe_account_id for shop in shops]}


def _world_remove(world: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.notifications.models import OutboxEmail
    from vitrine.orders.models import Order
    from vitrine.payments.models import CartPayment, OrderPayment, PaymentSettings
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        parts = OrderPayment.objects.filter(shop_id__in=world["shops"])
        carts = list(parts.values_list("cart_payment_id", flat=True))
        parts.delete()
        CartPayment.objects.filter(pk__in=carts).delete()
        Order.objects.filter(shop_id__in=world["shops"]).delete()
        OutboxEmail.objects.filter(to__contains=[SHOPPER_EMAIL]).delete()
        PaymentSettings.objects.filter(pk=1).delete()
        for shop in Shop.objects.filter(pk__in=world["shops"]):
            OutboxEmail.objects.filter(to__contains=[shop.email]).delete()
            owners = list(shop.members.values_list("user_id", flat=True))
            shop.delete()
            User.objects.filter(pk__in=owners).delete()


def _orders(world: dict) -> list[tuple[str, str]]:
    from django_tenants.utils import tenant_context

    from vitrine.orders.models import Order
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        return [(o.shop.name, o.status) for o in Order.objects.filter(shop_id__in=world["shops"]).order_by("shop_id")]


def _payment(world: dict) -> dict | None:
    from django_tenants.utils import tenant_context

    from vitrine.payments.models import OrderPayment
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        parts = list(OrderPayment.objects.filter(shop_id__in=world["shops"]).select_related("cart_payment"))
        if not parts:
            return None
        cart = parts[0].cart_payment
        return {
            "cart": (cart.status, cart.amount_cents, cart.captured_cents, cart.refunded_cents),
            "charge": cart.charge_id,
            "parts": {
                p.shop_id: (p.status, p.amount_cents, p.commission_cents, p.transferred_cents, p.refunded_cents)
                for p in parts
            },
        }


def _move(world: dict, moves: list[tuple[int, str]]) -> None:
    """The shops' own steps (accept, ready, collected) and the expiry job's, through the lifecycle."""
    from django_tenants.utils import tenant_context

    from vitrine.orders import lifecycle
    from vitrine.orders.models import Order
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        for index, step in moves:
            order = Order.objects.select_related("shop").get(shop_id=world["shops"][index])
            owner = order.shop.members.get(role="owner").user
            if step == "expire":
                lifecycle.order_expire(order=order)
            else:
                getattr(lifecycle, f"order_{step}")(order=order, actor=owner)


def test_two_shop_cart_paid_online_then_one_collected_one_not(
    phone_page, base_url, screenshot, orm, stripe_fake_server
):
    from playwright.sync_api import expect

    fake = stripe_fake_server
    shopper = phone_page
    world = orm(_world_make, fake)
    try:
        for title in ("Montre gousset restaurée", "Carnet relié main"):
            shopper.goto(base_url("nancy", f"/recherche/?q={title.split()[0]}"))
            shopper.locator("main").get_by_role("link", name=title).first.click()
            shopper.get_by_role("button", name="Ajouter au panier").click()
        shopper.get_by_role("link", name="Choisir les créneaux de retrait").click()
        for select in shopper.locator("select[name^=slot-]").all():
            select.select_option(select.locator("option:not([disabled]):not([value=''])").first.get_attribute("value"))
        shopper.get_by_label("Nom pour le retrait").fill("Claire Blaison")
        shopper.get_by_label("Adresse e-mail").fill(SHOPPER_EMAIL)
        shopper.get_by_label("Téléphone").fill("06 12 34 56 78")
        expect(shopper.get_by_label("Payer en ligne maintenant")).to_be_checked()
        # Each shop says how it is paid, once: the label follows the choice (both shops take both ways).
        online_labels = shopper.locator(".checkout-shop").get_by_text("À payer en ligne maintenant")
        counter_labels = shopper.locator(".checkout-shop").get_by_text("À régler au retrait")
        expect(online_labels.first).to_be_visible()
        expect(counter_labels.first).to_be_hidden()
        shopper.get_by_label("Payer au retrait").check()
        expect(counter_labels.first).to_be_visible()
        expect(online_labels.first).to_be_hidden()
        shopper.get_by_label("Payer en ligne maintenant").check()
        expect(counter_labels.nth(1)).to_be_hidden()
        screenshot(shopper, "payment-1-checkout")
        shopper.get_by_role("button", name="Commander et payer en ligne").click()

        # Stripe's page (the fake, which says so): one payment of 65,50 € for both shops.
        expect(shopper.get_by_role("note")).to_contain_text("ce n'est pas Stripe")
        expect(shopper.locator("body")).to_contain_text("65,50")
        screenshot(shopper, "payment-2-stripe-page")
        shopper.get_by_label("Numéro de carte").fill("4242 4242 4242 4242")
        shopper.get_by_role("button", name="Payer").click()

        expect(shopper.get_by_role("heading", level=1)).to_have_text("Vos 2 commandes sont passées")
        screenshot(shopper, "payment-3-confirmation")
        # The page with its flash message ("paiement autorisé") meets WCAG 2.1 AA, the message included.
        expect(shopper.get_by_role("status").first).to_contain_text("Votre paiement est autorisé")
        assert axe_violations(shopper) == []
        assert [status for _shop, status in orm(_orders, world)] == ["placed", "placed"]

        # Both shops accept: the worker captures the whole cart once.
        orm(_move, world, [(0, "accept"), (1, "accept")])
        wait_for(
            lambda: (orm(_payment, world) or {}).get("cart", (None,))[0] == "captured",
            timeout=30,
            interval=0.3,
            message="the capture",
        )
        # One collects, the other is not collected in time.
        orm(_move, world, [(0, "mark_ready"), (0, "mark_collected"), (1, "mark_ready"), (1, "expire")])
        settled = wait_for(
            lambda: (
                (p := orm(_payment, world))
                and {s for s, *_ in p["parts"].values()} == {"transferred", "refunded"}
                and p
            ),
            timeout=30,
            interval=0.3,
            message="the transfer and the refund",
        )
        first, second = world["shops"]
        assert settled["cart"] == ("captured", 6550, 6550, 2550)
        assert settled["parts"][first] == ("transferred", 4000, 230, 3770, 0)
        assert settled["parts"][second] == (
            "refunded",
            2550,
            158,
            0,
            2550,
        )
        # What Stripe holds agrees, to the cent: captured = paid to the shop + commission + refunded.
        charge = fake.get(settled["charge"])
        transfers = [
            t for t in fake.events_of("transfer.created") if t["data"]["object"]["destination"] == world["accounts"][0]
        ]
        assert charge["amount_captured"] == 6550 and charge["amount_refunded"] == 2550
        assert [t["data"]["object"]["amount"] for t in transfers] == [3770]
        assert charge["amount_captured"] == 3770 + 230 + charge["amount_refunded"]
    finally:
        orm(_world_remove, world)
