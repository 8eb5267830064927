"""gunicorn's configuration in the image: `gunicorn --config python:vitrine.config.gunicorn ...`.

Each gunicorn worker is a process with its own Prometheus values: prometheus_client's
multiprocess mode keeps them in files under PROMETHEUS_MULTIPROC_DIR, which /metrics adds up
(vitrine.config.observability). The folder is emptied when gunicorn starts, before any worker
imports prometheus_client (it reads the variable at import), and a worker that exits has its
live gauges dropped.
"""

import os
import shutil
import tempfile
from pathlib import Path

# The container's own temporary folder (an emptyDir on Kubernetes, whose root file system is read-only).
MULTIPROC_DIR = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / "vitrine-prometheus")
)


def on_starting(server) -> None:
    folder = Path(MULTIPROC_DIR)
    shutil.rmtree(folder, ignore_errors=True)  # values of an earlier run would be added again
    folder.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    # Imported here, not at the top: prometheus_client reads PROMETHEUS_MULTIPROC_DIR when first
    # imported, and the workers fork from this process, so it must come after the variable is set.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# gunicorn's own lines (start, workers, errors) in the same JSON as the application's, when the
# application logs JSON (LOG_FORMAT, json in production); the request lines are the
# application's (VITRINE_REQUEST_LOG), which know the territory.
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "vitrine.common.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
