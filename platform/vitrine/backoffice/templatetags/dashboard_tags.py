"""How the dashboard writes its figures: euros, percentages, counts, changes."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from vitrine.common.money import NBSP, euros

register = template.Library()


@register.filter
def figure(value, unit: str = "") -> str:
    """ "1 234,50 €", "12,5 %", "1 234", or "—" when there is nothing to show."""
    if value is None or value == "":
        return "—"
    if unit == "€":
        return euros(value)
    if unit == "%":
        return f"{number_format(value, decimal_pos=1, use_l10n=True)}{NBSP}%"
    return number_format(value, force_grouping=True, use_l10n=True)


@register.filter
def change(value: Decimal | None) -> str:
    """ "+12 %", "−5 %", "=" or "—" (nothing to compare with)."""
    if value is None:
        return "—"
    if value == 0:
        return _("no change")
    sign = "+" if value > 0 else "−"
    return f"{sign}{abs(value)}{NBSP}%"


@register.filter
def trend(line) -> str:
    """A class for a figure's change: "better", "worse" or "flat" (for a no-show rate, down is better)."""
    if not line.change:
        return "flat"
    return "better" if (line.change > 0) != line.lower_is_better else "worse"
