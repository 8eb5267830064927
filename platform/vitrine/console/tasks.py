"""Console tasks, run by the Celery worker in the public schema."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from vitrine.console.services import TerritoryRequest, provisioning_images_discard, territory_provision
from vitrine.tenancy.models import ProvisioningJob

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
