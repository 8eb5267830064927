"""Tenant-aware Celery through a real worker and broker (filesystem transport, or Redis in CI)."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.notifications.models import OutboxEmail
from vitrine.notifications.tasks import outbox_email_deliver
from vitrine.testing.helpers import TEST_VAR, wait_for

pytestmark = pytest.mark.embedded  # also run on the embedded PostgreSQL in CI (make test-embedded)

SHARED_ID = 777_001


def _mails_to(address: str) -> list[str]:
    texts = [path.read_text() for path in (TEST_VAR / "mail").glob("*.log")]
    return [text for text in texts if f"To: {address}" in text]


def test_task_sent_while_serving_nancy_runs_in_nancy_schema(celery_worker, committed):
    nancy, limoges = committed["nancy"], committed["limoges"]
    # given an outbox email with the same id in both territories (ids are per schema)
    with tenant_context(nancy):
        OutboxEmail.objects.create(pk=SHARED_ID, to=["camille@nancy.example.fr"], subject="Nancy", body="Bonjour")
    with tenant_context(limoges):
        OutboxEmail.objects.create(pk=SHARED_ID, to=["louise@limoges.example.fr"], subject="Limoges", body="Bonjour")
    try:
        # when the delivery task is sent from nancy's schema
        with tenant_context(nancy):
            outbox_email_deliver.delay(message_id=SHARED_ID)

        # then the worker delivered nancy's email, in nancy's schema, and left limoges' alone
        def nancy_sent():
            with tenant_context(nancy):
                return OutboxEmail.objects.get(pk=SHARED_ID).status == OutboxEmail.Status.SENT

        wait_for(nancy_sent, timeout=30, message="the worker to send nancy's email")
        with tenant_context(limoges):
            assert OutboxEmail.objects.get(pk=SHARED_ID).status == OutboxEmail.Status.PENDING
        assert _mails_to("camille@nancy.example.fr")
        assert not _mails_to("louise@limoges.example.fr")
    finally:
        for territory in (nancy, limoges):
            with tenant_context(territory):
                OutboxEmail.objects.filter(pk=SHARED_ID).delete()
        connection.set_schema_to_public()


def test_redelivered_task_sends_the_email_once(celery_worker, committed):
    nancy = committed["nancy"]
    # given a pending email
    with tenant_context(nancy):
        message = OutboxEmail.objects.create(to=["once@nancy.example.fr"], subject="Une fois", body="...")
    try:
        # when its delivery task arrives three times (a redelivery after a worker crash, a flush...)
        with tenant_context(nancy):
            for _ in range(3):
                outbox_email_deliver.delay(message_id=message.pk)

        # then exactly one email went out
        def sent():
            with tenant_context(nancy):
                return OutboxEmail.objects.get(pk=message.pk).status == OutboxEmail.Status.SENT

        wait_for(sent, timeout=30, message="the email to be sent")
        with tenant_context(nancy):
            marker = OutboxEmail.objects.create(to=["marker@nancy.example.fr"], subject="marker", body=".")
            outbox_email_deliver.delay(message_id=marker.pk)
        wait_for(lambda: _mails_to("marker@nancy.example.fr"), timeout=30, message="the marker email")
        assert len(_mails_to("once@nancy.example.fr")) == 1
    finally:
        with tenant_context(nancy):
            OutboxEmail.objects.filter(to__0__in=["once@nancy.example.fr", "marker@nancy.example.fr"]).delete()
        connection.set_schema_to_public()
