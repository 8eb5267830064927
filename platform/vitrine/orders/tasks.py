"""Orders not collected in time: reminders, then release. Thin, idempotent, safe to retry."""

from celery import shared_task

from vitrine.common.tasks import task_send_in_every_territory
from vitrine.orders.lifecycle import orders_expire_due


@shared_task(acks_late=True)
def orders_expire() -> None:
    """Remind and expire this territory's due orders (runs in the territory's schema)."""
    orders_expire_due()


@shared_task
def orders_expire_all() -> None:
    """Periodic (beat): queue orders_expire in every active territory."""
    task_send_in_every_territory(orders_expire)
