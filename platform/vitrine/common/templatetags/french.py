"""Template filters for French typography (vitrine.common.french): `{{ name|de }}`, `{{ moment|date_short }}`."""

from __future__ import annotations

from django import template

from vitrine.common.french import date_short as _date_short
from vitrine.common.french import de_name

register = template.Library()


@register.filter
def de(name, english: str = "of") -> str:
    """ "de Nancy", "d’Achetez Grand Nancy", "du Mans" in French; "of Nancy" (or `english`) otherwise."""
    return de_name(str(name or ""), english=english)


@register.filter(expects_localtime=True)
def date_short(value, with_year: str = "") -> str:
    """ "sam. 5 déc." in French (with "year": "sam. 5 déc. 2026"); "" for no date."""
    if not value:
        return ""
    return _date_short(value, year=bool(with_year))
