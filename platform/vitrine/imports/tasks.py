"""Large catalogue imports, checked and committed by the worker in the territory's schema."""

from celery import shared_task

from vitrine.common.tasks import task_send_in_every_territory
from vitrine.imports.services import catalog_import_check_job, catalog_import_commit_job, catalog_imports_resume


@shared_task(acks_late=True)
def catalog_import_check_run(*, import_id: int) -> None:
    """Check every row of a large upload, recording progress; safe to run twice."""
    catalog_import_check_job(import_id=import_id)


@shared_task(acks_late=True)
def catalog_import_commit_run(*, import_id: int) -> None:
    """Commit a confirmed large import in one transaction, recording progress; safe to run twice."""
    catalog_import_commit_job(import_id=import_id)


@shared_task(acks_late=True)
def catalog_imports_resume_run() -> None:
    """Send again this territory's large imports whose task was lost (runs in its schema)."""
    catalog_imports_resume()


@shared_task
def catalog_imports_resume_all() -> None:
    """Periodic (beat): look for lost import tasks in every active territory."""
    task_send_in_every_territory(catalog_imports_resume_run)
