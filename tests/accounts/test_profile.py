"""The account home: the name shops hand orders over under, and the password."""

from __future__ import annotations

from accounts_helpers import PASSWORD, client_on

from vitrine.accounts.models import User


def test_i_change_my_name(in_nancy, shopper):
    # when
    response = client_on(in_nancy, shopper).post("/compte/", {"full_name": "  Claire Blaison-Martin "}, follow=True)
    # then
    assert "Votre nom est enregistré." in response.content.decode()
    assert User.objects.get(pk=shopper.pk).full_name == "Claire Blaison-Martin"


def test_an_empty_name_is_refused(in_nancy, shopper):
    response = client_on(in_nancy, shopper).post("/compte/", {"full_name": "   "})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert User.objects.get(pk=shopper.pk).full_name == "Claire Blaison"


def test_the_account_page_links_to_orders_password_data_and_deletion(in_nancy, shopper):
    page = client_on(in_nancy, shopper).get("/compte/").content.decode()
    for href in (
        "/compte/commandes/",
        "/compte/mot-de-passe/modifier/",
        "/compte/donnees/",
        "/compte/supprimer/",
        "/confidentialite/",
    ):
        assert f'href="{href}"' in page, href
    assert "claire@example.fr" in page


def test_i_change_my_password_and_stay_signed_in(in_nancy, shopper):
    # given
    client = client_on(in_nancy, shopper)
    other_device = client_on(in_nancy, shopper)
    # when
    response = client.post(
        "/compte/mot-de-passe/modifier/",
        {
            "old_password": PASSWORD,
            "new_password1": "quiche-lorraine-au-four",
            "new_password2": "quiche-lorraine-au-four",
        },
    )
    # then: this device stays signed in, the other one is signed out
    assert response["Location"] == "/compte/mot-de-passe/modifie/"
    assert client.get("/compte/").status_code == 200
    assert other_device.get("/compte/").status_code == 302
    assert User.objects.get(pk=shopper.pk).check_password("quiche-lorraine-au-four")


def test_a_wrong_old_password_changes_nothing(in_nancy, shopper):
    response = client_on(in_nancy, shopper).post(
        "/compte/mot-de-passe/modifier/",
        {
            "old_password": "pas-le-bon",
            "new_password1": "quiche-lorraine-au-four",
            "new_password2": "quiche-lorraine-au-four",
        },
    )
    assert response.status_code == 200 and "ancien mot de passe est incorrect" in response.content.decode()
    assert User.objects.get(pk=shopper.pk).check_password(PASSWORD)
