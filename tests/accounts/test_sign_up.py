"""Sign-up and sign-in on a territory's host: a shopper account of that territory only."""

from __future__ import annotations

import re
from html import unescape

from accounts_helpers import PASSWORD, client_on
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.models import Cart
from vitrine.testing.factories import ProductFactory, UserFactory

FORM = {
    "full_name": "Paul Martin",
    "email": "paul.martin@example.fr",
    "password": "un-panier-de-mirabelles",
    "privacy": "on",
}


def confirm_link(territory, email: str) -> str:
    """The path of the confirmation link the sign-up emailed to `email` (its latest)."""
    with tenant_context(territory):
        body = OutboxEmail.objects.filter(to=[email]).latest("pk").body
    return "/compte/inscription/" + re.search(r"/compte/inscription/(\S+)", body).group(1)


def signed_up(client, territory, form=FORM, path="/compte/inscription/"):
    """Sign up, open the emailed link and type the password, as the visitor would; returns the answer."""
    response = client.post(path, form)
    assert response.status_code == 302 and response["Location"] == "/compte/inscription/envoyee/"
    link = confirm_link(territory, form["email"].lower())
    assert client.get(link).status_code == 200  # opening the link changes nothing: the password opens the account
    return client.post(link, {"password": form["password"]})


def test_a_visitor_signs_up_and_is_signed_in(nancy):
    # given
    client = client_on(nancy)
    # when they sign up and open the link of the email
    response = signed_up(client, nancy)
    # then: a shopper of Nancy, signed in, on their account page
    assert response.status_code == 302 and response["Location"] == "/compte/"
    with tenant_context(nancy):
        user = User.objects.get(email="paul.martin@example.fr")
        assert (user.full_name, user.role) == ("Paul Martin", User.Role.SHOPPER)
        assert user.check_password("un-panier-de-mirabelles")
    page = client.get("/compte/").content.decode()
    assert "Bienvenue, Paul Martin : votre compte est prêt." in page
    assert "paul.martin@example.fr" in page


def test_sign_up_goes_back_to_a_safe_next_page_only(nancy):
    # when: coming from the checkout
    response = signed_up(client_on(nancy), nancy, path="/compte/inscription/?next=/panier/commande/")
    # then
    assert response["Location"] == "/panier/commande/"
    # when: a link crafted to send the new account elsewhere
    other = signed_up(
        client_on(nancy), nancy, {**FORM, "email": "b@example.fr", "next": "https://pirate.example/compte/"}
    )
    # then: their account page instead
    assert other["Location"] == "/compte/"


def test_an_email_already_used_here_gets_the_same_answer_and_its_owner_an_email(in_nancy):
    # given: an account with this address (written in capitals this time)
    UserFactory(email="paul.martin@example.fr")
    # when
    response = client_on(in_nancy).post("/compte/inscription/", {**FORM, "email": "Paul.Martin@Example.fr"})
    # then: the same answer as for a new address, nothing created, the visitor still anonymous
    assert response.status_code == 302 and response["Location"] == "/compte/inscription/envoyee/"
    assert User.objects.filter(email__iexact="paul.martin@example.fr").count() == 1
    assert "_auth_user_id" not in response.wsgi_request.session
    # and the owner is told, with the ways in
    email = OutboxEmail.objects.get(to=["paul.martin@example.fr"])
    assert "quelqu'un a essayé de s'inscrire" in email.subject and "/compte/mot-de-passe/oublie/" in email.body


def test_a_weak_password_or_no_consent_is_refused(in_nancy):
    # when: a short, common password, close to the name, and the privacy box left unticked
    response = client_on(in_nancy).post("/compte/inscription/", {**FORM, "password": "paulmartin", "privacy": ""})
    # then: Django's validators speak French; nothing is created
    page = response.content.decode()
    assert response.status_code == 400
    assert "Le mot de passe est trop semblable au champ" in page
    assert "Cochez cette case pour créer votre compte." in page
    assert not User.objects.filter(email="paul.martin@example.fr").exists()
    # when: close to the name only (not to the address)
    named = client_on(in_nancy).post(
        "/compte/inscription/",
        {**FORM, "full_name": "Gaspard Delorme", "email": "gd@example.fr", "password": "gaspard-delorme"},
    )
    assert "Le mot de passe est trop semblable au champ" in named.content.decode()
    assert not User.objects.filter(email="gd@example.fr").exists()
    # when: only common
    common = client_on(in_nancy).post("/compte/inscription/", {**FORM, "password": "azertyuiop"})
    assert "Ce mot de passe est trop courant." in common.content.decode()
    assert not User.objects.filter(email="paul.martin@example.fr").exists()


def test_the_visitors_cart_becomes_the_accounts(in_nancy, shop):
    # given: a visitor with two rings in their cart
    ring = ProductFactory(shop=shop, title="Bague argent", stock=5)
    client = client_on(in_nancy)
    client.post(f"/panier/ajouter/{ring.pk}/", {"quantity": "2"})
    # when they sign up (and open the emailed link), then open their cart
    signed_up(client, in_nancy)
    cart_page = client.get("/panier/").content.decode()
    # then: the account's cart holds them, and no visitor cart is left behind
    assert "Panier (2)" in cart_page
    user = User.objects.get(email="paul.martin@example.fr")
    cart = Cart.objects.get(user=user)
    assert [(line.product_id, line.quantity) for line in cart.lines.all()] == [(ring.pk, 2)]
    assert not Cart.objects.filter(user__isnull=True, lines__product=ring).exists()
    assert "Panier (2)" in client.get("/panier/").content.decode()


def test_sign_in_and_sign_up_link_to_each_other_keeping_next(nancy):
    client = client_on(nancy)
    sign_in = client.get("/compte/connexion/?next=/panier/commande/").content.decode()
    assert 'href="/compte/inscription/?next=/panier/commande/"' in sign_in
    sign_up = client.get("/compte/inscription/?next=/panier/commande/").content.decode()
    assert 'href="/compte/connexion/?next=/panier/commande/"' in sign_up
    assert 'href="/confidentialite/"' in sign_up
    # the header offers signing in to visitors
    assert 'href="/compte/connexion/"' in client.get("/").content.decode()


def test_a_signed_in_person_is_sent_to_their_account(in_nancy, shopper):
    assert client_on(in_nancy, shopper).get("/compte/inscription/")["Location"] == "/compte/"


def test_sign_in_ignores_capitals_in_the_address(in_nancy, shopper):
    response = client_on(in_nancy).post("/compte/connexion/", {"username": " Claire@Example.FR", "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_is_told_in_correct_french(in_nancy, shopper):
    # when a shopper mistypes their password
    response = client_on(in_nancy).post("/compte/connexion/", {"username": "claire@example.fr", "password": "non"})

    # then the message has the feminine article ("une adresse électronique"), not Django's "un adresse"
    text = unescape(response.content.decode())
    assert "Saisissez une adresse électronique et un mot de passe valides" in text
    assert "un adresse" not in text


def test_an_account_belongs_to_its_territory_only(nancy, limoges):
    # given: Paul signs up in Nancy
    signed_up(client_on(nancy), nancy)
    # when: he tries to sign in on Limoges' host
    response = client_on(limoges).post("/compte/connexion/", {"username": FORM["email"], "password": FORM["password"]})
    # then: no such account there
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session
    with tenant_context(limoges):
        assert not User.objects.filter(email=FORM["email"]).exists()
    # and the same address may open a separate account in Limoges
    assert signed_up(client_on(limoges), limoges).status_code == 302
    with tenant_context(limoges):
        assert User.objects.filter(email=FORM["email"]).count() == 1
    with tenant_context(nancy):
        assert User.objects.filter(email=FORM["email"]).count() == 1
