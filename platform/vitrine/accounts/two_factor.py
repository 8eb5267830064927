"""Two-factor sign-in: a code from an authenticator app (TOTP), or a single-use recovery code.

Required of everyone who can act for others: platform operators (the console) and each
territory's team. Offered to merchants and shoppers on their account page. Once a person
has it, their password alone no longer opens a session: the sign-in asks for a code.

Built on django-otp (TOTP and static devices, kept in the person's own schema, like the
account). A session is "verified" once a code was accepted in it (django-otp's
otp_login); TwoFactorMiddleware sends unverified sessions to the code page, or, for
those who must have it, to set it up first.
"""

from __future__ import annotations

import secrets
from base64 import b32encode

import segno
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from vitrine.accounts.models import User

RECOVERY_CODES = 10
PENDING_SESSION_KEY = "two_factor_pending"  # set at sign-in when a code is still to be given
TOTP_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"


def two_factor_required(user: User) -> bool:
    """Whether this person must use two-factor sign-in: operators and territory teams."""
    return bool(user.is_superuser or user.is_staff or user.is_territory_staff)


def two_factor_enabled(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def totp_setup_device(*, user: User) -> TOTPDevice:
    """The authenticator being set up: the pending one, or a new secret (none confirmed yet)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address (issuer: see totp_issuer) as an SVG QR code for an authenticator app."""
    return segno.make_qr(device.config_url, error="m").svg_inline(scale=4, title="QR code")


def totp_secret_display(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for people who type it instead of scanning."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def totp_setup_confirm(*, request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Check the first code of the app being set up; on success, return new recovery codes.

    Confirms the device, replaces any other authenticator and recovery codes, and
    marks this session verified. A wrong code changes nothing and returns None.
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_digits(token)):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_renew(user=user)
    otp_login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """Ten new single-use recovery codes (the old ones stop working); shown once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_verify(*, request: HttpRequest, user: User, token: str) -> bool:
    """Accept a code from the app or a recovery code (used up); mark the session verified."""
    token = token.strip().lower()
    # Six digits go to the app, anything else to the recovery codes: a wrong guess counts
    # against one device's throttle (django-otp's), not both.
    value, model = (_digits(token), TOTPDevice) if _digits(token) else (token, StaticDevice)
    # Locked: guesses sent at once wait their turn, so django-otp's throttle counts every one
    # and a code (or a recovery code) cannot be accepted twice.
    for device in model.objects.select_for_update().filter(user=user, confirmed=True):
        if device.verify_token(value):
            otp_login(request, device)
            request.session.pop(PENDING_SESSION_KEY, None)
            return True
    return False


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Remove the authenticator and recovery codes (refused to those who must keep them)."""
    if two_factor_required(user):
        raise PermissionError("Two-factor sign-in is required for this account.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def sign_in_continue(request: HttpRequest) -> bool:
    """After the password was accepted: whether a code must still be given in this session."""
    if two_factor_enabled(request.user):
        request.session[PENDING_SESSION_KEY] = True
        return True
    return False


def totp_issuer(device: TOTPDevice | None = None) -> str:
    """What the authenticator app shows beside the account: the territory's name, or the console's."""
    tenant = getattr(connection, "tenant", None)
    if tenant is not None and getattr(tenant, "schema_name", "public") != "public":
        return tenant.name
    return f"Console Vitrine ({settings.BASE_DOMAIN})"


def _digits(token: str) -> str:
    """The app's 6 digits, typed with or without a space in the middle; "" for anything else."""
    compact = token.replace(" ", "")
    return compact if len(compact) == 6 and compact.isdigit() else ""
