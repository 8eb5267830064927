"""The territory dashboard's periodic work."""

from celery import shared_task

from vitrine.backoffice.summary import summary_refresh
from vitrine.common.tasks import task_send_in_every_territory


@shared_task(acks_late=True)
def dashboard_summary_refresh() -> None:
    """Bring this territory's summary of orders per day up to date (runs in the territory's schema)."""
    summary_refresh()


@shared_task
def dashboard_summary_refresh_all() -> None:
    """Periodic (beat): keep every active territory's summary warm, so a dashboard has little to redo."""
    task_send_in_every_territory(dashboard_summary_refresh)
