"""Forms answer the same whether or not an address has an account here (issue #10, item 8)."""

from __future__ import annotations

import re
from html import unescape

from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.shops.models import ShopMember
from vitrine.testing.factories import ShopFactory, UserFactory, shop_application_form
from vitrine.testing.helpers import client_on, host_client

FORM = {"full_name": "Paul Martin", "password": "un-panier-de-mirabelles", "privacy": "on"}


def _sign_up(email: str):
    client = host_client("nancy.localhost")
    response = client.post("/compte/inscription/", {**FORM, "email": email})
    return response, client.get(response["Location"]), client


def _link(nancy, email: str) -> str:
    with tenant_context(nancy):
        body = OutboxEmail.objects.filter(to=[email]).latest("pk").body
    return re.search(r"/compte/inscription/\S+", body).group(0)


def test_sign_up_answers_the_same_for_a_new_and_a_taken_address(nancy):
    # given Claire's account
    with tenant_context(nancy):
        UserFactory(email="claire@example.fr", full_name="Claire Blaison")

    # when someone signs up with her address, and someone else with a new one
    taken, taken_page, taken_client = _sign_up("claire@example.fr")
    new, new_page, new_client = _sign_up("paul@example.fr")

    # then both read the same answer (their own address echoed), and neither is signed in
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert taken_page.status_code == new_page.status_code == 200

    def same(text: str, email: str) -> str:  # the address they typed, and the form token, aside
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text.replace(email, "@"))

    assert same(taken_page.text, "claire@example.fr") == same(new_page.text, "paul@example.fr")
    assert "_auth_user_id" not in taken_client.session and "_auth_user_id" not in new_client.session
    with tenant_context(nancy):
        # Claire is told someone tried, and her account is unchanged; Paul's waits for his link
        (told,) = OutboxEmail.objects.filter(to=["claire@example.fr"])
        assert "quelqu'un a essayé de s'inscrire" in told.subject and "/compte/connexion/" in told.body
        claire = User.objects.get(email="claire@example.fr")
        assert claire.full_name == "Claire Blaison" and not claire.check_password(FORM["password"])
        assert not User.objects.get(email="paul@example.fr").is_active


def test_the_account_opens_with_its_link_once(nancy):
    # given a sign-up and its emailed link
    _response, _page, client = _sign_up("paul@example.fr")
    link = _link(nancy, "paul@example.fr")

    # then the account cannot sign in before the link is opened
    early = host_client("nancy.localhost").post(
        "/compte/connexion/", {"username": "paul@example.fr", "password": FORM["password"]}
    )
    assert early.status_code == 200 and "_auth_user_id" not in early.wsgi_request.session

    # when the link is opened (a mail scanner may do so first: nothing happens) and the password typed
    assert host_client("nancy.localhost").get(link).status_code == 200
    opened = client.post(link, {"password": FORM["password"]})
    assert opened.status_code == 302 and client.get("/compte/").status_code == 200

    # and a second time (or by someone else): it no longer works
    again = host_client("nancy.localhost").get(link)
    assert again.status_code == 400 and "Ce lien n'est plus valable" in again.text


def test_a_link_from_another_territory_opens_nothing(nancy, limoges):
    _sign_up("paul@example.fr")
    link = _link(nancy, "paul@example.fr")
    assert host_client("limoges.localhost").get(link).status_code == 400
    with tenant_context(nancy):
        assert not User.objects.get(email="paul@example.fr").is_active


def test_a_team_invitation_does_not_tell_who_is_staff_or_works_elsewhere(nancy):
    # given an owner, a member of the territory team, and another shop's employee
    with tenant_context(nancy):
        owner_shop = ShopFactory(name="Bijouterie Stanislas")
        staff = UserFactory(role=User.Role.TERRITORY_STAFF, email="equipe@example.fr")
        other = ShopFactory(name="Autre Boutique")
        employee = UserFactory(role=User.Role.MERCHANT, email="vendeur@example.fr")
        ShopMember.objects.create(shop=other, user=employee, role=ShopMember.Role.EMPLOYEE)
    client = client_on(nancy, owner_shop.owner_user)

    # when the owner types each address
    answers = [unescape(client.post("/pro/equipe/", {"email": email}).text) for email in (staff.email, employee.email)]

    # then one and the same refusal, naming neither the team nor the other shop
    messages = [re.search(r"ne peut pas rejoindre votre équipe[^<]*", text).group(0) for text in answers]
    assert messages[0] == messages[1]
    for text in answers:
        assert "équipe du territoire" not in text and "autre boutique" not in text and "Autre Boutique" not in text


def test_a_shop_application_answers_the_same_for_a_new_and_a_taken_address(nancy):
    from vitrine.catalog.models import Category
    from vitrine.shops.models import Commune, Shop
    from vitrine.shops.siret import siret_make

    # given Claire's shopper account, a commune and a category
    with tenant_context(nancy):
        UserFactory(email="claire@example.fr")
        commune = Commune.objects.create(name="Nancy", postcode="54000", slug="nancy")
        category = Category.objects.get(slug="bijoux")
    sirets = [siret_make(44306184100001 + n) for n in (0, 7)]

    # when one application names her address and another a new one
    taken = host_client("nancy.localhost").post(
        "/pro/rejoindre/",
        shop_application_form(commune=commune, category=category, siret=sirets[0], owner_email="claire@example.fr"),
    )
    new = host_client("nancy.localhost").post(
        "/pro/rejoindre/",
        shop_application_form(commune=commune, category=category, siret=sirets[1], owner_email="paul@example.fr"),
    )

    # then the same answer; only the new address makes a (pending) shop; Claire is told to sign in
    assert (
        (taken.status_code, taken["Location"])
        == (new.status_code, new["Location"])
        == (302, "/compte/inscription/envoyee/")
    )
    with tenant_context(nancy):
        assert not Shop.objects.filter(siret=sirets[0]).exists()
        assert Shop.objects.get(siret=sirets[1]).status == Shop.Status.PENDING
        (told,) = OutboxEmail.objects.filter(to=["claire@example.fr"])
        assert "/compte/connexion/" in told.body
        assert User.objects.get(email="claire@example.fr").role == User.Role.SHOPPER


def test_a_stranger_signing_up_with_your_address_cannot_have_you_open_their_account(nancy):
    # given Paul signs up, then a stranger signs up with Paul's address and a password of their own
    _sign_up("paul@example.fr")
    stranger = host_client("nancy.localhost")
    stranger.post("/compte/inscription/", {**FORM, "email": "paul@example.fr", "password": "le-mot-de-l-intrus"})
    link = _link(nancy, "paul@example.fr")  # the latest link in Paul's inbox

    # when Paul opens it and types his own password
    paul = host_client("nancy.localhost")
    refused = paul.post(link, {"password": FORM["password"]})

    # then the account does not open (it would carry the stranger's password), and Paul is told what to do
    assert refused.status_code == 400 and "dernière inscription" in refused.content.decode()
    with tenant_context(nancy):
        assert not User.objects.get(email="paul@example.fr").is_active
    # and the stranger's password, without the link, opens nothing either
    signed_in = stranger.post("/compte/connexion/", {"username": "paul@example.fr", "password": "le-mot-de-l-intrus"})
    assert "_auth_user_id" not in signed_in.wsgi_request.session
