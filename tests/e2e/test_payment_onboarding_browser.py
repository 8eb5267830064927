"""In a real browser, phone-sized: a shop's owner sets up online payment from /pro/paiement/, goes through the
(fake) Stripe onboarding page twice — first leaving something to do, then completing it — and comes back to
"Paiement en ligne actif"; then chooses to be paid online only.

The web server of this module is started with the Stripe settings of a local fake (a thread of this
process), so the shop's account is made on the fake and its hosted page is the fake's.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from vitrine.testing.browser import territory_sign_in
from vitrine.testing.helpers import TEST_VAR, free_port, process_stop, subprocess_env
from vitrine.testing.processes import web_start
from vitrine.testing.stripe_fake import StripeFake

pytestmark = pytest.mark.browser

PASSWORD = "e2e-payment-pass-1"
PHONE_WIDTH = 390


@pytest.fixture(scope="module")
def stripe_web(web_server, django_db_blocker) -> Iterator[tuple[StripeFake, int]]:
    """The fake Stripe, and a web server of this module's whose Stripe is that fake: (fake, port)."""
    fake = StripeFake().start()
    port = free_port()
    with django_db_blocker.unblock():
        env = subprocess_env(SITE_PORT=str(port), DJANGO_DEBUG="1", **fake.settings())
    process = web_start(env, port=port, log_path=TEST_VAR / "web-server-payments.log")
    yield fake, port
    process_stop(process)
    fake.stop()


def _world_make(token: str) -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.payments.models import PaymentSettings
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ShopFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        had_policy = PaymentSettings.objects.filter(pk=1).exists()
        PaymentSettings.objects.update_or_create(
            pk=1, defaults={"offers_pickup": True, "offers_online": True, "commission_basis_points": 250}
        )
        owner = User.objects.create_user(email=f"fromager-{token}@example.fr", password=PASSWORD, role="merchant")
        shop = ShopFactory(name=f"Fromagerie Stanislas {token}", owner=owner)
        return {"shop": shop.pk, "owner": owner.pk, "email": owner.email, "had_policy": had_policy}


def _world_delete(facts: dict) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.payments.inbox.models import StripeAccountRoute
    from vitrine.payments.models import PaymentSettings
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        Shop.objects.filter(pk=facts["shop"]).delete()
        User.objects.filter(pk=facts["owner"]).delete()
        if not facts["had_policy"]:
            PaymentSettings.objects.filter(pk=1).delete()
    connection.set_schema_to_public()
    StripeAccountRoute.objects.filter(schema_name="nancy", shop_id=facts["shop"]).delete()


def _shop_payment(shop_pk: int) -> tuple:
    from django_tenants.utils import tenant_context

    from vitrine.payments.models import ShopPayment
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        row = ShopPayment.objects.get(shop_id=shop_pk)
        return row.stripe_account_id, row.can_receive_transfers, row.accepts_pickup, row.accepts_online


@pytest.fixture
def shop_owner(orm):
    facts = orm(_world_make, secrets.token_hex(3))
    yield facts
    orm(_world_delete, facts)


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_owner_sets_up_online_payment_on_a_phone(stripe_web, phone_page, screenshot, orm, shop_owner):
    fake, port = stripe_web
    page = phone_page
    home = f"http://nancy.localhost:{port}"

    # given the shop's owner, signed in on their phone, on the payment page
    territory_sign_in(page, shop_owner["email"], PASSWORD, url=f"{home}/compte/connexion/?next=/pro/paiement/")
    page.wait_for_url(f"{home}/pro/paiement/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiement en ligne")
    expect(page.locator("#etat")).to_contain_text("Pas encore configuré")
    expect(page.get_by_text("commission du territoire (2,5 %)", exact=False)).to_be_visible()
    assert _fits_the_phone(page)
    screenshot(page, "payment-onboarding-1-start")

    # when they tap the button: Stripe's (fake) onboarding page, saying it is a test double
    button = page.get_by_role("button", name="Activer le paiement en ligne avec Stripe")
    assert button.bounding_box()["height"] >= 44
    button.click()
    page.wait_for_url(re.compile(rf"^{re.escape(fake.base_url)}/onboarding/"))
    expect(page.get_by_role("note")).to_contain_text("Double de test")
    screenshot(page, "payment-onboarding-2-stripe-fake")

    # and they leave something to do: back on Vitrine, what is left in plain words
    page.get_by_role("button", name=re.compile("Laisser quelque chose à faire")).click()
    page.wait_for_url(f"{home}/pro/paiement/")
    expect(page.locator("#etat")).to_contain_text("Il reste des informations à donner à Stripe :")
    expect(page.locator("#etat")).to_contain_text("votre RIB (compte bancaire)")
    assert _fits_the_phone(page)
    screenshot(page, "payment-onboarding-3-left-to-do")

    # when they continue on Stripe and complete everything
    page.get_by_role("button", name="Continuer sur Stripe").click()
    page.wait_for_url(re.compile(rf"^{re.escape(fake.base_url)}/onboarding/"))
    page.get_by_role("button", name=re.compile("Tout compléter")).click()

    # then they are back, and online payment is active
    page.wait_for_url(f"{home}/pro/paiement/")
    expect(page.locator("#etat")).to_contain_text("Paiement en ligne actif")
    expect(page.locator(".messages")).to_contain_text("Votre compte Stripe est prêt")
    account_id, active, _, _ = orm(_shop_payment, shop_owner["shop"])
    assert account_id.startswith("acct_") and active
    assert len(fake.requests_to("/v1/accounts", "POST")) == 1
    assert _fits_the_phone(page)
    screenshot(page, "payment-onboarding-4-active")

    # when they choose to be paid online only
    page.get_by_label("Paiement au retrait, en boutique").uncheck()
    page.get_by_role("button", name="Enregistrer mon choix").click()

    # then it is saved
    expect(page.locator(".messages")).to_contain_text("Vos choix de paiement sont enregistrés")
    assert orm(_shop_payment, shop_owner["shop"])[2:] == (False, True)
    screenshot(page, "payment-onboarding-5-online-only")
