"""Outbox delivery. Thin, idempotent tasks: a redelivered message sends nothing twice."""

from celery import shared_task

from vitrine.common.tasks import task_send_in_every_territory
from vitrine.notifications import services


@shared_task(acks_late=True)
def outbox_email_deliver(*, message_id: int) -> None:
    services.outbox_email_deliver(message_id=message_id)


@shared_task(acks_late=True)
def outbox_emails_deliver(*, message_ids: list[int]) -> None:
    """Deliver the emails one change queued together (each once: a redelivered task skips those sent)."""
    for message_id in message_ids:
        services.outbox_email_deliver(message_id=message_id)


@shared_task(acks_late=True)
def outbox_flush() -> None:
    """Deliver this territory's due emails (runs in the territory's schema)."""
    for message_id in services.outbox_due_ids():
        services.outbox_email_deliver(message_id=message_id)


@shared_task
def outbox_flush_all() -> None:
    """Periodic (beat): queue a flush in every active territory."""
    task_send_in_every_territory(outbox_flush)
