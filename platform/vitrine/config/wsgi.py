"""WSGI entry point (gunicorn vitrine.config.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vitrine.config.django.production")

application = get_wsgi_application()
