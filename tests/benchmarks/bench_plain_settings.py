"""The no-tenancy baseline: production settings without any routing by host.

Same middleware minus TerritoryRoutingMiddleware (sessions, auth, CSRF, messages,
language, WhiteNoise... all kept), same database with the same CONN_MAX_AGE and
health checks but Django's own PostgreSQL backend, no django_tenants app or
router, and a plain URLconf that only serves /bench/ping. The difference between
this and bench_settings on /bench/ping is what territory routing costs.
"""

from vitrine.config.django.production import *  # noqa: F401,F403
from vitrine.config.django.production import (
    CACHES,
    DATABASES,
    INSTALLED_APPS,
    MIDDLEWARE,
)

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "django_tenants"]
DATABASE_ROUTERS: list[str] = []
DATABASES = {alias: {**config, "ENGINE": "django.db.backends.postgresql"} for alias, config in DATABASES.items()}
MIDDLEWARE = [item for item in MIDDLEWARE if item != "vitrine.tenancy.middleware.TerritoryRoutingMiddleware"]
ROOT_URLCONF = "bench_plain_urls"
# django_tenants.cache.make_key reads connection.schema_name, which Django's own backend lacks.
CACHES = {
    alias: {key: value for key, value in config.items() if key not in ("KEY_FUNCTION", "REVERSE_KEY_FUNCTION")}
    for alias, config in CACHES.items()
}
