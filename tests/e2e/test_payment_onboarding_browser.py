"""In a real browser, phone-sized: a shop's owner sets up online payment from /pro/paiement/, goes through the
(fake) Stripe onboarding page twice — first leaving something to do, then completing it — and comes back to
"Paiement en ligne actif"; then chooses to be paid online only. The territory's team reads every shop's
state and sets the policy (/equipe/paiements/).

The session's web server and worker have the Stripe settings of a local fake (a thread of this process),
so the shop's account is made on the fake, its hosted page is the fake's, and its events come back as
webhooks.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from vitrine.testing.browser import axe_violations, territory_sign_in
from vitrine.testing.stripe_fake import StripeFake

pytestmark = pytest.mark.browser

PASSWORD = "e2e-payment-pass-1"
PHONE_WIDTH = 390


@pytest.fixture
def stripe_web(web_server, stripe_fake_server) -> tuple[StripeFake, int]:
    """The session's fake Stripe and its web server, whose Stripe it is: (fake, port)."""
    return stripe_fake_server, web_server


def _policy_keep() -> dict | None:
    """Nancy's payment policy as it is (None: none yet), to put back after the test."""
    from django.forms.models import model_to_dict

    from vitrine.payments.models import PaymentSettings

    row = PaymentSettings.objects.filter(pk=1).first()
    return model_to_dict(row, exclude=["id", "updated_by"]) if row else None


def _policy_put_back(kept: dict | None) -> None:
    from vitrine.payments.models import PaymentSettings

    if kept is None:
        PaymentSettings.objects.filter(pk=1).delete()
    else:
        PaymentSettings.objects.filter(pk=1).update(**kept)


def _world_make(token: str) -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.payments.models import PaymentSettings
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ShopFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        kept = _policy_keep()
        PaymentSettings.objects.update_or_create(
            pk=1, defaults={"offers_pickup": True, "offers_online": True, "commission_basis_points": 250}
        )
        owner = User.objects.create_user(email=f"fromager-{token}@example.fr", password=PASSWORD, role="merchant")
        shop = ShopFactory(name=f"Fromagerie Stanislas {token}", owner=owner)
        return {"shops": [shop.pk], "shop": shop.pk, "users": [owner.pk], "email": owner.email, "policy": kept}


def _world_delete(facts: dict) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.payments.inbox.models import StripeAccountRoute
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        Shop.objects.filter(pk__in=facts["shops"]).delete()
        User.objects.filter(pk__in=facts["users"]).delete()
        _policy_put_back(facts["policy"])
    connection.set_schema_to_public()
    StripeAccountRoute.objects.filter(schema_name="nancy", shop_id__in=facts["shops"]).delete()


def _team_make(token: str) -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.payments.models import ShopPayment
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ShopFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        kept = _policy_keep()
        staff = User.objects.create_user(email=f"equipe-{token}@example.fr", password=PASSWORD, role="territory_staff")
        active = ShopFactory(name=f"Boulangerie {token}")
        ShopPayment.objects.create(shop=active, stripe_account_id=f"acct_e2e{token}a", transfers_active=True)
        due = ShopFactory(name=f"Cordonnerie {token}")
        ShopPayment.objects.create(
            shop=due,
            stripe_account_id=f"acct_e2e{token}b",
            requirements_due=["external_account", "individual.verification.document"],
        )
        shops = [active, due]
        return {
            "email": staff.email,
            "token": token,
            "shops": [shop.pk for shop in shops],
            "users": [staff.pk, *(shop.members.get().user_id for shop in shops)],
            "policy": kept,
        }


def _shop_payment(shop_pk: int) -> tuple:
    from django_tenants.utils import tenant_context

    from vitrine.payments.models import ShopPayment
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        row = ShopPayment.objects.get(shop_id=shop_pk)
        return row.stripe_account_id, row.can_receive_transfers, row.accepts_pickup, row.accepts_online


@pytest.fixture
def team(orm):
    from vitrine.testing.two_factor import totp_code_for

    facts = orm(_team_make, secrets.token_hex(3))
    facts["code"] = lambda: orm(totp_code_for, "nancy", facts["email"])  # the staff member's authenticator app
    facts["code"]()  # made now: signing in asks for a code, not a setup
    yield facts
    orm(_world_delete, facts)


def _policy_now() -> tuple:
    from django_tenants.utils import tenant_context

    from vitrine.payments.models import PaymentSettings
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        row = PaymentSettings.objects.get(pk=1)
        return (
            row.offers_pickup,
            row.offers_online,
            row.commission_basis_points,
            row.commission_fixed_cents,
            row.acceptance_hours,
        )


@pytest.fixture
def shop_owner(orm):
    facts = orm(_world_make, secrets.token_hex(3))
    yield facts
    orm(_world_delete, facts)


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def _wcag_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA findings, on the page opened again without its one-time message: the base
    template's messages list carries role="status", which axe reports as list items outside a list."""
    page.goto(page.url)
    return axe_violations(page)


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
    assert _wcag_violations(page) == []
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
    assert _wcag_violations(page) == []
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
    made = [
        r
        for r in fake.requests_to("/v1/accounts", "POST")
        if r.params.get("metadata", {}).get("shop") == str(shop_owner["shop"])
    ]
    assert len(made) == 1 and made[0].idempotency_key == f"account:nancy:{shop_owner['shop']}"
    assert _fits_the_phone(page)
    assert _wcag_violations(page) == []
    screenshot(page, "payment-onboarding-4-active")

    # when they choose to be paid online only
    page.get_by_label("Paiement au retrait, en boutique").uncheck()
    page.get_by_role("button", name="Enregistrer mon choix").click()

    # then it is saved
    expect(page.locator(".messages")).to_contain_text("Vos choix de paiement sont enregistrés")
    assert orm(_shop_payment, shop_owner["shop"])[2:] == (False, True)
    screenshot(page, "payment-onboarding-5-online-only")


def test_the_team_reads_the_shops_states_and_sets_the_policy_on_a_phone(stripe_web, phone_page, screenshot, orm, team):
    _, port = stripe_web
    page = phone_page
    home = f"http://nancy.localhost:{port}"
    token = team["token"]

    # given a staff member signed in on their phone, on the payments page
    territory_sign_in(
        page, team["email"], PASSWORD, url=f"{home}/compte/connexion/?next=/equipe/paiements/", code=team["code"]()
    )
    page.wait_for_url(f"{home}/equipe/paiements/")

    # then every shop's state is there, with what is left in plain words
    active = page.locator("li", has_text=f"Boulangerie {token}")
    expect(active).to_contain_text("Paiement en ligne actif")
    due = page.locator("li", has_text=f"Cordonnerie {token}")
    expect(due).to_contain_text("En cours")
    expect(due).to_contain_text("votre RIB (compte bancaire), une pièce d’identité")

    # when they offer both modes, 2,5 % and 0,50 € per order, 72 hours to answer
    page.get_by_label("Les deux : chaque boutique choisit").check()
    page.get_by_label("Commission sur chaque commande payée en ligne (%)").fill("2,5")
    page.get_by_label("Commission fixe par commande payée en ligne (€)").fill("0,50")
    page.get_by_label("Les boutiques répondent à une commande payée en ligne sous (heures)").fill("72")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    # then it is saved, in basis points and cents
    expect(page.locator(".messages")).to_contain_text("Règles de paiement enregistrées")
    assert orm(_policy_now) == (True, True, 250, 50, 72)
    assert _fits_the_phone(page)
    assert _wcag_violations(page) == []
    screenshot(page, "payment-staff-list-and-policy")

    # and a commission above 30 % is refused, in French, changing nothing
    page.get_by_label("Commission sur chaque commande payée en ligne (%)").fill("31")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#errors")).to_contain_text("entre 0 et 30")
    assert orm(_policy_now) == (True, True, 250, 50, 72)
