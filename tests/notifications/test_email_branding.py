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


def test_emails_show_a_png_logo_never_an_svg(nancy, limoges, tmp_path, settings, django_capture_on_commit_callbacks):
    from vitrine.backoffice.services import territory_branding_update
    from vitrine.tenancy.branding import IdentityChange
    from vitrine.testing.factories import UserFactory
    from vitrine.testing.helpers import image_upload

    settings.MEDIA_ROOT = str(tmp_path)

    # given nancy, whose folder has logo.svg for its pages and logo.png beside it for emails
    with tenant_context(nancy):
        _row, email = _queue_and_send("Bonjour")
    html = email.alternatives[0][0]
    # then the email shows the PNG, and no SVG (many mail clients do not display one)
    assert "/static/tenants/nancy/logo.png" in html and ".svg" not in html

    # given limoges, with no logo at all: the email names the territory as a wordmark, without an image
    with tenant_context(limoges):
        _row, email = _queue_and_send("Bonjour")
    html = email.alternatives[0][0]
    assert "<img" not in html and "Limoges en boutiques</span>" in html

    # when nancy's admin uploads a WebP logo, it is stored as a PNG and the emails use it
    with tenant_context(nancy), django_capture_on_commit_callbacks(execute=True):
        territory_branding_update(
            territory=nancy,
            actor=UserFactory(role="territory_admin"),
            change=IdentityChange(
                name=nancy.name, images={"logo": image_upload("logo.webp", 120, 120, image_format="WEBP")}
            ),
        )
    nancy.refresh_from_db()
    with tenant_context(nancy):
        _row, email = _queue_and_send("Bonjour")
    html = email.alternatives[0][0]
    assert 'src="http://nancy.localhost:8000/media/nancy/branding/logo.png"' in html and ".webp" not in html
