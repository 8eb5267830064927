"""Seeing what happens: Prometheus metrics, the request log line, the health check."""

from vitrine.config.env import env

# /metrics answers only a request bearing this token (`Authorization: Bearer <token>`); without
# it /metrics is off (404). The proxies refuse /metrics from outside as well (infra/).
VITRINE_METRICS_TOKEN = env("VITRINE_METRICS_TOKEN", default="")
# /metrics and the detail of /healthz answer only a request from inside. In the image, gunicorn also
# listens on this port (9100), which no proxy, Service or Ingress forwards: requests on it are
# internal, others never are. 0 (development, tests, another server): a request is internal when it
# carries no X-Forwarded-For and its Host is an IP, a name without a dot (web, localhost), *.svc,
# *.svc.cluster.local, *.internal, *.local, or one of VITRINE_INTERNAL_HOSTS (comma-separated).
VITRINE_INTERNAL_PORT = env.int("VITRINE_INTERNAL_PORT", default=0)
VITRINE_INTERNAL_HOSTS = frozenset(env.list("VITRINE_INTERNAL_HOSTS", default=[]))
# Distinct territory label values one process keeps before counting further ones as "other".
VITRINE_METRICS_MAX_TERRITORIES = env.int("VITRINE_METRICS_MAX_TERRITORIES", default=2000)
# The Celery queues whose length /metrics reports (the default queue unless told).
VITRINE_METRICS_CELERY_QUEUES = env.list("VITRINE_METRICS_CELERY_QUEUES", default=["celery"])
# One log line per request (method, path, status, duration, view, territory): the image turns it
# on in place of gunicorn's access log, so that each line carries the territory.
VITRINE_REQUEST_LOG = env.bool("VITRINE_REQUEST_LOG", default=False)
