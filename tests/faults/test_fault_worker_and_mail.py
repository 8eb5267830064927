"""Workers crash and mail servers refuse: nothing is lost, nothing is sent twice, an import
finishes whole or not at all.

Real processes: Celery workers (with beat) on a file-system broker of the test's own,
killed with SIGKILL; a real SMTP server (aiosmtpd) of the test's own that counts what
it accepts by Message-ID, can refuse (451) and can be slow.
"""

from __future__ import annotations

import collections
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Product
from vitrine.imports.models import CatalogImport
from vitrine.imports.services import catalog_import_confirm, catalog_import_start
from vitrine.imports.testing import catalogue_rows, csv_bytes
from vitrine.notifications.models import OutboxEmail
from vitrine.shops.models import Shop
from vitrine.testing.factories import ShopFactory
from vitrine.testing.helpers import TEST_VAR, free_port, process_stop, subprocess_env, wait_for
from vitrine.testing.processes import (
    MailServer,
    celery_broker_used,
    private_broker_env,
    process_kill,
    worker_start,
)


@pytest.fixture
def mail_server():
    server = MailServer(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers_env(tmp_path, mail_server):
    """Workers on a private broker, sending through the test's mail server, flushing every second."""
    return subprocess_env(
        **private_broker_env(tmp_path / "celery"),
        EMAIL_URL=f"smtp://127.0.0.1:{mail_server.port}",
        VITRINE_OUTBOX_FLUSH_SECONDS="1",
        VITRINE_OUTBOX_RETRY_SECONDS="0.5",
        VITRINE_PROGRESS_DB="progress",
    )


def _outbox_fill(territory, count: int, label: str) -> list[int]:
    """`count` emails waiting in the territory's outbox, as orders leave them."""
    with tenant_context(territory):
        return [
            OutboxEmail.objects.create(
                to=[f"client{n}@example.fr"], subject=f"{label} {n}", body="Votre commande est prête."
            ).pk
            for n in range(count)
        ]


def _outbox_statuses(territory, ids: list[int]) -> collections.Counter:
    with tenant_context(territory):
        return collections.Counter(OutboxEmail.objects.filter(pk__in=ids).values_list("status", flat=True))


def _outbox_cleanup(territory, ids: list[int]) -> None:
    with tenant_context(territory):
        OutboxEmail.objects.filter(pk__in=ids).delete()
    connection.set_schema_to_public()


def _ours(mail_server: MailServer, label: str) -> collections.Counter:
    """How many times each of our emails (by Message-ID) reached the mail server."""
    return collections.Counter(m.message_id for m in mail_server.received if m.subject.startswith(label))


def test_a_worker_killed_while_sending_emails_loses_none_and_sends_none_twice(
    committed, mail_server, workers_env, tmp_path
):
    nancy = committed["nancy"]
    # given 40 emails waiting, and a mail server slow enough for the crash to land mid-batch
    ids = _outbox_fill(nancy, 40, "Crash")
    mail_server.delay = 0.1
    log = TEST_VAR / "fault-worker-1.log"
    worker = worker_start(workers_env, log_path=log, beat_schedule=tmp_path / "beat-1")
    try:
        # when the worker is killed (SIGKILL) after about ten of them went out
        wait_for(lambda: len(_ours(mail_server, "Crash")) >= 10, timeout=60, message=f"sending to start ({log})")
        process_kill(worker)
        sent_before_crash = sum(_ours(mail_server, "Crash").values())
        assert _outbox_statuses(nancy, ids)["pending"] > 0, "the crash came too late to test anything"

        # and another worker starts
        log = TEST_VAR / "fault-worker-2.log"
        worker = worker_start(workers_env, log_path=log, beat_schedule=tmp_path / "beat-2")

        # then every email is sent, each once
        wait_for(
            lambda: _outbox_statuses(nancy, ids) == {"sent": 40}, timeout=90, message=f"the outbox to drain ({log})"
        )
        time.sleep(2.5)  # two more flushes: nothing more may go out
        received = _ours(mail_server, "Crash")
        with tenant_context(nancy):
            expected = {f"<outbox.nancy.{pk}@" for pk in ids}
        assert {message_id.split("@")[0] + "@" for message_id in received} == expected
        twice = [message_id for message_id, times in received.items() if times > 1]
        # At most the one email in flight at the crash, and then under its one Message-ID,
        # so mail servers and clients show it once.
        assert len(twice) <= 1 and all(times <= 2 for times in received.values()), received
        print(  # noqa: T201 (shown with -s)
            f"worker killed after {sent_before_crash} of 40 emails; all 40 delivered, {len(twice)} resent in flight"
        )
    finally:
        process_stop(worker)
        _outbox_cleanup(nancy, ids)


def test_a_mail_server_that_refuses_then_accepts_gets_every_email_once(committed, mail_server, workers_env, tmp_path):
    nancy = committed["nancy"]
    # given a mail server that refuses everything (451, try again later)
    mail_server.refusing = True
    ids = _outbox_fill(nancy, 5, "Refus")
    log = TEST_VAR / "fault-mail-refusing.log"
    worker = worker_start(workers_env, log_path=log, beat_schedule=tmp_path / "beat")
    try:
        # when the worker tries
        wait_for(lambda: mail_server.refused >= 10, timeout=60, message=f"the worker to try and be refused ({log})")

        # then nothing is marked sent, each email records why, and will be tried again
        with tenant_context(nancy):
            emails = list(OutboxEmail.objects.filter(pk__in=ids))
        assert {e.status for e in emails} == {"pending"}
        assert all(e.attempts >= 1 and "451" in e.last_error for e in emails)
        assert not _ours(mail_server, "Refus")

        # when the mail server accepts again
        mail_server.refusing = False

        # then each email is delivered, once
        wait_for(
            lambda: _outbox_statuses(nancy, ids) == {"sent": 5}, timeout=60, message=f"the outbox to drain ({log})"
        )
        time.sleep(2)
        assert sorted(_ours(mail_server, "Refus").values()) == [1] * 5
    finally:
        process_stop(worker)
        _outbox_cleanup(nancy, ids)


def test_a_worker_killed_mid_import_leaves_nothing_half_done_and_the_import_finishes(committed, workers_env, tmp_path):
    nancy = committed["nancy"]
    workers_env = {**workers_env, "VITRINE_IMPORT_STALE_SECONDS": "3", "VITRINE_IMPORT_RESUME_SECONDS": "1"}
    rows = catalogue_rows(4000, prefix="crash", variants_every=0)
    with tenant_context(nancy):
        shop = ShopFactory()
    log = TEST_VAR / "fault-import-1.log"
    worker = worker_start(workers_env, log_path=log, beat_schedule=tmp_path / "beat-1")
    try:
        with celery_broker_used(workers_env), tenant_context(nancy):
            # given a large catalogue, checked by the worker
            upload = SimpleUploadedFile("catalogue.csv", csv_bytes(rows), content_type="text/csv")
            catalog_import = catalog_import_start(shop=shop, upload=upload, actor=shop.owner_user)
            wait_for(
                lambda: CatalogImport.objects.get(pk=catalog_import.pk).status == "validated",
                timeout=120,
                message=f"the check ({log})",
            )
            # when the merchant confirms, and the worker is killed (SIGKILL) halfway through writing
            catalog_import_confirm(catalog_import=catalog_import, actor=shop.owner_user)
            wait_for(
                lambda: CatalogImport.objects.get(pk=catalog_import.pk).processed_rows > len(rows) // 2,
                timeout=120,
                interval=0.05,
                message=f"the import to be halfway ({log})",
            )
            process_kill(worker)

            # then nothing of it is in the catalogue, and the import still shows as under way
            assert not Product.objects.filter(shop=shop).exists()
            assert CatalogImport.objects.get(pk=catalog_import.pk).status == "importing"

            # when a worker is back: the lost import is found and run again, whole
            log = TEST_VAR / "fault-import-2.log"
            worker = worker_start(workers_env, log_path=log, beat_schedule=tmp_path / "beat-2")
            wait_for(
                lambda: CatalogImport.objects.get(pk=catalog_import.pk).status == "done",
                timeout=180,
                message=f"the import to finish ({log})",
            )
            assert Product.objects.filter(shop=shop).count() == len(rows)
            assert "had lost their task: sent again" in log.read_text()
    finally:
        process_stop(worker)
        with tenant_context(nancy):
            Product.objects.filter(shop=shop).delete()
            CatalogImport.objects.filter(shop=shop).delete()
            Shop.objects.filter(pk=shop.pk).delete()
            User.objects.filter(pk=shop.owner_user.pk).delete()
        connection.set_schema_to_public()
