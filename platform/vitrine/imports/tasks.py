"""Large catalogue imports, checked and committed by the worker in the territory's schema."""

from celery import shared_task

from vitrine.imports.services import catalog_import_check_job, catalog_import_commit_job


@shared_task(acks_late=True)
def catalog_import_check_run(*, import_id: int) -> None:
    """Check every row of a large upload, recording progress; safe to run twice."""
    catalog_import_check_job(import_id=import_id)


@shared_task(acks_late=True)
def catalog_import_commit_run(*, import_id: int) -> None:
    """Commit a confirmed large import in one transaction, recording progress; safe to run twice."""
    catalog_import_commit_job(import_id=import_id)
