"""The Celery application: tenant-aware, configured from Django settings (CELERY_*)."""

import os

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vitrine.config.django.local")

app = TenantAwareCeleryApp("vitrine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
