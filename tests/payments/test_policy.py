"""The payment policy: the territory's (its team, /equipe/paiements/), each shop's choice within it (its owner,
/pro/paiement/), and what the merchant and the team read of each shop's Stripe account."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.payments.models import PaymentSettings, ShopPayment
from vitrine.payments.selectors import (
    AccountState,
    payment_settings,
    requirements_explained,
    shop_account_state,
    shop_payment_modes,
)
from vitrine.payments.services_policy import payment_settings_update, shop_payment_modes_update
from vitrine.shops.models import ShopMember
from vitrine.testing.factories import ShopFactory, UserFactory
from vitrine.testing.helpers import client_on

STAFF_URL = "/equipe/paiements/"
MERCHANT_URL = "/pro/paiement/"
MODES_URL = "/pro/paiement/modes/"
ONBOARD_URL = "/pro/paiement/stripe/"


@pytest.fixture
def online(settings):
    """This deployment takes online payment (Stripe's keys set)."""
    settings.PAYMENTS_ONLINE = True
    return settings


def policy_form(offers="both", percent="2,5", fixed="0,50", hours="72") -> dict[str, str]:
    return {"offers": offers, "commission_percent": percent, "commission_fixed": fixed, "acceptance_hours": hours}


def policy_set(**changes) -> PaymentSettings:
    values = {
        "offers_pickup": True,
        "offers_online": True,
        "commission_basis_points": 0,
        "commission_fixed_cents": 0,
        "acceptance_hours": 48,
    }
    values.update(changes)
    return PaymentSettings.objects.update_or_create(pk=1, defaults=values)[0]


def active_account(shop, **changes) -> ShopPayment:
    values = {
        "stripe_account_id": f"acct_test{shop.pk}",
        "details_submitted": True,
        "charges_enabled": True,
        "payouts_enabled": True,
        "transfers_active": True,
    }
    values.update(changes)
    return ShopPayment.objects.update_or_create(shop=shop, defaults=values)[0]


# --- The territory's policy ---------------------------------------------------------------


def test_staff_set_the_policy_in_french_numbers(nancy, online):
    # given a member of the territory's team
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    # when they offer both modes, 2,5 % + 0,50 € and 72 hours to answer
    response = client_on(nancy, staff).post(STAFF_URL, policy_form(), follow=True)
    # then the policy is kept in basis points and cents, with an audit row, and the page says so
    assert "Règles de paiement enregistrées" in response.content.decode()
    with tenant_context(nancy):
        policy = PaymentSettings.objects.get()
        assert (policy.offers_pickup, policy.offers_online) == (True, True)
        assert (policy.commission_basis_points, policy.commission_fixed_cents) == (250, 50)
        assert policy.acceptance_hours == 72 and policy.updated_by == staff
        event = AuditEvent.objects.get(verb="payments.settings")
        assert event.actor == staff and event.payload["commission_basis_points"] == 250
    # and the form shows the values as typed
    page = client_on(nancy, staff).get(STAFF_URL).content.decode()
    assert 'value="2,5"' in page and 'value="0,50"' in page and 'value="72"' in page


@pytest.mark.parametrize(
    "data,message",
    [
        (policy_form(percent="31"), "entre 0 et 30, par exemple 2,5"),
        (policy_form(percent="2,555"), "deux décimales au plus"),
        (policy_form(percent="deux"), "entre 0 et 30"),
        (policy_form(percent="-1"), "entre 0 et 30"),
        (policy_form(fixed="100,01"), "entre 0 et 100, par exemple 0,50"),
        (policy_form(fixed="1,234"), "entre 0 et 100"),
        (policy_form(hours="0"), "entre 1 et 120"),
        (policy_form(hours="121"), "entre 1 et 120"),
        (policy_form(hours=""), "entre 1 et 120"),
        (policy_form(offers=""), "Proposez au moins un mode de paiement"),
        (policy_form(offers="cheque"), "Proposez au moins un mode de paiement"),
    ],
)
def test_bad_policy_gets_a_french_message_and_changes_nothing(nancy, online, data, message):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_ADMIN)
    response = client_on(nancy, staff).post(STAFF_URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(nancy):
        assert not PaymentSettings.objects.exists()
        assert not AuditEvent.objects.filter(verb="payments.settings").exists()


def test_empty_commission_means_none(nancy, online):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    client_on(nancy, staff).post(STAFF_URL, policy_form(offers="online", percent="", fixed=" "))
    with tenant_context(nancy):
        policy = PaymentSettings.objects.get()
        assert (policy.offers_pickup, policy.offers_online) == (False, True)
        assert (policy.commission_basis_points, policy.commission_fixed_cents) == (0, 0)


def test_online_cannot_be_offered_where_stripe_is_not_configured(nancy, settings):
    # given a deployment without Stripe's keys
    settings.PAYMENTS_ONLINE = False
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    # when the team offers online payment
    response = client_on(nancy, staff).post(STAFF_URL, policy_form(offers="both"))
    # then they read why, and nothing changed
    page = response.content.decode()
    assert response.status_code == 400
    assert "n’est pas encore configuré sur cette plateforme" in page
    assert "Le paiement en ligne n’est pas configuré sur cette plateforme" in page  # the page's banner
    with tenant_context(nancy):
        assert not PaymentSettings.objects.exists()
        assert payment_settings().offers_online is False  # the defaults: pay at pickup only


def test_the_service_refuses_anyone_but_the_team(nancy, online):
    with tenant_context(nancy):
        shop = ShopFactory()
        with pytest.raises(PermissionDenied):
            payment_settings_update(
                actor=shop.owner_user,
                offers_pickup=True,
                offers_online=True,
                commission_basis_points=0,
                commission_fixed_cents=0,
                acceptance_hours=48,
            )
        with pytest.raises(ValidationError) as error:
            payment_settings_update(
                actor=UserFactory(role=User.Role.TERRITORY_STAFF),
                offers_pickup=True,
                offers_online=False,
                commission_basis_points=3001,
                commission_fixed_cents=10_001,
                acceptance_hours=121,
            )
        assert set(error.value.message_dict) == {
            "commission_basis_points",
            "commission_fixed_cents",
            "acceptance_hours",
        }
        assert not PaymentSettings.objects.exists()


def test_merchants_and_shoppers_do_not_reach_the_staff_page(nancy, online):
    with tenant_context(nancy):
        shop = ShopFactory()
        shopper = UserFactory()
    for user in (shop.owner_user, shopper):
        assert client_on(nancy, user).get(STAFF_URL).status_code == 403
        assert client_on(nancy, user).post(STAFF_URL, policy_form()).status_code == 403
    anonymous = client_on(nancy).get(STAFF_URL)
    assert anonymous.status_code == 302 and "/compte/connexion/" in anonymous["Location"]
    with tenant_context(nancy):
        assert not PaymentSettings.objects.exists()


# --- The team's list of the shops' accounts ---------------------------------------------


def test_staff_see_every_shops_state(nancy, online, django_assert_max_num_queries):
    # given shops at every step
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        ShopFactory(name="Atelier Pas Commencé")
        active_account(ShopFactory(name="Boulangerie Active"))
        active_account(
            ShopFactory(name="Cordonnerie En Cours"),
            details_submitted=False,
            transfers_active=False,
            requirements_due=["external_account", "individual.verification.document"],
        )
        active_account(ShopFactory(name="Droguerie Examinée"), transfers_active=False)
        active_account(ShopFactory(name="Épicerie Déconnectée"), deauthorized=True)
        ShopFactory(name="Fromagerie Refusée", status="refused")
    client = client_on(nancy, staff)
    # when the team opens the page
    with django_assert_max_num_queries(20):
        page = client.get(STAFF_URL).content.decode()
    # then each shop is listed with its state, and what is left in plain words
    for name, state in [
        ("Atelier Pas Commencé", "Pas commencé"),
        ("Boulangerie Active", "Paiement en ligne actif"),
        ("Cordonnerie En Cours", "En cours"),
        ("Droguerie Examinée", "Stripe examine le dossier"),
        ("Épicerie Déconnectée", "Déconnecté"),
    ]:
        line = page.split(name, 1)[1].split("</li>", 1)[0]
        assert state in line, name
    assert "votre RIB (compte bancaire), une pièce d’identité" in page
    assert "Fromagerie Refusée" not in page
    # and the filter keeps one state
    only = client.get(STAFF_URL, {"etat": "in_progress"}).content.decode()
    assert "Cordonnerie En Cours" in only and "Boulangerie Active" not in only


def test_the_staff_list_costs_the_same_queries_for_more_shops(nancy, online, django_assert_num_queries):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        active_account(ShopFactory())
    client = client_on(nancy, staff)
    client.get(STAFF_URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(STAFF_URL)
    with tenant_context(nancy):
        for _ in range(5):
            active_account(ShopFactory(), transfers_active=False, requirements_due=["external_account"])
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(STAFF_URL)


def test_staff_of_another_territory_do_not_see_these_shops(nancy, limoges, online):
    # cross-territory: Nancy's shops and their accounts are not Limoges'
    with tenant_context(nancy):
        active_account(ShopFactory(name="Boutique Nancéienne"))
    with tenant_context(limoges):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    page = client_on(limoges, staff).get(STAFF_URL).content.decode()
    assert "Boutique Nancéienne" not in page


# --- A shop's choice of modes ----------------------------------------------------------


def test_owner_of_an_active_shop_chooses_online_only(nancy, online):
    # given a territory offering both modes and a shop whose account can receive transfers
    with tenant_context(nancy):
        policy_set()
        shop = ShopFactory()
        active_account(shop)
    # when its owner keeps online payment only
    response = client_on(nancy, shop.owner_user).post(MODES_URL, {"accepts_online": "on"}, follow=True)
    # then the choice is saved, audited, and checkout offers online payment only
    assert "Vos choix de paiement sont enregistrés" in response.content.decode()
    with tenant_context(nancy):
        row = ShopPayment.objects.get(shop=shop)
        assert (row.accepts_pickup, row.accepts_online) == (False, True)
        assert shop_payment_modes(shop=shop, policy=payment_settings(), row=row) == {"online"}
        assert AuditEvent.objects.get(verb="payments.shop_modes").actor == shop.owner_user


def test_a_shop_keeps_pickup_until_its_account_is_active(nancy, online):
    with tenant_context(nancy):
        policy_set()
        shop = ShopFactory()
        active_account(shop, transfers_active=False, requirements_due=["external_account"])
    response = client_on(nancy, shop.owner_user).post(MODES_URL, {"accepts_online": "on"})
    assert response.status_code == 400
    assert "Tant que votre compte Stripe n’est pas actif, vos clients paient au retrait" in response.content.decode()
    with tenant_context(nancy):
        row = ShopPayment.objects.get(shop=shop)
        assert (row.accepts_pickup, row.accepts_online) == (True, True)
        assert not AuditEvent.objects.filter(verb="payments.shop_modes").exists()


def test_a_shop_chooses_at_least_one_mode(nancy, online):
    with tenant_context(nancy):
        policy_set()
        shop = ShopFactory()
        active_account(shop)
    response = client_on(nancy, shop.owner_user).post(MODES_URL, {})
    assert response.status_code == 400
    assert "Choisissez au moins un mode de paiement pour vos clients" in response.content.decode()


def test_a_mode_the_territory_does_not_offer_is_not_counted(nancy, online):
    # given a territory offering pay at pickup only
    with tenant_context(nancy):
        policy_set(offers_online=False)
        shop = ShopFactory()
        active_account(shop)
        # when the owner (by a crafted request) asks for online only: nothing chosen within the offer
        with pytest.raises(ValidationError):
            shop_payment_modes_update(shop=shop, actor=shop.owner_user, accepts_pickup=False, accepts_online=True)
        assert shop_payment_modes(shop=shop, policy=payment_settings(), row=ShopPayment.objects.get(shop=shop)) == {
            "pickup"
        }


def test_employees_read_the_page_but_do_not_choose(nancy, online):
    with tenant_context(nancy):
        policy_set()
        shop = ShopFactory()
        employee = UserFactory(role=User.Role.MERCHANT)
        ShopMember.objects.create(shop=shop, user=employee, role=ShopMember.Role.EMPLOYEE)
    client = client_on(nancy, employee)
    page = client.get(MERCHANT_URL).content.decode()
    assert "Pas encore configuré" in page
    assert "C’est le ou la responsable de la boutique qui configure le paiement en ligne" in page
    assert ONBOARD_URL not in page and MODES_URL not in page
    assert client.post(MODES_URL, {"accepts_pickup": "on"}).status_code == 403
    assert client.post(ONBOARD_URL).status_code == 403
    with tenant_context(nancy):
        assert not ShopPayment.objects.filter(shop=shop).exists()


def test_another_shops_owner_changes_only_their_own_shop(nancy, online):
    # given two shops; the merchant area works on the signed-in merchant's own shop, no id in the address
    with tenant_context(nancy):
        policy_set()
        mine, theirs = ShopFactory(name="Ma Boutique"), ShopFactory(name="Leur Boutique")
        active_account(mine)
        active_account(theirs)
    client_on(nancy, mine.owner_user).post(MODES_URL, {"accepts_online": "on"})
    with tenant_context(nancy):
        assert ShopPayment.objects.get(shop=theirs).accepts_pickup is True
        assert ShopPayment.objects.get(shop=mine).accepts_pickup is False
    page = client_on(nancy, mine.owner_user).get(MERCHANT_URL).content.decode()
    assert "Leur Boutique" not in page


# --- What the merchant reads --------------------------------------------------------------


def test_without_stripe_the_page_says_so_and_offers_nothing_to_click(nancy, settings):
    settings.PAYMENTS_ONLINE = False
    with tenant_context(nancy):
        shop = ShopFactory()
    page = client_on(nancy, shop.owner_user).get(MERCHANT_URL).content.decode()
    assert "Le paiement en ligne n’est pas encore disponible ici" in page
    assert "vous n’avez rien à faire" in page
    main = page.split("<h1>", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main and "<button" not in main
    # and the button's address itself does nothing
    response = client_on(nancy, shop.owner_user).post(ONBOARD_URL, follow=True)
    assert "Le paiement en ligne n’est pas configuré sur cette plateforme." in response.content.decode()
    with tenant_context(nancy):
        assert not ShopPayment.objects.exists()


def test_when_the_territory_does_not_offer_online_payment(nancy, online):
    with tenant_context(nancy):
        shop = ShopFactory()  # the defaults: pay at pickup only
    page = client_on(nancy, shop.owner_user).get(MERCHANT_URL).content.decode()
    assert "Votre territoire ne propose pas le paiement en ligne pour l’instant" in page
    assert ONBOARD_URL not in page


@pytest.mark.parametrize(
    "account,expected,button",
    [
        (None, ["Pas encore configuré", "Ce que cela change pour vous"], "Activer le paiement en ligne avec Stripe"),
        (
            {
                "transfers_active": False,
                "details_submitted": False,
                "requirements_due": ["external_account", "individual.verification.document", "business_profile.url"],
            },
            [
                "Il reste des informations à donner à Stripe :",
                "votre RIB (compte bancaire)",
                "une pièce d’identité",
                "l’adresse de votre site",
            ],
            "Continuer sur Stripe",
        ),
        ({"transfers_active": False}, ["Stripe examine vos informations"], "Vérifier à nouveau"),
        ({}, ["Paiement en ligne actif"], None),
        ({"deauthorized": True}, ["Votre compte Stripe est déconnecté"], "Activer le paiement en ligne avec Stripe"),
        (
            {"transfers_active": False, "disabled_reason": "rejected.other"},
            ["Stripe a refusé le compte"],
            None,
        ),
    ],
)
def test_the_merchant_reads_their_state_in_plain_french(nancy, online, account, expected, button):
    with tenant_context(nancy):
        policy_set(commission_basis_points=250, commission_fixed_cents=50)
        shop = ShopFactory()
        if account is not None:
            active_account(shop, **account)
    page = client_on(nancy, shop.owner_user).get(MERCHANT_URL).content.decode()
    for text in expected:
        assert text in page
    assert "(2,5 % + 0,50 € par commande)" in page
    if button:
        assert button in page
    else:  # no onboarding button (the Stripe dashboard's, at another address, may be there)
        assert f'action="{ONBOARD_URL}"' not in page


def test_requirements_in_plain_words():
    with translation.override("en"):
        said = requirements_explained(
            [
                "external_account",
                "individual.verification.document",
                "individual.verification.additional_document",
                "tos_acceptance.date",
                "tos_acceptance.ip",
                "representative.first_name",
                "person_1Abc.verification.document",
                "company.tax_id",
                "something.new",
            ]
        )
    assert said == [
        "your bank account details (RIB)",
        "an identity document",
        "your acceptance of Stripe's terms",
        "information about your company's legal representative (name, date of birth, address)",
        "an identity document of a person of your company",
        "your company's SIREN number",
        "other information Stripe asks for (its page tells you which)",
    ]


def test_account_states():
    row = ShopPayment()
    assert shop_account_state(row) == AccountState.NOT_STARTED
    row.stripe_account_id = "acct_1"
    assert shop_account_state(row) == AccountState.IN_PROGRESS
    row.details_submitted = True
    assert shop_account_state(row) == AccountState.REVIEW
    row.requirements_past_due = ["external_account"]
    assert shop_account_state(row) == AccountState.IN_PROGRESS
    row.transfers_active = True
    assert shop_account_state(row) == AccountState.ACTIVE
    row.deauthorized = True
    assert shop_account_state(row) == AccountState.DISCONNECTED
