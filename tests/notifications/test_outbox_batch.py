"""A batch of emails queued at once (the checkout's): one row each, one task, branded by the worker as it sends."""

from django.core import mail
from django_tenants.utils import tenant_context

from vitrine.notifications.models import OutboxEmail
from vitrine.notifications.services import outbox_email_deliver, outbox_emails_send
from vitrine.notifications.tasks import outbox_emails_deliver
from vitrine.theming.services import territory_tokens

CONTEXT = {
    "name": "Claire",
    "code": "ABC234",
    "shop": "Bijouterie Stanislas",
    "address": "2 rue Stanislas, 54000 Nancy",
    "pickup": "samedi 5 décembre entre 14:00 et 14:30",
    "territory": "Achetez Grand Nancy",
}


def _batch() -> list[OutboxEmail]:
    return outbox_emails_send(
        emails=[
            (["claire@example.fr"], "order_ready", CONTEXT),
            (["bijoux@example.fr"], "order_ready", {**CONTEXT, "name": "Paul"}),
        ]
    )


def test_a_batch_is_queued_as_text_then_branded_once_by_the_worker_that_sends_it(
    nancy, django_capture_on_commit_callbacks
):
    with tenant_context(nancy):
        # given two emails queued together, as a checkout queues its own
        with django_capture_on_commit_callbacks() as callbacks:
            queued = _batch()
        # then two rows hold their French subject and text, not yet their HTML, and one task is sent
        rows = list(OutboxEmail.objects.filter(pk__in=[m.pk for m in queued]).order_by("pk"))
        assert [r.to for r in rows] == [["claire@example.fr"], ["bijoux@example.fr"]]
        assert all("est prête" in r.subject and r.body and not r.html and not r.branded for r in rows)
        assert len(callbacks) == 1
        # when the worker delivers them (the task, then the same task redelivered)
        mail.outbox.clear()
        outbox_emails_deliver(message_ids=[r.pk for r in rows])
        outbox_emails_deliver(message_ids=[r.pk for r in rows])
        # then each went out once, under the territory's name, with its HTML in the territory's colours
        assert sorted(m.to[0] for m in mail.outbox) == ["bijoux@example.fr", "claire@example.fr"]
        colour = territory_tokens(nancy)["color_primary"]
        for sent in mail.outbox:
            assert nancy.name in sent.from_email
            html, mimetype = sent.alternatives[0]
            assert mimetype == "text/html" and colour in html and "ABC234" in sent.body
            assert sent.body.startswith("Bonjour Claire" if sent.to == ["claire@example.fr"] else "Bonjour Paul")
        # and the rows keep what was sent
        for row in OutboxEmail.objects.filter(pk__in=[r.pk for r in rows]):
            assert row.status == OutboxEmail.Status.SENT and row.branded and colour in row.html
            assert nancy.name in row.from_email and row.attempts == 1
        assert not outbox_email_deliver(message_id=rows[0].pk)


def test_a_batch_email_the_mail_server_refused_keeps_its_html_for_the_next_attempt(nancy, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox_batch.RefusingBackend"
    with tenant_context(nancy):
        (first, _second) = _batch()
        assert not outbox_email_deliver(message_id=first.pk)
        first.refresh_from_db()
        assert first.status == OutboxEmail.Status.PENDING and first.attempts == 1 and "Refusé" in first.last_error
        assert first.branded and first.html  # made once: the retry sends the same email
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with tenant_context(nancy):
        mail.outbox.clear()
        assert outbox_email_deliver(message_id=first.pk)
        assert len(mail.outbox) == 1 and mail.outbox[0].alternatives[0][0] == first.html


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("Refusé par le serveur")
