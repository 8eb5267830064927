"""Two-factor sign-in in a territory: required of its team, offered to everyone else."""

from __future__ import annotations

import re
import time

from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.testing.factories import UserFactory
from vitrine.testing.helpers import client_on, host_client
from vitrine.testing.two_factor import totp_code

PASSWORD = "un-mot-de-passe-solide"


def _sign_in(territory, email: str):
    client = host_client(f"{territory.schema_name}.localhost")
    response = client.post("/compte/connexion/", {"username": email, "password": PASSWORD})
    return client, response


def _set_up(client, territory, user) -> list[str]:
    """Scan (read the secret) and type the app's first code; the recovery codes shown."""
    client.get("/compte/securite/")
    with tenant_context(territory):
        device = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.post("/compte/securite/", {"code": totp_code(device)})
    assert page.status_code == 200, page.text[:2000]
    return re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4})</code>", page.text)


def test_territory_staff_must_set_up_two_factor_before_any_team_page(nancy):
    # given a staff member signed in with the password only
    with tenant_context(nancy):
        staff = UserFactory(email="equipe@nancy.fr", role=User.Role.TERRITORY_STAFF, password=PASSWORD)
    client, response = _sign_in(nancy, "equipe@nancy.fr")
    assert response.status_code == 302

    # when they open the team's area, or even the shop-front, they are sent to set it up
    for path in ("/equipe/", "/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/compte/securite/?next="), path

    # then, with it set up, the team's area opens
    codes = _set_up(client, nancy, staff)
    assert len(codes) == 10
    assert client.get("/equipe/").status_code == 200


def test_a_merchant_may_turn_it_on_and_then_a_password_alone_opens_nothing(nancy):
    # given a shopper who turns two-factor sign-in on
    with tenant_context(nancy):
        claire = UserFactory(email="claire@example.fr", password=PASSWORD)
    client, _ = _sign_in(nancy, "claire@example.fr")
    assert client.get("/compte/").status_code == 200  # not required of her
    codes = _set_up(client, nancy, claire)

    # when someone who knows her password signs in
    thief, response = _sign_in(nancy, "claire@example.fr")

    # then they are asked for a code, and nothing opens without it
    assert response["Location"].startswith("/compte/connexion/code/")
    assert thief.get("/compte/").status_code == 302
    assert thief.get("/compte/commandes/").status_code == 302
    assert thief.post("/compte/connexion/code/", {"code": "000000"}).status_code == 400

    # and a recovery code opens it, once
    assert thief.post("/compte/connexion/code/", {"code": codes[0], "next": "/compte/"}).status_code == 302
    assert thief.get("/compte/").status_code == 200
    again, _ = _sign_in(nancy, "claire@example.fr")
    assert again.post("/compte/connexion/code/", {"code": codes[0]}).status_code == 400


def test_she_may_turn_it_off_but_the_team_may_not(nancy):
    with tenant_context(nancy):
        claire = UserFactory(email="claire2@example.fr", password=PASSWORD)
        admin = UserFactory(email="admin2@nancy.fr", role=User.Role.TERRITORY_ADMIN, password=PASSWORD)
    client, _ = _sign_in(nancy, "claire2@example.fr")
    _set_up(client, nancy, claire)
    client.post("/compte/securite/desactiver/")
    with tenant_context(nancy):
        assert not TOTPDevice.objects.filter(user=claire).exists()

    team = client_on(nancy, admin)  # a session that gave its code
    team.post("/compte/securite/desactiver/")
    with tenant_context(nancy):
        assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_a_code_from_one_territory_means_nothing_in_another(nancy, limoges):
    # cross-territory: the same email in two territories is two accounts, with two authenticators
    with tenant_context(nancy):
        in_nancy = UserFactory(email="double@example.fr", password=PASSWORD)
    with tenant_context(limoges):
        UserFactory(email="double@example.fr", password=PASSWORD)
    client, _ = _sign_in(nancy, "double@example.fr")
    _set_up(client, nancy, in_nancy)
    with tenant_context(nancy):
        nancy_device = TOTPDevice.objects.get(user=in_nancy)

    # then in Limoges the account has no two-factor sign-in, and a Nancy code verifies nothing
    limoges_client, response = _sign_in(limoges, "double@example.fr")
    assert response["Location"] == "/"
    time.sleep(1.1)
    assert limoges_client.post("/compte/connexion/code/", {"code": totp_code(nancy_device)}).status_code == 400
