"""Console tasks, run by the Celery worker in the public schema."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext
from django_tenants.utils import get_public_schema_name, tenant_context

from vitrine.console.health import territory_health_compute
from vitrine.console.lifecycle import territory_export
from vitrine.console.services import TerritoryRequest, provisioning_images_discard, territory_provision
from vitrine.tenancy.models import ProvisioningJob, Territory, TerritoryExport
from vitrine.tenancy.services import console_log_record

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def territory_provision_job_run(*, job_id: int) -> None:
    """Run a console provisioning job, recording its progress on the job row."""
    job = ProvisioningJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return  # already done: a redelivered message changes nothing

    def progress(step: str, percent: int) -> None:
        # On its own connection: the console sees each step while the
        # provisioning transaction is still open.
        job.status, job.step, job.progress = ProvisioningJob.Status.RUNNING, step, percent
        job.save(using=settings.PROGRESS_DATABASE, update_fields=["status", "step", "progress", "updated_at"])

    try:
        result = territory_provision(
            request=TerritoryRequest(**job.params), actor=job.requested_by, on_progress=progress
        )
    except ValidationError as exc:
        provisioning_images_discard(names=job.params.get("images", {}))
        job.status = ProvisioningJob.Status.FAILED
        job.error = "; ".join(exc.messages)
        job.save(using=settings.PROGRESS_DATABASE, update_fields=["status", "error", "updated_at"])
        return
    except Exception:
        logger.exception("Provisioning job %s failed", job_id)
        provisioning_images_discard(names=job.params.get("images", {}))  # a failed job is not run again
        job.status, job.error = (
            ProvisioningJob.Status.FAILED,
            gettext("Unexpected error; the platform team has the details."),
        )
        job.save(using=settings.PROGRESS_DATABASE, update_fields=["status", "error", "updated_at"])
        raise
    job.status, job.progress, job.territory_id = ProvisioningJob.Status.SUCCEEDED, 100, result.territory.pk
    job.save(using=settings.PROGRESS_DATABASE, update_fields=["status", "progress", "territory", "updated_at"])
    provisioning_images_discard(names=job.params.get("images", {}))


@shared_task
def territory_health_refresh() -> None:
    """In a territory's schema (the message says which): compute its health row for the console."""
    if connection.schema_name == get_public_schema_name():  # type: ignore[attr-defined]
        return
    territory_health_compute()


@shared_task
def territory_health_refresh_all() -> None:
    """Periodic: one health task in each territory's schema, suspended ones included (their backlog matters)."""
    for territory in Territory.objects.only("schema_name"):
        with tenant_context(territory):
            territory_health_refresh.delay()


@shared_task(acks_late=True)
def territory_export_run(*, export_id: int) -> None:
    """Make a territory's archive (vitrine.console.lifecycle), recording its progress on the export row."""
    export = TerritoryExport.objects.select_related("territory").filter(pk=export_id).first()
    if export is None or export.is_finished or export.territory is None:
        return  # done already (a redelivered message), or the territory is gone

    def progress(step: str, percent: int) -> None:
        export.status, export.step, export.progress = TerritoryExport.Status.RUNNING, step, percent
        export.save(using=settings.PROGRESS_DATABASE, update_fields=["status", "step", "progress", "updated_at"])

    try:
        result = territory_export(territory=export.territory, on_progress=progress)
    except Exception as exc:
        logger.exception("Export %s of %s failed", export_id, export.slug)
        export.status = TerritoryExport.Status.FAILED
        export.error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)[:2000]
        export.save(using=settings.PROGRESS_DATABASE, update_fields=["status", "error", "updated_at"])
        return
    export.status, export.progress = TerritoryExport.Status.SUCCEEDED, 100
    export.file_name, export.size, export.sha256 = result.path.name, result.size, result.sha256
    export.save(update_fields=["status", "progress", "file_name", "size", "sha256", "updated_at"])
    console_log_record(
        actor=None,
        action="territory.export",
        territory=export.territory,
        details={"export": export.pk, "file": result.path.name, "bytes": result.size},
    )
