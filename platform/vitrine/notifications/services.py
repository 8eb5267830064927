"""Queue and deliver outbox emails."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import connection, transaction
from django.template import Context
from django.template.defaultfilters import linebreaks_filter
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from vitrine.common.tasks import task_send_on_commit
from vitrine.common.text import line_clean
from vitrine.notifications.models import OutboxEmail
from vitrine.tenancy.selectors import territory_base_url_cached
from vitrine.theming.services import territory_email_logo_url, territory_tokens

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def _body_html(body: str, site_url: str) -> str:
    """The text as HTML paragraphs, escaped; only links to the territory's own site become clickable.

    Emails carry text people typed (a customer's name, a refusal reason): linking any
    address in them would let anyone put a clickable link in a branded email.
    """
    html = linebreaks_filter(body, autoescape=True)
    if not site_url:
        return html
    own: re.Pattern[str] = re.compile(re.escape(str(escape(site_url))) + r"(?:/[^\s<>\"]*)?")

    def link(match: re.Match[str]) -> str:
        return f'<a href="{match.group(0)}">{match.group(0)}</a>'

    return mark_safe(own.sub(link, str(html)))  # noqa: S308 (escaped above)


def _branding(*, subject: str, body: str) -> dict[str, str]:
    """The sender name and HTML version of an email sent on behalf of the current territory."""
    territory = connection.tenant  # type: ignore[attr-defined]  # the outbox lives in territory schemas only
    tokens = territory_tokens(territory)
    site_url = territory_base_url_cached(territory)
    logo = territory_email_logo_url(territory)  # PNG or JPEG: many mail clients show no SVG; else a wordmark
    if logo and not logo.startswith(("http://", "https://")):
        logo = site_url + logo if site_url else None
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    sender = line_clean(territory.name)  # a header: one line, whatever the team typed
    with translation.override(settings.LANGUAGE_CODE):  # emails go out in the territory's language
        html = render_to_string(
            "notifications/email.html",
            {
                "territory": territory,
                "subject": subject,
                "body": _body_html(body, site_url),
                "site_url": site_url,
                "logo_url": logo,
                "header": tokens.get("color_primary", "#1f3a5f"),
                "on_header": tokens.get("color_on_primary", "#ffffff"),
            },
        )
    return {"from_email": formataddr((sender, address)), "html": html}


def outbox_email_queue(*, to: list[str], subject: str, body: str) -> OutboxEmail:
    """Record an email in the caller's transaction; a task sends it after commit.

    Emails of a territory go out under its name, with an HTML version in its
    colours and logo. If the broker is down at commit time the row stays
    pending and the periodic flush sends it later: nothing is lost.
    """
    # Headers never carry a line break (it would start a header of the sender's choosing); the
    # subject is cut to its column.
    subject = line_clean(subject)[: OutboxEmail._meta.get_field("subject").max_length]
    to = [line_clean(address) for address in to]
    message = OutboxEmail.objects.create(to=to, subject=subject, body=body, **_branding(subject=subject, body=body))
    # tasks.py imports this module (its tasks call these services): the task is looked up when sent.
    from vitrine.notifications.tasks import outbox_email_deliver

    task_send_on_commit(outbox_email_deliver, message_id=message.pk)
    return message


def email_render(template: str, context: dict) -> tuple[str, str]:
    """Render the email `template`'s subject and body, in the territory's language, as plain text.

    Each email is one folder under notifications/templates/notifications/emails/<template>/ holding
    subject.txt and body.txt: the wording lives in templates (translated with blocktranslate),
    never in Python branches. Text is not HTML-escaped here (a name with an apostrophe stays
    readable); the HTML version escapes it when the email is branded.
    """
    with translation.override(settings.LANGUAGE_CODE):  # emails go out in the territory's language
        rendered = [
            # The backend's template wraps the engine's, whose render takes a Context (autoescape off).
            get_template(f"notifications/emails/{template}/{part}.txt").template.render(  # type: ignore[attr-defined]
                Context(context, autoescape=False)
            )
            for part in ("subject", "body")
        ]
    subject = " ".join(rendered[0].split())
    body = rendered[1].strip("\n") + "\n"
    return subject, body


def outbox_email_send(*, to: list[str], template: str, context: dict) -> OutboxEmail:
    """Queue the email `template` rendered with `context` (see email_render) to `to`, after commit."""
    subject, body = email_render(template, context)
    return outbox_email_queue(to=to, subject=subject, body=body)


def outbox_emails_send(*, emails: list[tuple[list[str], str, dict]]) -> list[OutboxEmail]:
    """Queue several emails `(to, template, context)` at once: one INSERT and one task after commit.

    What outbox_email_send does for each, in a fixed number of statements whatever their number
    (the checkout's emails: two per shop ordered from), but their subject and text only: the
    worker brands each (sender name, HTML version) when it delivers it. The task delivers them
    one by one, each exactly once like any outbox row.
    """
    if not emails:
        return []
    messages = []
    for to, template, context in emails:
        subject, body = email_render(template, context)
        subject = line_clean(subject)[: OutboxEmail._meta.get_field("subject").max_length]
        to = [line_clean(address) for address in to]
        # The HTML version (the territory's frame around the text) is made by the worker when it
        # delivers the email (outbox_email_deliver): the caller's transaction only renders the text.
        messages.append(OutboxEmail(to=to, subject=subject, body=body, branded=False))
    OutboxEmail.objects.bulk_create(messages)
    # tasks.py imports this module (its tasks call these services): the task is looked up when sent.
    from vitrine.notifications.tasks import outbox_emails_deliver

    task_send_on_commit(outbox_emails_deliver, message_ids=[message.pk for message in messages])
    return messages


def _message_id(message: OutboxEmail) -> str:
    """One Message-ID per outbox row, the same on every attempt.

    A worker killed after the mail server accepted an email but before the row
    was marked sent sends it again on the next attempt; with the same
    Message-ID, mail servers and clients recognise the copy as the same email.
    """
    domain = parseaddr(message.from_email or settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "vitrine.localhost"
    return f"<outbox.{connection.schema_name}.{message.pk}@{domain}>"  # type: ignore[attr-defined]


def outbox_email_deliver(*, message_id: int) -> bool:
    """Send one pending email exactly once; return whether it was sent now.

    The row is locked (SKIP LOCKED) while sending, so two workers never send
    the same email, and marked sent in the same transaction.
    """
    with transaction.atomic():
        message = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxEmail.Status.PENDING)
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        fields = ["attempts"]
        try:
            if not message.branded:  # queued by outbox_emails_send: its HTML is made here, once
                branding = _branding(subject=message.subject, body=message.body)
                message.from_email, message.html, message.branded = branding["from_email"], branding["html"], True
                fields += ["from_email", "html", "branded"]
            email = EmailMultiAlternatives(
                message.subject,
                message.body,
                message.from_email or None,
                message.to,
                headers={"Message-ID": _message_id(message)},
            )
            if message.html:
                email.attach_alternative(message.html, "text/html")
            email.send()
        except BadHeaderError as exc:  # the message itself is wrong: no later attempt can send it
            message.last_error = f"Refused before sending (a header holds a line break): {exc}"[:2000]
            message.status = OutboxEmail.Status.FAILED
            message.save(update_fields=[*fields, "last_error", "status"])
            logger.error("Outbox email %s failed for good: %s", message.pk, exc)
            return False
        except Exception as exc:  # the mail server refused or is down: back off
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxEmail.Status.FAILED
            backoff = settings.VITRINE_OUTBOX_RETRY_SECONDS * 2**message.attempts
            message.next_attempt_at = timezone.now() + timedelta(seconds=backoff)
            message.save(update_fields=[*fields, "last_error", "status", "next_attempt_at"])
            logger.warning("Outbox email %s not sent (attempt %s): %s", message.pk, message.attempts, exc)
            return False
        message.status = OutboxEmail.Status.SENT
        message.sent_at = timezone.now()
        message.save(update_fields=[*fields, "status", "sent_at"])
        return True


def outbox_due_ids(*, limit: int = 500) -> list[int]:
    """Pending emails whose next attempt is due, oldest first."""
    return list(
        OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
