"""Territories for tests, made through the real provisioning service."""

from __future__ import annotations

from django.db import connection

from vitrine.console.services import TerritoryRequest, territory_provision
from vitrine.tenancy.models import Territory


def territory_request(slug: str, **overrides) -> TerritoryRequest:
    fields = {
        "name": f"Territoire {slug.title()}",
        "slug": slug,
        "contact_email": f"contact@{slug}.example.fr",
        "admin_email": f"admin@{slug}.example.fr",
    }
    fields.update(overrides)
    return TerritoryRequest(**fields)


def territory_make(slug: str, **overrides) -> Territory:
    """Provision a territory (or return it when it already exists)."""
    result = territory_provision(request=territory_request(slug, **overrides))
    connection.set_schema_to_public()
    return result.territory
