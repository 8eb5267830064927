"""The territory team puts an announcement on the home page, for a while or until removed."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.tenancy.models import AuditEntry, Territory
from vitrine.testing.factories import UserFactory
from vitrine.testing.helpers import client_on, host_client


def _client(territory, role):
    with tenant_context(territory):
        user = UserFactory(role=role)
    return client_on(territory, user)


def _home(territory) -> str:
    return host_client(f"{territory.schema_name}.localhost").get("/").text


@pytest.mark.parametrize("role", [User.Role.TERRITORY_STAFF, User.Role.TERRITORY_ADMIN])
def test_the_team_announces_on_the_home_page_of_its_territory_only(
    nancy, limoges, role, django_capture_on_commit_callbacks
):
    client = _client(nancy, role)
    assert "Annonce" in client.get("/espace/annonce/").text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/espace/annonce/",
            {
                "text": "Marché de Noël samedi : les boutiques restent ouvertes jusqu’à 20 h",
                "link": "/boutiques/",
                "until": (timezone.localdate() + timedelta(days=7)).isoformat(),
            },
        )

    assert response.status_code == 302
    home = _home(nancy)
    assert "Marché de Noël samedi" in home and 'href="/boutiques/">En savoir plus</a>' in home
    assert "Marché de Noël" not in _home(limoges)
    assert AuditEntry.objects.filter(action="territory.announcement", territory=nancy).exists()

    # removing it (empty text) clears the banner and its link
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/espace/annonce/", {"text": "", "link": "", "until": ""})
    assert "Marché de Noël" not in _home(nancy)
    assert Territory.objects.get(pk=nancy.pk).announcement_link == ""


def test_an_announcement_disappears_after_its_last_day(nancy):
    Territory.objects.filter(pk=nancy.pk).update(announcement="Soldes d’hiver", announcement_until=date(2026, 1, 31))
    territory = Territory.objects.get(pk=nancy.pk)
    assert territory.announcement_on(date(2026, 1, 31)) == "Soldes d’hiver"
    assert territory.announcement_on(date(2026, 2, 1)) == ""


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"text": "Fête", "link": "javascript:alert(1)"}, "link", "commençant par /"),
        ({"text": "Fête", "link": "//evil.example/"}, "link", "commençant par /"),
        ({"text": "Fête", "link": "/\\evil.example/"}, "link", "commençant par /"),
        ({"text": "", "link": "/boutiques/"}, "text", "Écrivez l’annonce"),
        ({"text": "Fête", "until": "2020-01-01"}, "until", "Cette date est passée"),
        ({"text": "x" * 281}, "text", "280"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(nancy, data, field, message):
    client = _client(nancy, User.Role.TERRITORY_STAFF)
    response = client.post("/espace/annonce/", {"link": "", "until": "", **data})
    assert response.status_code == 400
    assert message in response.text
    assert Territory.objects.get(pk=nancy.pk).announcement == ""


@pytest.mark.parametrize("role", [User.Role.SHOPPER, User.Role.MERCHANT])
def test_shoppers_and_merchants_cannot_announce(nancy, role):
    client = _client(nancy, role)
    assert client.get("/espace/annonce/").status_code == 403
    assert client.post("/espace/annonce/", {"text": "Pub gratuite"}).status_code == 403
    assert Territory.objects.get(pk=nancy.pk).announcement == ""
    anonymous = host_client("nancy.localhost").get("/espace/annonce/")
    assert anonymous.status_code == 302 and "/compte/connexion/" in anonymous["Location"]
