"""Production: every secret comes from the environment, none has a default."""

from django.core.exceptions import ImproperlyConfigured

from vitrine.config.django.base import *  # noqa: F401,F403
from vitrine.config.settings.database import PROGRESS_DATABASE, databases  # noqa: F401

SECRET_KEY = env("DJANGO_SECRET_KEY")  # noqa: F405
DEBUG = False
SITE_SCHEME = "https"
SITE_PORT = env("SITE_PORT", default="")  # noqa: F405
DATABASES = databases(env("DATABASE_URL"))  # noqa: F405
CELERY_BROKER_URL = env("CELERY_BROKER_URL")  # noqa: F405
# Refuse to start without a mail server: set-password links and orders go by email.
env("EMAIL_URL")  # noqa: F405

# Behind the proxy (infra/Caddyfile), which terminates TLS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)  # noqa: F405
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^metrics$", r"^internal/tls-ask$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# No wildcard over the territories' hosts: each territory's forms post to their own host (and the
# console's to the console), which Django's CSRF check accepts as same-origin, custom domains too.
# Trusting https://*.BASE_DOMAIN let any territory's pages (whose templates and texts its team
# writes) post to another territory or to the console. Extra origins only if a deployment needs one.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])  # noqa: F405

# Logs for a collector: one JSON object a line, with the territory (LOG_FORMAT=plain to read them).
LOG_FORMAT = env("LOG_FORMAT", default="json")  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "plain"  # noqa: F405

# Online payment talks to Stripe itself, never to another server (the fake of the tests and demo).
if env("STRIPE_API_BASE", default=""):  # noqa: F405
    raise ImproperlyConfigured("STRIPE_API_BASE is for the tests and the demo; production talks to Stripe.")
