"""Celery: CELERY_BROKER_URL (Redis, RabbitMQ) or a file-system transport needing no server.

Tasks are tenant-aware (tenant-schemas-celery): a task sent while serving a
territory runs in that territory's schema; one sent from the public schema
runs in public.
"""

import hashlib
from pathlib import Path

from vitrine.config.env import VAR_DIR, env

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
# One queue folder per database, so that tasks queued against one database are
# never run against another (switching DATABASE_URL on a development machine).
_database_url = env("DATABASE_URL", default="")
_queue_name = hashlib.sha256(_database_url.encode()).hexdigest()[:10] if _database_url else "embedded"
CELERY_QUEUE_DIR = env("VITRINE_CELERY_DIR", default=str(VAR_DIR / "celery" / _queue_name))
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed"):
        Path(CELERY_QUEUE_DIR, _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": f"{CELERY_QUEUE_DIR}/queue",
        "data_folder_out": f"{CELERY_QUEUE_DIR}/queue",
        "processed_folder": f"{CELERY_QUEUE_DIR}/processed",
        "store_processed": False,
        "polling_interval": 0.2,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Sends outbox emails that missed their immediate task (broker or mail server down).
    "outbox-flush": {
        "task": "vitrine.notifications.tasks.outbox_flush_all",
        "schedule": env.float("VITRINE_OUTBOX_FLUSH_SECONDS", default=60.0),
    },
    # Orders not collected after the territory's delay: marked, stock released, shopper told.
    # Every 5 minutes: the shortest delay before an unpaid order is released is 5 minutes.
    "orders-expire": {"task": "vitrine.orders.tasks.orders_expire_all", "schedule": 300.0},
    # Large catalogue imports whose task was lost (worker killed, broker down): sent again.
    "imports-resume": {
        "task": "vitrine.imports.tasks.catalog_imports_resume_all",
        "schedule": env.float("VITRINE_IMPORT_RESUME_SECONDS", default=120.0),
    },
    # Online payment: capture when the shops' acceptance deadline passes, pay and refund what a lost
    # task left, handle webhook events whose task was lost.
    "payments-sweep": {
        "task": "vitrine.payments.tasks.payments_sweep_all",
        "schedule": env.float("VITRINE_PAYMENTS_SWEEP_SECONDS", default=120.0),
    },
    # Visit counts waiting in the buffer (Redis) written into the daily counts of each territory.
    "metrics-flush": {
        "task": "vitrine.metrics.tasks.daily_counts_flush_all",
        "schedule": env.float("VITRINE_METRICS_FLUSH_SECONDS", default=300.0),
    },
    # The dashboard's summary of orders per day, brought up to date in every territory.
    "dashboard-summary": {
        "task": "vitrine.backoffice.tasks.dashboard_summary_refresh_all",
        "schedule": env.float("VITRINE_DASHBOARD_SUMMARY_SECONDS", default=900.0),
    },
    # The console's figures of every territory (shops, orders, outbox backlog), one task per schema.
    "console-health": {
        "task": "vitrine.console.tasks.territory_health_refresh_all",
        "schedule": env.float("VITRINE_CONSOLE_HEALTH_SECONDS", default=600.0),
    },
    # Photos kept for a quick add sent back with an error, that nobody came back for.
    "pending-photos-purge": {"task": "vitrine.catalog.tasks.pending_photos_purge_all", "schedule": 3600.0},
}
# An import that has recorded no progress for this long has lost its worker (imports_resume).
VITRINE_IMPORT_STALE_SECONDS = env.float("VITRINE_IMPORT_STALE_SECONDS", default=300.0)
