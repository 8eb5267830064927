"""Two-factor sign-in for tests: a confirmed authenticator for a person, its current code,
and a test client session that already gave its code (as after the sign-in's code step)."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from vitrine.accounts.models import User


def totp_device_give(user) -> TOTPDevice:
    """The person's confirmed authenticator (made on first call), in the current schema."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The 6 digits the person's app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def session_verify(client: Client, user) -> None:
    """Mark a signed-in test client's session as having given its code (current schema)."""
    device = totp_device_give(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def totp_code_for(schema: str, email: str) -> str:
    """The current code of the person `email` in `schema` (their authenticator is made if needed).

    For browser tests, through their `orm` helper: call it before signing in (so the
    sign-in asks for a code rather than a setup), then type what it returns.
    """
    with schema_context(schema):
        return totp_code(totp_device_give(User.objects.get(email=email)))


def browser_code_give(page, code: str) -> None:
    """On the sign-in's code page, type the code and continue."""
    page.wait_for_url("**/connexion/code/**")
    page.get_by_label("Code").fill(code)
    page.locator("main form").first.get_by_role("button").click()
