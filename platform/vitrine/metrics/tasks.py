"""Periodic writing of the visit counts (beat), per territory."""

from celery import shared_task

from vitrine.common.tasks import task_send_in_every_territory
from vitrine.metrics import services


@shared_task(acks_late=True)
def daily_counts_flush() -> None:
    """Write this territory's buffered counts (runs in the territory's schema), then forget old searches."""
    services.daily_counts_flush()
    services.old_counts_purge()


@shared_task
def daily_counts_flush_all() -> None:
    """Periodic (beat): queue a flush in every active territory."""
    task_send_in_every_territory(daily_counts_flush)
