"""Amounts of money as people read them: "1 234,50 €" in French, "€1,234.50" in English."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language

NBSP, NARROW_NBSP = "\u00a0", "\u202f"


def _grouped(amount: Decimal, *, thousands: str, decimal: str) -> str:
    whole, cents = f"{amount:.2f}".split(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{thousands.join(groups)}{decimal}{cents}"


def euros(amount: Decimal | int) -> str:
    """Format an amount in euros in the current language, with cents.

    French: narrow no-break space between thousands, comma before the cents, no-break
    space before the sign, so "€" never starts a line: Decimal("1234.5") -> "1 234,50 €".
    English: "€1,234.50".
    """
    # str() first: Decimal(0.1) of a float would carry its binary error into the cents.
    amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    if (get_language() or "fr").startswith("en"):
        return f"€{_grouped(amount, thousands=',', decimal='.')}"
    return _grouped(amount, thousands=NARROW_NBSP, decimal=",") + NBSP + "€"


def decimal_of_cents(amount_cents: int) -> Decimal:
    """Integer cents (payments' unit) as a two-place Decimal of euros: 1230 -> Decimal("12.30")."""
    return Decimal(int(amount_cents)).scaleb(-2)


def euros_of_cents(amount_cents: int) -> str:
    """Integer cents formatted in euros in the current language: 1230 -> "12,30 €"."""
    return euros(decimal_of_cents(amount_cents))
