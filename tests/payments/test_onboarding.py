"""A shop's Stripe connected account: created once from the merchant area (/pro/paiement/), onboarded on
Stripe's hosted pages, its state kept as Stripe tells it (account.updated, account.application.deauthorized).

Stripe is the local fake (vitrine.testing.stripe_fake) the real client is pointed at; "unreachable" is a
port where nothing listens.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.payments.inbox.models import StripeAccountRoute
from vitrine.payments.models import PaymentSettings, ShopPayment
from vitrine.payments.selectors import shop_payment_modes
from vitrine.payments.services_accounts import (
    account_create_params,
    account_idempotency_key,
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


# --- Onboarding against the fake Stripe ---------------------------------------------------


@pytest.fixture
def stripe_on(payments_on):
    """Online payment configured, Stripe being the local fake."""
    return payments_on


def onboarding_started(territory, shop):
    """The owner's tap on the button: the answer (a redirect to the fake's onboarding page)."""
    return client_on(territory, shop.owner_user).post(ONBOARD_URL)


def onboarding_page_submit(stripe_fake, url: str, action: str) -> str:
    """What the shop does on the fake's hosted page ("complete", "leave_due", "deauthorize"): where it goes back."""
    path = url.removeprefix(stripe_fake.base_url)
    assert requests.get(stripe_fake.base_url + path, timeout=10).status_code == 200
    answer = requests.post(stripe_fake.base_url + path, data={"action": action}, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303)
    return answer.headers["Location"]


def test_the_owner_opens_an_account_with_the_right_parameters(nancy, stripe_on):
    # given an approved shop in a territory offering online payment
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory(name="Fromagerie Stanislas")
    # when its owner taps the button
    response = onboarding_started(nancy, shop)
    # then they are sent to Stripe's onboarding page
    assert response.status_code == 302
    assert response["Location"].startswith(f"{stripe_on.base_url}/onboarding/")
    # and the account was asked for once, with the controller's properties, the shop's facts and its key
    (created,) = stripe_on.requests_to("/v1/accounts", "POST")
    assert created.idempotency_key == f"account:nancy:{shop.pk}"
    assert created.stripe_account is None  # the platform's own request
    params = created.params
    assert params["country"] == "FR" and params["email"] == shop.email
    assert params["business_profile"] == {"name": "Fromagerie Stanislas"}
    assert params["controller"] == {
        "requirement_collection": "stripe",
        "stripe_dashboard": {"type": "express"},
        "fees": {"payer": "application"},
        "losses": {"payments": "application"},
    }
    assert params["capabilities"] == {"transfers": {"requested": "true"}}
    assert params["metadata"] == {"territory": "nancy", "shop": str(shop.pk)}
    # and the link is an onboarding link for that account, coming back to the merchant area
    (link,) = stripe_on.requests_to("/v1/account_links", "POST")
    with tenant_context(nancy):
        row = ShopPayment.objects.get(shop=shop)
    account_id = row.stripe_account_id
    assert account_id.startswith("acct_")
    assert link.params["account"] == account_id and link.params["type"] == "account_onboarding"
    assert link.params["return_url"].endswith(RETURN_URL) and "nancy" in link.params["return_url"]
    assert link.params["refresh_url"].endswith(REFRESH_URL)
    assert link.idempotency_key and link.idempotency_key.startswith(f"account_link:{account_id}:")
    # and the account is recorded: its state (everything left to do), its route, the audit trail
    assert row.details_submitted is False and not row.can_receive_transfers
    assert "external_account" in row.requirements_due
    connection.set_schema_to_public()
    route = StripeAccountRoute.objects.get(account_id=account_id)
    assert (route.schema_name, route.shop_id) == ("nancy", shop.pk)
    with tenant_context(nancy):
        verbs = list(AuditEvent.objects.filter(object_id=shop.pk).values_list("verb", flat=True).order_by("id"))
        assert verbs == ["payments.stripe_account_create", "payments.stripe_onboarding_start"]


def test_a_second_tap_makes_a_new_link_for_the_same_account(nancy, stripe_on):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    first, second = onboarding_started(nancy, shop), onboarding_started(nancy, shop)
    assert first["Location"] != second["Location"]
    assert len(stripe_on.requests_to("/v1/accounts", "POST")) == 1
    links = stripe_on.requests_to("/v1/account_links", "POST")
    assert len(links) == 2 and links[0].idempotency_key != links[1].idempotency_key
    assert links[0].params["account"] == links[1].params["account"]


def test_an_account_made_but_not_recorded_is_found_again_by_its_key(nancy, stripe_on):
    # given a first try that made the account on Stripe, then died before recording it (same parameters, same key)
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
        lost = stripe_on.client().v1.accounts.create(
            params=account_create_params(shop=shop, schema_name="nancy"),
            options={"idempotency_key": account_idempotency_key(schema_name="nancy", shop_id=shop.pk)},
        )
    # when the owner taps the button
    response = onboarding_started(nancy, shop)
    # then Stripe answers with that same account: one account, now recorded
    assert response.status_code == 302 and response["Location"].startswith(stripe_on.base_url)
    made = [obj for obj in stripe_on.state.objects.values() if obj.get("object") == "account"]
    assert [obj["id"] for obj in made] == [lost.id]
    assert stripe_on.requests_to("/v1/accounts", "POST")[-1].replayed
    with tenant_context(nancy):
        assert ShopPayment.objects.get(shop=shop).stripe_account_id == lost.id


def test_an_answer_lost_on_the_way_is_taken_again_by_the_clients_retry(nancy, stripe_on):
    # given Stripe makes the account but its answer is lost (the connection drops)
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    stripe_on.crash_after_applying_next("/v1/accounts")
    # when the owner taps the button
    response = onboarding_started(nancy, shop)
    # then the client's retry, with the same key, gets the account made: one account, recorded
    assert response.status_code == 302
    tries = stripe_on.requests_to("/v1/accounts", "POST")
    assert len(tries) == 2 and tries[1].replayed and tries[0].idempotency_key == tries[1].idempotency_key
    made = [obj for obj in stripe_on.state.objects.values() if obj.get("object") == "account"]
    assert len(made) == 1
    with tenant_context(nancy):
        assert ShopPayment.objects.get(shop=shop).stripe_account_id == made[0]["id"]


def test_a_link_that_fails_leaves_the_account_recorded_and_nothing_else(nancy, stripe_on):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    stripe_on.fail_next("/v1/account_links", status=500, times=3)
    response = client_on(nancy, shop.owner_user).post(ONBOARD_URL, follow=True)
    assert "Stripe ne répond pas pour le moment" in response.content.decode()
    with tenant_context(nancy):
        row = ShopPayment.objects.get(shop=shop)
        assert row.stripe_account_id
        assert not AuditEvent.objects.filter(verb="payments.stripe_onboarding_start").exists()
    # and the next tap goes on with the same account
    assert onboarding_started(nancy, shop)["Location"].startswith(stripe_on.base_url)
    assert len(stripe_on.requests_to("/v1/accounts", "POST")) == 1


def test_back_from_stripe_with_everything_given_online_payment_is_active(nancy, stripe_on):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    back = onboarding_page_submit(stripe_on, onboarding_started(nancy, shop)["Location"], "complete")
    assert back.endswith(RETURN_URL)
    # when the owner comes back: the account is fetched (GET) and its state kept
    response = client_on(nancy, shop.owner_user).get(RETURN_URL, follow=True)
    page = response.content.decode()
    assert "Paiement en ligne actif" in page
    assert "Votre compte Stripe est prêt : vos clients peuvent payer en ligne." in page
    assert stripe_on.requests_to("/v1/accounts/acct_*", "GET")
    with tenant_context(nancy):
        row = ShopPayment.objects.get(shop=shop)
        assert row.can_receive_transfers and row.payouts_enabled and row.requirements_due == []
        assert shop_payment_modes(shop=shop, policy=PaymentSettings.objects.get(), row=row) == {"pickup", "online"}


def test_back_from_stripe_with_something_left_says_what_in_plain_words(nancy, stripe_on):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    onboarding_page_submit(stripe_on, onboarding_started(nancy, shop)["Location"], "leave_due")
    page = client_on(nancy, shop.owner_user).get(RETURN_URL, follow=True).content.decode()
    assert "Il reste des informations à donner à Stripe :" in page
    assert "votre RIB (compte bancaire)" in page
    assert "Continuer sur Stripe" in page
    # and an employee reads the same state, without the button
    with tenant_context(nancy):
        employee = UserFactory(role=User.Role.MERCHANT)
        ShopMember.objects.create(shop=shop, user=employee, role=ShopMember.Role.EMPLOYEE)
    seen = client_on(nancy, employee).get(MERCHANT_URL).content.decode()
    assert "votre RIB (compte bancaire)" in seen and "Continuer sur Stripe" not in seen


def test_an_expired_link_sends_the_owner_back_to_stripe_with_a_new_one(nancy, stripe_on):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    url = onboarding_started(nancy, shop)["Location"]
    stripe_on.clock_advance(3600)  # the link has expired: Stripe sends the owner to refresh_url
    expired = requests.get(url, allow_redirects=False, timeout=10)
    assert expired.status_code in (302, 303) and expired.headers["Location"].endswith(REFRESH_URL)
    response = client_on(nancy, shop.owner_user).get(REFRESH_URL)
    assert response.status_code == 302 and response["Location"].startswith(f"{stripe_on.base_url}/onboarding/")
    assert response["Location"] != url
    assert len(stripe_on.requests_to("/v1/accounts", "POST")) == 1


def test_refresh_without_an_account_goes_to_the_payment_page(nancy, stripe_on):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    response = client_on(nancy, shop.owner_user).get(REFRESH_URL)
    assert response.status_code == 302 and response["Location"] == MERCHANT_URL
    assert not stripe_on.requests_to("/v1/*")


def test_a_shop_that_revoked_the_platform_on_stripe_is_told_and_can_start_again(nancy, stripe_on):
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    onboarding_page_submit(stripe_on, onboarding_started(nancy, shop)["Location"], "deauthorize")
    # when the owner comes back before Stripe's event: Stripe refuses to give the account
    page = client_on(nancy, shop.owner_user).get(RETURN_URL, follow=True).content.decode()
    assert "Votre compte Stripe n’est plus relié à la place de marché" in page
    with tenant_context(nancy):
        old = ShopPayment.objects.get(shop=shop)
        assert old.deauthorized
    # and starting again opens a new account
    assert onboarding_started(nancy, shop)["Location"].startswith(stripe_on.base_url)
    created = stripe_on.requests_to("/v1/accounts", "POST")
    assert len(created) == 2 and created[0].idempotency_key != created[1].idempotency_key
    with tenant_context(nancy):
        row = ShopPayment.objects.get(shop=shop)
        assert row.stripe_account_id != old.stripe_account_id and not row.deauthorized


def test_a_shop_account_in_nancy_is_out_of_reach_from_limoges(nancy, limoges, stripe_on):
    # cross-territory: a Nancy shop's account, and its owner's session, mean nothing in Limoges
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    onboarding_started(nancy, shop)
    with tenant_context(nancy):
        account_id = ShopPayment.objects.get(shop=shop).stripe_account_id
    stripe_on.account_complete(account_id)
    account = stripe_on.client().v1.accounts.retrieve(account_id)
    with tenant_context(limoges):
        assert shop_stripe_account_apply(account=account) is None
        assert not ShopPayment.objects.filter(stripe_account_id=account_id).exists()
    elsewhere = client_on(limoges)
    elsewhere.cookies = client_on(nancy, shop.owner_user).cookies
    for response in (elsewhere.get(RETURN_URL), elsewhere.post(ONBOARD_URL), elsewhere.get(MERCHANT_URL)):
        assert response.status_code == 302 and "/compte/connexion/" in response["Location"]
    with tenant_context(nancy):
        assert ShopPayment.objects.get(shop=shop).transfers_active is False
        # while in Nancy, the same account applies
        assert shop_stripe_account_apply(account=account).transfers_active is True


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


def test_the_owner_opens_the_shops_own_stripe_dashboard_and_an_employee_cannot(nancy, stripe_on):
    # given a shop whose onboarding is complete, its owner and an employee
    with tenant_context(nancy):
        policy_both()
        shop = ShopFactory()
    location = onboarding_page_submit(stripe_on, onboarding_started(nancy, shop)["Location"], "complete")
    client_on(nancy, shop.owner_user).get(location)
    with tenant_context(nancy):
        employee = UserFactory()
        ShopMember.objects.create(shop=shop, user=employee, role=ShopMember.Role.EMPLOYEE)
        account_id = ShopPayment.objects.get(shop=shop).stripe_account_id
    page = client_on(nancy, shop.owner_user).get(MERCHANT_URL).content.decode()
    assert "Mon tableau de bord Stripe" in page
    # when the owner taps it: a one-time login link to the shop's own account
    answer = client_on(nancy, shop.owner_user).post("/pro/paiement/stripe/tableau-de-bord/")
    assert answer.status_code == 302 and answer["Location"].startswith(f"{stripe_on.base_url}/express/{account_id}")
    assert stripe_on.requests_to(f"/v1/accounts/{account_id}/login_links", "POST")
    # then an employee neither sees the button nor gets a link
    assert "Mon tableau de bord Stripe" not in client_on(nancy, employee).get(MERCHANT_URL).content.decode()
    assert client_on(nancy, employee).post("/pro/paiement/stripe/tableau-de-bord/").status_code in (302, 403)
    assert len(stripe_on.requests_to(f"/v1/accounts/{account_id}/login_links", "POST")) == 1
