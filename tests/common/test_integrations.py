"""Integrations, each switched on by its variable: storage, Sentry, email, production settings."""

import os
import subprocess
import sys

import pytest
import sentry_sdk
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.mail import EmailMessage, get_connection
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.common.sentry import sentry_init
from vitrine.common.storage import TenantFileSystemStorage, TenantS3Storage
from vitrine.config.env import ROOT_DIR

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "vitrine.config.django.production",
    "DJANGO_SECRET_KEY": "x" * 60 + "-production-secret-key-for-the-check",
    "DATABASE_URL": "postgres://vitrine:secret@db.internal:5432/vitrine",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.fr:587",
    "BASE_DOMAIN": "vitrine.example.fr",
}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(
        [sys.executable, str(ROOT_DIR / "manage.py"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT_DIR,
    )


def test_media_files_are_stored_under_their_territory(nancy, limoges, tmp_path, settings):
    # given local storage rooted in a temporary folder
    settings.MEDIA_ROOT = str(tmp_path)
    storage = TenantFileSystemStorage(location=tmp_path)

    # when each territory saves a file with the same name
    with tenant_context(nancy):
        nancy_name = storage.save("photos/vitrine.jpg", ContentFile(b"nancy"))
    with tenant_context(limoges):
        limoges_name = storage.save("photos/vitrine.jpg", ContentFile(b"limoges"))

    # then each lands in its own folder
    assert nancy_name == "nancy/photos/vitrine.jpg" and limoges_name == "limoges/photos/vitrine.jpg"
    assert (tmp_path / "nancy/photos/vitrine.jpg").read_bytes() == b"nancy"
    assert (tmp_path / "limoges/photos/vitrine.jpg").read_bytes() == b"limoges"
    # and the console's own paths (a territory logo) are kept as given
    connection.set_schema_to_public()
    assert storage.save("nancy/branding/logo.png", ContentFile(b"logo")) == "nancy/branding/logo.png"


def test_default_storage_is_local_without_a_bucket():
    assert isinstance(storages["default"], TenantFileSystemStorage)


def test_s3_storage_keys_are_prefixed_by_territory(nancy, monkeypatch):
    # given the S3 backend, with the upload itself kept here (S3's servers are out of reach)
    uploaded = []
    monkeypatch.setattr(TenantS3Storage, "_save", lambda self, name, content: uploaded.append(name) or name)
    monkeypatch.setattr(TenantS3Storage, "exists", lambda self, name: False)
    storage = TenantS3Storage(bucket_name="vitrine-media")

    # when nancy saves a file
    with tenant_context(nancy):
        name = storage.save("photos/a.jpg", ContentFile(b"x"))

    # then the key sent is under nancy/
    assert name == "nancy/photos/a.jpg" and uploaded == ["nancy/photos/a.jpg"]


def test_bucket_variable_switches_media_to_s3():
    # when the settings load with a bucket configured
    code = "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**os.environ, **PRODUCTION_ENV, "AWS_STORAGE_BUCKET_NAME": "vitrine-media"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "vitrine.common.storage.TenantS3Storage", result.stderr


class CapturingTransport(sentry_sdk.transport.Transport):
    """Sentry's servers are out of reach: keep the events the SDK would send."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


def test_sentry_events_are_tagged_with_their_territory(nancy):
    transport = CapturingTransport()
    sentry_init(dsn="https://key@sentry.example.fr/1", environment="test", transport=transport)
    try:
        # when an error is captured while serving nancy, then on the console
        with tenant_context(nancy):
            sentry_sdk.capture_exception(ValueError("stock negative"))
        connection.set_schema_to_public()
        sentry_sdk.capture_message("console hiccup")
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)

    # then each event names the territory it happened in
    assert [event["tags"]["territory"] for event in transport.events] == ["nancy", "public"]


def test_without_smtp_emails_are_files_and_logged(tmp_path, caplog):
    # given the default backend (no EMAIL_URL)
    backend = get_connection("vitrine.common.mail.FileAndLogEmailBackend", file_path=str(tmp_path))

    # when an email is sent
    with caplog.at_level("INFO", logger="vitrine.mail"):
        EmailMessage(
            "Votre commande est prête",
            "Bonjour",
            "ne-pas-repondre@vitrine.fr",
            ["camille@example.fr"],
            connection=backend,
        ).send()

    # then it is a file under the mail folder and a line in the console log
    (written,) = list(tmp_path.iterdir())
    assert "To: camille@example.fr" in written.read_text() and "Bonjour" in written.read_text()
    assert "camille@example.fr" in caplog.text and str(tmp_path) in caplog.text


def test_production_settings_refuse_to_start_without_their_secrets():
    for missing in ("DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
        result = _manage("check", env=env)
        assert result.returncode != 0, missing
        assert missing in result.stderr, result.stderr[-500:]


def test_production_check_deploy_is_clean_with_secrets_set():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_email_url_configures_smtp():
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**os.environ, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend", "smtp.example.fr", "587", "True"], (
        result.stderr
    )


@pytest.mark.parametrize("path", ["/healthz"])
def test_health_check_answers_on_any_host(db, path):
    from vitrine.testing.helpers import host_client

    response = host_client("127.0.0.1:8000").get(path)
    assert response.status_code == 200 and response.json()["status"] == "ok"
