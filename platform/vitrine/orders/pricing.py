"""Prices of a cart and of an order: a line's unit price and total, a shop's subtotal, the cart's total.

The one place these sums are made, for the cart page and for the checkout alike: Decimal
amounts in euros with two decimals, never float.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from vitrine.catalog.models import Product, Variant

ZERO = Decimal("0.00")


def unit_price(*, product: Product, variant: Variant | None) -> Decimal:
    """Price one unit of a line: the variant's effective price (its own, else its product's), else the product's."""
    if variant is None:
        return product.price
    variant.product = product  # loaded by the caller already: effective_price reads it without a query
    return variant.effective_price


def line_total(*, unit_price: Decimal, quantity: int) -> Decimal:
    """Price a line: its unit price times its quantity."""
    return unit_price * quantity


def shop_subtotal(*, line_totals: Iterable[Decimal]) -> Decimal:
    """Add up one shop's lines (an order's total); 0.00 for none."""
    return sum(line_totals, ZERO)


def cart_total(*, subtotals: Iterable[Decimal]) -> Decimal:
    """Add up the shops' subtotals of a cart; 0.00 for none."""
    return sum(subtotals, ZERO)
