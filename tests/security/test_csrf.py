"""One territory's pages cannot post to another's forms (issue #10, item 11).

Production once trusted every territory subdomain as a CSRF origin for the others and the
console (`https://*.BASE_DOMAIN`). The settings are read from the production module itself, in
a subprocess (it refuses to load without its secrets), then applied to this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from vitrine.testing.factories import UserFactory

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "vitrine.config.django.production",
    "DJANGO_SECRET_KEY": "x" * 60 + "-production-secret-key-for-the-check",
    "DATABASE_URL": "postgres://vitrine:secret@db.internal:5432/vitrine",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.fr:587",
    "BASE_DOMAIN": "localhost",  # the test territories' hosts: nancy.localhost, limoges.localhost
}


@pytest.fixture(scope="module")
def production_csrf() -> dict:
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'origins': s.CSRF_TRUSTED_ORIGINS, 'proxy': s.SECURE_PROXY_SSL_HEADER}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "CSRF_TRUSTED_ORIGINS"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production_like(settings, production_csrf):
    settings.CSRF_TRUSTED_ORIGINS = production_csrf["origins"]
    settings.SECURE_PROXY_SSL_HEADER = tuple(production_csrf["proxy"])
    settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SECURE = True


def _form_client(territory, host: str) -> tuple[Client, str]:
    """A signed-in client holding a good CSRF token from the territory's own profile page."""
    client = Client(enforce_csrf_checks=True, HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
    with tenant_context(territory):
        client.force_login(UserFactory(full_name="Claire Blaison"))
    page = client.get("/compte/", secure=True)
    assert page.status_code == 200
    return client, client.cookies["csrftoken"].value


def _rename(client: Client, token: str, origin: str | None):
    extra = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post("/compte/", {"full_name": "Pirate", "csrfmiddlewaretoken": token}, secure=True, **extra)


def test_production_trusts_no_wildcard_origin(production_csrf):
    assert not any("*" in origin for origin in production_csrf["origins"]), production_csrf["origins"]


def test_a_post_to_nancy_from_limoges_origin_is_refused(production_like, nancy, limoges):
    # given a signed-in shopper on nancy's site, holding a valid token
    client, token = _form_client(nancy, "nancy.localhost")

    # when a page of limoges (or the console) posts nancy's form, token included
    from_limoges = _rename(client, token, "https://limoges.localhost")
    from_console = _rename(client, token, "https://console.localhost")

    # then nancy refuses both, in French, and the name is unchanged
    assert from_limoges.status_code == 403 and from_console.status_code == 403
    assert "Ce formulaire n’a pas pu être vérifié" in from_limoges.content.decode()
    assert "Achetez Grand Nancy" in from_limoges.content.decode()
    with tenant_context(nancy):
        assert client.get("/compte/", secure=True).context["user"].full_name == "Claire Blaison"

    # while the same form from nancy's own pages goes through
    own = _rename(client, token, "https://nancy.localhost")
    assert own.status_code == 302


def test_a_custom_domain_is_same_origin_for_its_own_forms(production_like, nancy, django_capture_on_commit_callbacks):
    from vitrine.tenancy.services import domain_add

    # given nancy on its custom domain
    with django_capture_on_commit_callbacks(execute=True):
        domain_add(territory=nancy, domain="achetez.grandnancy.fr", actor=None)
    client, token = _form_client(nancy, "achetez.grandnancy.fr")

    # then its own forms go through there, and one posted from limoges does not
    assert _rename(client, token, "https://achetez.grandnancy.fr").status_code == 302
    assert _rename(client, token, "https://limoges.localhost").status_code == 403
