"""Test settings: the same real PostgreSQL (DATABASE_URL or embedded), fast hashing.

Subprocesses started by the tests (web server, Celery worker) load these too,
with DATABASE_URL pointing at the test database, so they share the broker
folders and the mail folder below.
"""

import os

from vitrine.config.env import VAR_DIR

# The test process and the worker and web server it starts share these folders.
os.environ.setdefault("VITRINE_CELERY_DIR", str(VAR_DIR / "test" / "celery"))
os.environ.setdefault("VITRINE_MAIL_DIR", str(VAR_DIR / "test" / "mail"))
os.environ.setdefault("VITRINE_EXPORTS_DIR", str(VAR_DIR / "test" / "exports"))

from vitrine.config.django.base import *  # noqa: E402,F401,F403
from vitrine.config.settings.database import database_url_or_embedded, databases

DATABASES = databases(database_url_or_embedded())
# In-process tests run inside one transaction; subprocesses (the worker) set
# VITRINE_PROGRESS_DB=progress to use the real second connection.
PROGRESS_DATABASE = env("VITRINE_PROGRESS_DB", default="default")  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# WhiteNoise serves from the apps' folders directly; no collectstatic needed here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Every request of the suite comes from 127.0.0.1, and the counters outlive a run (Redis or
# files): limits far above what the suite does. tests/security puts the real ones back.
VITRINE_RATE_LIMITS = {group: "100000/m" for group in VITRINE_RATE_LIMITS}  # noqa: F405
