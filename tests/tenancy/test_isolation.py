"""Cross-territory isolation: what is made in one territory does not exist in another."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.testing.factories import DEFAULT_PASSWORD, UserFactory
from vitrine.testing.helpers import host_client

pytestmark = pytest.mark.embedded  # also run on the embedded PostgreSQL in CI (make test-embedded)


def test_account_made_in_nancy_does_not_exist_in_limoges_or_the_console(nancy, limoges):
    # given a shopper account in nancy
    with tenant_context(nancy):
        UserFactory(email="camille@example.fr")

    # then limoges and the public schema do not see it through the ORM
    with tenant_context(limoges):
        assert not User.objects.filter(email="camille@example.fr").exists()
    connection.set_schema_to_public()
    assert not User.objects.filter(email="camille@example.fr").exists()
    with tenant_context(nancy):
        assert User.objects.filter(email="camille@example.fr").exists()


def test_nancy_account_cannot_sign_in_on_limoges(nancy, limoges):
    # cross-territory: must be rejected
    with tenant_context(nancy):
        UserFactory(email="camille@example.fr")
    credentials = {"username": "camille@example.fr", "password": DEFAULT_PASSWORD}

    # when the same credentials are used on each host
    on_nancy = host_client("nancy.localhost").post("/compte/connexion/", credentials)
    on_limoges = host_client("limoges.localhost").post("/compte/connexion/", credentials)

    # then nancy signs in and limoges refuses
    assert on_nancy.status_code == 302
    assert on_limoges.status_code == 200 and "_auth_user_id" not in on_limoges.client.session


def test_nancy_session_is_worthless_on_limoges(nancy, limoges):
    # cross-territory: a session cookie from nancy must not authenticate on limoges
    nancy_client = host_client("nancy.localhost")
    with tenant_context(nancy):  # the session lives in nancy's schema
        nancy_client.force_login(UserFactory(email="camille@example.fr"))
    assert nancy_client.get("/compte/").status_code == 200

    # when the same cookie jar is presented to limoges
    limoges_client = host_client("limoges.localhost")
    limoges_client.cookies = nancy_client.cookies
    response = limoges_client.get("/compte/")

    # then limoges asks to sign in
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_same_ids_in_two_territories_are_different_rows(nancy, limoges):
    # given rows with the same primary key in both territories
    with tenant_context(nancy):
        OutboxEmail.objects.create(pk=4242, to=["n@example.fr"], subject="Nancy", body="n")
    with tenant_context(limoges):
        OutboxEmail.objects.create(pk=4242, to=["l@example.fr"], subject="Limoges", body="l")

    # then each territory reads its own
    with tenant_context(nancy):
        assert OutboxEmail.objects.get(pk=4242).subject == "Nancy"
    with tenant_context(limoges):
        assert OutboxEmail.objects.get(pk=4242).subject == "Limoges"
