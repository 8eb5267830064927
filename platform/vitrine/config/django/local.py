"""Local development: DEBUG on, the embedded PostgreSQL unless DATABASE_URL is set."""
from vitrine.config.django.base import *  # noqa: F401,F403
from vitrine.config.settings.database import database_url_or_embedded, databases

DEBUG = env.bool("DJANGO_DEBUG", default=True)  # noqa: F405
DATABASES = databases(database_url_or_embedded())
