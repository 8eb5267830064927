"""Production settings plus /bench/ping on territory hosts. Nothing else differs.

gunicorn runs with DJANGO_SETTINGS_MODULE=bench_settings and tests/benchmarks on
PYTHONPATH, and the same environment production requires (DJANGO_SECRET_KEY,
DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL, BASE_DOMAIN).
"""

from vitrine.config.django.production import *  # noqa: F401,F403

ROOT_URLCONF = "bench_urls"
