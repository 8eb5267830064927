"""The Celery application: tenant-aware, configured from Django settings (CELERY_*)."""

import os

from celery import signals
from django.conf import settings
from kombu.transport import TRANSPORT_ALIASES
from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

from vitrine.common.logs import JsonFormatter, TerritoryFilter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vitrine.config.django.local")

# filesystem:// (the embedded path's broker) writes each message whole before a worker can see it.
TRANSPORT_ALIASES["filesystem"] = "vitrine.config.kombu_filesystem:Transport"

app = TenantAwareCeleryApp("vitrine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def json_log_lines(logger, **kwargs) -> None:
    """With LOG_FORMAT=json (production), the worker's and beat's lines are JSON with the territory too.

    Celery sets up its own handlers (their plain format is what the benchmarks parse); this only
    swaps their format, once the settings are loaded.
    """
    if settings.LOG_FORMAT != "json":
        return
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(TerritoryFilter())
