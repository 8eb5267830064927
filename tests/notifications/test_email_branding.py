"""Emails go out under the territory's name, with an HTML version in its colours."""

from django.core import mail
from django_tenants.utils import tenant_context

from vitrine.notifications.models import OutboxEmail
from vitrine.notifications.services import outbox_email_deliver, outbox_email_queue
from vitrine.theming.services import territory_tokens


def _queue_and_send(body: str) -> tuple[OutboxEmail, mail.EmailMessage]:
    message = outbox_email_queue(to=["claire@example.fr"], subject="Votre commande est prête", body=body)
    mail.outbox.clear()
    assert outbox_email_deliver(message_id=message.pk)
    return message, mail.outbox[0]


def test_a_territory_email_carries_its_name_colours_and_an_html_version(nancy, limoges):
    sent = {}
    for territory in (nancy, limoges):
        with tenant_context(territory):
            own = f"http://{territory.schema_name}.localhost:8000/compte/commandes/?a=1&b=2"
            _row, sent[territory.schema_name] = _queue_and_send(
                f"Bonjour Claire,\n\nVoir https://exemple.fr/suivi <b>ici</b>\nVos commandes : {own}"
            )
            colour = territory_tokens(territory)["color_primary"]
        email = sent[territory.schema_name]
        assert email.from_email.startswith(f'"{territory.name}" <') or email.from_email.startswith(
            f"{territory.name} <"
        )
        html, mimetype = email.alternatives[0]
        assert mimetype == "text/html"
        assert territory.name in html and colour in html
        # the text is escaped, its paragraphs kept, and only links to the territory's site are clickable
        assert "&lt;b&gt;ici&lt;/b&gt;" in html and "<b>" not in html and "<p>Bonjour Claire,</p>" in html
        assert 'href="https://exemple.fr' not in html and "https://exemple.fr/suivi" in html
        link = own.replace("&", "&amp;")
        assert f'<a href="{link}">{link}</a>' in html
        assert "Une question ?" in html
        assert email.body.startswith("Bonjour Claire")  # the plain version stays
    assert sent["nancy"].alternatives[0][0] != sent["limoges"].alternatives[0][0]


def test_the_email_links_follow_a_new_primary_domain(nancy, django_capture_on_commit_callbacks):
    from vitrine.tenancy.services import domain_add

    with tenant_context(nancy):
        _row, before = _queue_and_send("Bonjour")
    assert 'href="http://nancy.localhost' in before.alternatives[0][0]

    with django_capture_on_commit_callbacks(execute=True):
        domain_add(territory=nancy, domain="achetez-grand-nancy.example", make_primary=True, actor=None)
    with tenant_context(nancy):
        _row, after = _queue_and_send("Bonjour")
    assert 'href="http://achetez-grand-nancy.example' in after.alternatives[0][0]
