"""Phone numbers: one rule (phonenumbers, the port of Google's libphonenumber) for every form.

A number is stored as people of the territory read it: in the national format when it belongs
to the territory's country ("03 83 00 00 00"), in the international format otherwise
("+32 2 550 12 11"), so that a foreign number still works from a French phone. Either fits the
20 characters of the phone columns (Shop.phone, Order.phone).
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 20  # the phone columns' max_length
# What people type between digits; letters are refused, although phonenumbers would read them
# as a keypad's ("06 12 34 56 7A" -> ...72) or as an extension, which no tel: link can dial.
TYPED = re.compile(r"[\d\s+().\-/]+")
INVALID = _("Enter a phone number the shop can call (e.g. 06 12 34 56 78).")


def phone_normalise(value: str, *, region: str = "FR", message: str | None = None) -> str:
    """Check a phone number as typed ("06.12.34.56.78", "+33 6 12 34 56 78") and format it.

    `region` is the country a number without "+" belongs to (ISO 3166 code). Raises
    ValidationError (code "phone", `message` or a generic one) when the number cannot be
    called: letters, unparsable, or not a number in use in its country's plan.
    """
    error = ValidationError(message or INVALID, code="phone")
    value = (value or "").strip()
    if not TYPED.fullmatch(value):
        raise error
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise error from None
    if not phonenumbers.is_valid_number(number):
        raise error
    if number.country_code == phonenumbers.country_code_for_region(region):
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    else:
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if len(formatted) > MAX_LENGTH:
        # The longest numbers (15 digits) with their spaces may not fit; E.164 always does (16).
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return formatted
