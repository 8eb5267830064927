"""Writes on accounts."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _, override

from vitrine.accounts.models import User
from vitrine.notifications.services import outbox_email_queue
from vitrine.tenancy.selectors import territory_base_url

if TYPE_CHECKING:
    from vitrine.tenancy.models import Territory


def user_invite(*, user: User, territory: Territory) -> None:
    """Email a new territory account the link to choose its password (via the outbox).

    Call it in the territory's schema, inside the transaction that created the user.
    """
    path = reverse(
        "password_reset_confirm",
        urlconf=settings.ROOT_URLCONF,
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)},
    )
    with override(settings.LANGUAGE_CODE):
        subject = _("Your %(territory)s account: choose your password") % {"territory": territory.name}
        body = render_to_string(
            "accounts/email/set_password.txt",
            {"user": user, "territory": territory, "link": territory_base_url(territory) + path},
        )
    outbox_email_queue(to=[user.email], subject=subject, body=body)
