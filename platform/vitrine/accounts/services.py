"""Writes on accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.common.text import line_clean
from vitrine.notifications.services import outbox_email_send
from vitrine.tenancy.selectors import territory_base_url

if TYPE_CHECKING:
    from vitrine.tenancy.models import Territory


def _password_link(*, user: User, territory: Territory) -> str:
    """The link to choose a password, on the territory's own address (never the request's Host)."""
    path = reverse(
        "password_reset_confirm",
        urlconf=settings.ROOT_URLCONF,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return territory_base_url(territory) + path


def user_invite(*, user: User, territory: Territory) -> None:
    """Email a new territory account the link to choose its password (via the outbox).

    Call it in the territory's schema, inside the transaction that created the user.
    """
    outbox_email_send(
        to=[user.email],
        template="account_set_password",
        context={"user": user, "territory": territory, "link": _password_link(user=user, territory=territory)},
    )


@transaction.atomic
def user_password_reset_send(*, email: str, territory: Territory) -> None:
    """Email the account of `email`, if there is an active one here, a link to choose a new password.

    The link is built from the territory's primary domain: a request with a forged Host header
    (or port) must not make the email point elsewhere. Says nothing about whether the account
    exists: the page that calls it answers the same either way. An invited person whose
    link expired gets a new one this way too.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    for user in User.objects.filter(email__iexact=email, is_active=True):
        outbox_email_send(
            to=[user.email],
            template="account_password_reset",
            context={"user": user, "territory": territory, "link": _password_link(user=user, territory=territory)},
        )


# --- Shoppers' own accounts ----------------------------------------------------------------


class AccountError(ValidationError):
    """An account change that cannot be made; the message is for the person."""


def _email_taken() -> AccountError:
    return AccountError(
        _(
            "An account already uses this email address on this marketplace: sign in, "
            "or choose a new password if you forgot it."
        ),
        code="duplicate_email",
    )


def user_sign_up(*, full_name: str, email: str, password: str) -> User:
    """Create a shopper account in the current territory (the password already validated)."""
    full_name, email = line_clean(full_name), User.objects.normalize_email(email.strip()).lower()
    if not full_name:
        raise AccountError(_("Give your name: shops use it to hand over your orders."), code="name_required")
    if User.objects.filter(email__iexact=email).exists():
        raise _email_taken()
    try:
        with transaction.atomic():
            return User.objects.create_user(email, password, full_name=full_name, role=User.Role.SHOPPER)
    except IntegrityError:  # the same address signed up a moment ago, in another request
        raise _email_taken() from None


@transaction.atomic
def user_profile_update(*, user: User, full_name: str) -> User:
    full_name = line_clean(full_name)
    if not full_name:
        raise AccountError(_("Give your name: shops use it to hand over your orders."), code="name_required")
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return user
