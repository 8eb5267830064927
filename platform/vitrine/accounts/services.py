"""Writes on accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.common.text import line_clean
from vitrine.notifications.services import outbox_email_send
from vitrine.tenancy.selectors import territory_page_url

if TYPE_CHECKING:
    from vitrine.tenancy.models import Territory


def _password_link(*, user: User, territory: Territory) -> str:
    """The link to choose a password, on the territory's own address (never the request's Host)."""
    return territory_page_url(
        territory, "password_reset_confirm", uidb64=_uid(user), token=default_token_generator.make_token(user)
    )


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


def _uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


@transaction.atomic
def account_request(
    *, full_name: str, email: str, password: str, role: str, territory: Territory, next_url: str = ""
) -> User | None:
    """Ask for an account of `role` here (the password already validated); the new account, or None.

    The caller answers the same whatever happens (the page must not tell whether an account uses
    the address). A new address gets an inactive account and a link that confirms the address and
    opens it (sign_up_confirm); an address asked before and never confirmed gets its link again,
    with what was typed this time; the owner of an existing account is told that someone tried,
    with the ways in, and None is returned.
    """
    full_name, email = line_clean(full_name), User.objects.normalize_email(email.strip()).lower()
    if not full_name:
        raise AccountError(_("Give your name: shops use it to hand over your orders."), code="name_required")
    existing = User.objects.select_for_update().filter(email__iexact=email).first()
    if existing is not None and (existing.is_active or existing.last_login is not None):
        # Hash anyway: every answer then takes as long, and the time tells nothing either.
        make_password(password)
        outbox_email_send(
            to=[existing.email],
            template="account_sign_up_exists",
            context={
                "territory": territory,
                "sign_in": territory_page_url(territory, "login"),
                "reset": territory_page_url(territory, "password_reset"),
            },
        )
        return None
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email, password, full_name=full_name, role=role, is_active=False)
        except IntegrityError:  # the same address asked a moment ago, in another request: that one mails
            return None
    else:
        user = existing
        user.full_name = full_name
        user.set_password(password)
        user.save(update_fields=["full_name", "password"])
    link = territory_page_url(
        territory, "sign_up_confirm", uidb64=_uid(user), token=default_token_generator.make_token(user)
    )
    if next_url:
        link += "?" + urlencode({"next": next_url})
    outbox_email_send(to=[user.email], template="account_confirm", context={"territory": territory, "link": link})
    return user


def user_sign_up(*, full_name: str, email: str, password: str, territory: Territory, next_url: str = "") -> None:
    """Ask for a shopper account in the current territory (see account_request: the same answer always)."""
    account_request(
        full_name=full_name,
        email=email,
        password=password,
        role=User.Role.SHOPPER,
        territory=territory,
        next_url=next_url,
    )


@transaction.atomic
def user_sign_up_pending(*, uidb64: str, token: str) -> User | None:
    """The account a confirmation link names, still to be opened; None when the link is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=False, last_login__isnull=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def user_sign_up_confirm(*, uidb64: str, token: str, password: str) -> User | None:
    """Open the account a confirmation link names, for the person who types its password; else None.

    The link proves the address, the password proves this is the request its owner made: a
    stranger who signed up with the same address (and their own password) cannot have the
    owner open an account whose password the stranger knows.
    """
    user = user_sign_up_pending(uidb64=uidb64, token=token)
    if user is None:
        return None
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(password):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_profile_update(*, user: User, full_name: str) -> User:
    full_name = line_clean(full_name)
    if not full_name:
        raise AccountError(_("Give your name: shops use it to hand over your orders."), code="name_required")
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return user
