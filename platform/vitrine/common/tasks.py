"""Send a Celery task after the caller's transaction commits, without ever waiting on a dead broker.

Every task Vitrine sends from a request has its state in the database first (an
outbox row, an import row, a photo without renditions, a provisioning job): a
periodic sweep finds the work the broker never got. So a request makes one
connection attempt, bounded by BROKER_PUBLISH_TIMEOUT, and carries on when it
fails instead of letting kombu retry for seconds while the shopper waits.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import connection, transaction
from django_tenants.utils import get_tenant_model, schema_context, tenant_context

logger = logging.getLogger(__name__)
BROKER_PUBLISH_TIMEOUT = 1.0  # seconds


def task_send(task, **kwargs) -> bool:
    """Publish `task(**kwargs)` now in the current schema; return False if the broker is unreachable."""
    try:
        with task.app.pool.acquire(block=True, timeout=BROKER_PUBLISH_TIMEOUT) as broker:
            broker.ensure_connection(max_retries=0, timeout=BROKER_PUBLISH_TIMEOUT)
            task.apply_async(kwargs=kwargs, connection=broker, retry=False)
    except Exception:  # broker unreachable: the state is in the database, a sweep sends it later
        logger.warning("Broker unreachable; %s(%s) left for the periodic sweep", task.name, kwargs)
        return False
    return True


def task_send_on_commit(task, **kwargs) -> None:
    """After the current transaction commits, publish `task(**kwargs)` in this schema (see task_send)."""
    schema_name = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection

    def send() -> None:
        # tenant-schemas-celery stamps the schema current at send time on the message.
        with schema_context(schema_name):
            task_send(task, **kwargs)

    transaction.on_commit(send)


def task_send_in_every_territory(task) -> None:
    """Queue `task` once in each territory's schema (the periodic sweeps fan out with it).

    Suspended and archived territories too: their pages are closed or read-only, but what is under
    way must still end (unpaid orders expire and give their stock back, authorised payments are
    captured or released, waiting emails are sent, the counts and the summaries are written).
    """
    for territory in get_tenant_model().objects.only("schema_name"):
        with tenant_context(territory):
            task.delay()


def task_send_by_name_on_commit(name: str, **kwargs) -> None:
    """task_send_on_commit for a task of a higher app, named rather than imported (the layers point down)."""
    task_send_on_commit(current_app.signature(name), **kwargs)
