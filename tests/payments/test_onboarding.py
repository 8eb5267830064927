"""A shop's Stripe connected account: created once from the merchant area (/pro/paiement/), onboarded on
Stripe's hosted pages, its state kept as Stripe tells it (account.updated, account.application.deauthorized).

Stripe is the local fake (vitrine.testing.stripe_fake) the real client is pointed at; "unreachable" is a
port where nothing listens.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.payments.inbox.models import StripeAccountRoute
from vitrine.payments.models import PaymentSettings, ShopPayment
from vitrine.payments.selectors import shop_payment_modes
from vitrine.payments.services_accounts import (
    shop_stripe_account_apply,
    shop_stripe_account_deauthorize,
)
from vitrine.shops.models import ShopMember
from vitrine.testing.factories import ShopFactory, UserFactory
from vitrine.testing.helpers import client_on, free_port

MERCHANT_URL = "/pro/paiement/"
ONBOARD_URL = "/pro/paiement/stripe/"
RETURN_URL = "/pro/paiement/stripe/retour/"
REFRESH_URL = "/pro/paiement/stripe/nouveau-lien/"


def policy_both() -> PaymentSettings:
    return PaymentSettings.objects.update_or_create(pk=1, defaults={"offers_pickup": True, "offers_online": True})[0]


def account_row(shop, account_id: str, **state) -> ShopPayment:
    return ShopPayment.objects.update_or_create(shop=shop, defaults={"stripe_account_id": account_id, **state})[0]


def stripe_account(account_id: str, **changes) -> dict:
    """An Account object as Stripe sends it (the fields Vitrine reads)."""
    account = {
        "id": account_id,
        "object": "account",
        "details_submitted": True,
        "charges_enabled": True,
        "payouts_enabled": True,
        "capabilities": {"transfers": "active"},
        "requirements": {"currently_due": [], "past_due": [], "eventually_due": [], "disabled_reason": None},
    }
    account.update(changes)
    return account


# --- The account's state, as Stripe tells it (no call to Stripe) --------------------------


def test_apply_keeps_the_accounts_state(nancy):
    # given a shop whose account Stripe has not enabled yet
    with tenant_context(nancy):
        shop = ShopFactory()
        account_row(shop, "acct_apply1")
        # when Stripe says it is enabled
        row = shop_stripe_account_apply(account=stripe_account("acct_apply1"))
        # then the row says so, the shop can receive transfers, and an audit row tells the change
        assert row is not None and row.pk == ShopPayment.objects.get(shop=shop).pk
        row.refresh_from_db()
        assert (row.details_submitted, row.charges_enabled, row.payouts_enabled, row.transfers_active) == (
            True,
            True,
            True,
            True,
        )
        assert row.can_receive_transfers and row.stripe_synced_at is not None
        event = AuditEvent.objects.get(verb="payments.stripe_account_state")
        assert event.actor is None and event.payload["transfers_active"] is True


def test_apply_keeps_what_is_left_to_do(nancy):
    with tenant_context(nancy):
        shop = ShopFactory()
        account_row(shop, "acct_apply2", transfers_active=True)
        account = stripe_account(
            "acct_apply2",
            details_submitted=False,
            payouts_enabled=False,
            capabilities={"transfers": "inactive"},
            requirements={
                "currently_due": ["individual.verification.document", "external_account"],
                "past_due": ["external_account"],
                "disabled_reason": "requirements.past_due",
            },
        )
        row = shop_stripe_account_apply(account=account)
        row.refresh_from_db()
        assert row.transfers_active is False and not row.can_receive_transfers
        assert row.requirements_due == ["external_account", "individual.verification.document"]
        assert row.requirements_past_due == ["external_account"]
        assert row.disabled_reason == "requirements.past_due"
        policy = policy_both()
        assert shop_payment_modes(shop=shop, policy=policy, row=row) == {"pickup"}


def test_apply_twice_changes_nothing_more(nancy):
    with tenant_context(nancy):
        shop = ShopFactory()
        account_row(shop, "acct_apply3")
        shop_stripe_account_apply(account=stripe_account("acct_apply3"))
        shop_stripe_account_apply(account=stripe_account("acct_apply3"))
        assert AuditEvent.objects.filter(verb="payments.stripe_account_state").count() == 1


def test_apply_takes_a_stripe_object(nancy):
    import stripe

    with tenant_context(nancy):
        shop = ShopFactory()
        account_row(shop, "acct_apply4")
        account = stripe.Account.construct_from(stripe_account("acct_apply4"), "sk_test_x")
        assert shop_stripe_account_apply(account=account).transfers_active is True


def test_apply_for_an_account_of_no_shop_here_does_nothing(nancy, limoges):
    # cross-territory: Nancy's shop's account means nothing in Limoges
    with tenant_context(nancy):
        shop = ShopFactory()
        account_row(shop, "acct_nancy1")
    with tenant_context(limoges):
        assert shop_stripe_account_apply(account=stripe_account("acct_nancy1")) is None
        assert shop_stripe_account_deauthorize(account_id="acct_nancy1") is None
    with tenant_context(nancy):
        row = ShopPayment.objects.get(shop=shop)
        assert row.transfers_active is False and row.deauthorized is False


def test_deauthorize_stops_online_payment(nancy, settings):
    settings.PAYMENTS_ONLINE = True
    with tenant_context(nancy):
        policy = policy_both()
        shop = ShopFactory()
        account_row(shop, "acct_gone", transfers_active=True, charges_enabled=True, payouts_enabled=True)
        assert shop_payment_modes(shop=shop, policy=policy, row=ShopPayment.objects.get(shop=shop)) == {
            "pickup",
            "online",
        }
        # when the shop disconnects its account from the platform (twice delivered)
        shop_stripe_account_deauthorize(account_id="acct_gone")
        row = shop_stripe_account_deauthorize(account_id="acct_gone")
        # then online payment stops for it, once audited
        row.refresh_from_db()
        assert row.deauthorized and not row.can_receive_transfers
        assert shop_payment_modes(shop=shop, policy=policy, row=row) == {"pickup"}
        assert AuditEvent.objects.filter(verb="payments.stripe_account_deauthorized").count() == 1
    page = client_on(nancy, shop.owner_user).get(MERCHANT_URL).content.decode()
    assert "Votre compte Stripe est déconnecté" in page


# --- Stripe unreachable ---------------------------------------------------------------------


@pytest.fixture
def stripe_unreachable(settings):
    """Online payment configured, Stripe's address a port where nothing listens."""
    settings.PAYMENTS_ONLINE = True
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    return settings


def test_stripe_unreachable_gives_a_clear_message_and_records_nothing(nancy, stripe_unreachable):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    response = client_on(nancy, shop.owner_user).post(ONBOARD_URL, follow=True)
    page = response.content.decode()
    assert "Stripe ne répond pas pour le moment : rien n’a été modifié" in page
    assert response.redirect_chain[-1][0] == MERCHANT_URL
    with tenant_context(nancy):
        row = ShopPayment.objects.filter(shop=shop).first()
        assert row is None or row.stripe_account_id == ""
        assert not AuditEvent.objects.filter(verb__startswith="payments.stripe").exists()
    connection.set_schema_to_public()
    assert not StripeAccountRoute.objects.filter(shop_id=shop.pk).exists()


def test_only_an_approved_shop_opens_an_account(nancy, stripe_unreachable):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory(status="pending")
    response = client_on(nancy, shop.owner_user).post(ONBOARD_URL, follow=True)
    assert "une fois votre boutique validée par l’équipe du territoire" in response.content.decode()


def test_employees_and_staff_do_not_start_the_onboarding(nancy, stripe_unreachable):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
        employee = UserFactory(role=User.Role.MERCHANT)
        ShopMember.objects.create(shop=shop, user=employee, role=ShopMember.Role.EMPLOYEE)
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    for user in (employee, staff):
        client = client_on(nancy, user)
        assert client.post(ONBOARD_URL).status_code == 403
        assert client.get(REFRESH_URL).status_code == 403
        assert client.get(RETURN_URL).status_code == 403
    anonymous = client_on(nancy).post(ONBOARD_URL)
    assert anonymous.status_code == 302 and "/compte/connexion/" in anonymous["Location"]


def test_onboarding_links_are_limited_per_owner(nancy, settings):
    # given the real limit, counted afresh, on a deployment without Stripe (nothing is asked of it)
    from vitrine.config.settings.throttling import RATE_LIMITS_DEFAULT

    settings.CACHES = {
        **settings.CACHES,
        "throttle": {**settings.CACHES["throttle"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }
    settings.VITRINE_RATE_LIMITS = dict(RATE_LIMITS_DEFAULT)
    limit = int(RATE_LIMITS_DEFAULT["stripe_onboarding"].split("/")[0])
    with tenant_context(nancy):
        shop = ShopFactory()
    owner = client_on(nancy, shop.owner_user)
    for _ in range(limit):
        assert owner.post(ONBOARD_URL).status_code == 302
    # when one more comes, by the button or by Stripe's refresh address
    # then it is refused, in French, and the payment page still opens
    for response in (owner.post(ONBOARD_URL), owner.get(REFRESH_URL)):
        assert response.status_code == 429 and "Trop de demandes" in response.content.decode()
    assert owner.get(MERCHANT_URL).status_code == 200
