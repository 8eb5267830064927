"""Local development: DEBUG on (off in make demo), the embedded PostgreSQL unless DATABASE_URL is set."""

from vitrine.config.django.base import *  # noqa: F401,F403
from vitrine.config.settings.database import PROGRESS_DATABASE, database_url_or_embedded, databases  # noqa: F401

DEBUG = env.bool("DJANGO_DEBUG", default=True)  # noqa: F405
DATABASES = databases(database_url_or_embedded())

# WhiteNoise serves from the apps' folders directly; no collectstatic (and so no manifest of
# hashed names) here, whether DEBUG is on or off (make demo turns it off).
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
