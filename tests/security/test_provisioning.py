"""Provisioning refuses a slug whose address is already another territory's custom domain (issue #10, item 10)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from vitrine.console.services import territory_provision
from vitrine.tenancy.models import Domain, ProvisioningJob, Territory
from vitrine.tenancy.services import domain_add
from vitrine.testing.territories import territory_request


@pytest.fixture
def nancy_owns_metz_address(nancy, django_capture_on_commit_callbacks):
    """Nancy took metz.localhost, the address a territory "metz" would get, as a custom domain."""
    with django_capture_on_commit_callbacks(execute=True):
        domain_add(territory=nancy, domain="metz.localhost", actor=None)
    return nancy


def test_the_service_refuses_a_slug_whose_address_is_taken_and_creates_nothing(nancy_owns_metz_address):
    # when "metz" is provisioned
    with pytest.raises(ValidationError) as error:
        territory_provision(request=territory_request("metz"))

    # then the slug is refused, naming the address and its territory, and nothing is made
    (message,) = error.value.message_dict["slug"]
    assert "« metz.localhost »" in message and "Achetez Grand Nancy" in message
    assert not Territory.objects.filter(schema_name="metz").exists()
    assert Domain.objects.get(domain="metz.localhost").tenant == nancy_owns_metz_address


def test_the_console_form_says_so_and_queues_no_job(nancy_owns_metz_address, console_client):
    # when the operator asks the console for "metz"
    response = console_client.post(
        "/territoires/nouveau/",
        {
            "name": "Metz Commerces",
            "slug": "metz",
            "kind": "city",
            "theme": "metropole",
            "primary_color": "",
            "hero_text": "",
            "contact_email": "contact@metz.fr",
            "admin_email": "admin@metz.fr",
            "custom_domains": "",
        },
    )

    # then the form comes back with the reason, and no job goes to the worker
    assert response.status_code == 200
    assert "« metz.localhost » est déjà un domaine personnalisé du territoire Achetez Grand Nancy" in response.text
    assert not ProvisioningJob.objects.exists()
