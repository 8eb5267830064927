"""Cents: an order's euros once converted, the platform's commission on it. Integers only, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def cents(amount: Decimal) -> int:
    """Euros (Decimal, two places) to integer cents: Decimal("12.30") -> 1230."""
    return int((Decimal(amount) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def commission_cents(*, amount_cents: int, basis_points: int, fixed_cents: int) -> int:
    """The platform's commission on an order of `amount_cents`: a share (basis points, half up) plus a fixed
    amount, never more than the order itself."""
    share = (amount_cents * basis_points * 2 + 10_000) // 20_000  # round half up, in integers
    return min(amount_cents, share + fixed_cents)
