"""Sentry set-up: Django and Celery integrations, every event tagged with its territory."""

import sentry_sdk
from django.db import connection
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def tag_territory(event: dict, hint: dict) -> dict:
    """Tag an event with the schema the failing request or task was serving."""
    schema_name = getattr(connection, "schema_name", None) or "public"
    event.setdefault("tags", {})["territory"] = schema_name
    return event


def sentry_init(*, dsn: str, environment: str, transport=None) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=tag_territory,
        traces_sample_rate=0.0,
        transport=transport,
    )
