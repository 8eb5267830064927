"""Reference only: stock django-tenants routing (a Domain query and a SET per request).

Production settings with django-tenants' own TenantMainMiddleware and backend in
place of Vitrine's cached routing and search-path-keeping backend; the same
bench_urls. Shows what TerritoryRoutingMiddleware and the backend save.
"""

from vitrine.config.django.production import *  # noqa: F401,F403
from vitrine.config.django.production import DATABASES, MIDDLEWARE

DATABASES = {alias: {**config, "ENGINE": "django_tenants.postgresql_backend"} for alias, config in DATABASES.items()}
MIDDLEWARE = [
    "django_tenants.middleware.main.TenantMainMiddleware" if item.endswith("TerritoryRoutingMiddleware") else item
    for item in MIDDLEWARE
]
ROOT_URLCONF = "bench_urls"
