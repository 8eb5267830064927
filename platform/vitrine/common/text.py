"""Slugs: one spelling for every name that becomes part of an address or a lookup key; one-line texts."""

from __future__ import annotations

import unicodedata

from django.db.models import Model, QuerySet
from django.utils.text import slugify

# slugify keeps what NFKD can split into a letter and its accent; these ligatures have no such
# split and would vanish (Vandœuvre -> vanduvre), so they are spelled out first.
LIGATURES = (("œ", "oe"), ("Œ", "Oe"), ("æ", "ae"), ("Æ", "Ae"), ("ß", "ss"))


def slug_make(text: str, *, max_length: int, fallback: str) -> str:
    """Turn a name into a slug of at most max_length characters ("Vandœuvre" -> "vandoeuvre").

    Accents are dropped, ligatures spelled out; a name with nothing left gives `fallback`.
    """
    text = text or ""
    for letter, spelled in LIGATURES:
        text = text.replace(letter, spelled)
    # Cutting may leave a dash at the end ("tarte-aux-" from "tarte aux pommes").
    return slugify(text)[:max_length].strip("-") or fallback


def slug_unique(
    queryset_or_model: QuerySet | type[Model],
    text: str,
    *,
    fallback: str,
    max_length: int | None = None,
    exclude_pk: int | None = None,
) -> str:
    """Make a slug from text that no row of the queryset (or model) holds yet: "name", "name-2"...

    Pass a queryset to scope uniqueness (a product's slug is unique in its shop only);
    `max_length` defaults to the model's `slug` field, so the suffix never overflows it.
    """
    if isinstance(queryset_or_model, QuerySet):
        queryset = queryset_or_model
    else:
        queryset = queryset_or_model._default_manager.all()
    limit = max_length or queryset.model._meta.get_field("slug").max_length
    base = slug_make(text, max_length=limit, fallback=fallback)
    # A suffixed candidate may cut the base's end (and a dash) to stay within the limit: read
    # every slug sharing the part no suffix up to "-99999999" can cut.
    stem = base[: max(1, limit - 10)]
    taken = set(queryset.filter(slug__startswith=stem).exclude(pk=exclude_pk).values_list("slug", flat=True))
    candidate, index = base, 2
    while candidate in taken:
        suffix = f"-{index}"
        candidate, index = base[: limit - len(suffix)].rstrip("-") + suffix, index + 1
    return candidate


def line_clean(text: str) -> str:
    """A one-line text as people mean it: line breaks, tabs and runs of spaces become one space,
    other control characters go ("Claire\r\nBcc: x" -> "Claire Bcc: x").

    Names end up in email subjects and headers, where a line break starts a new header.
    """
    return "".join(char for char in " ".join((text or "").split()) if unicodedata.category(char) != "Cc")


def whole_number(text: str | None, *, digits: int = 9) -> int | None:
    """A whole number people or links typed ("12"), else None.

    Not str.isdigit(): "²" and other Unicode digits pass it, and int() then raises (a 500).
    Bounded, so a thousand-digit "id" never reaches the database.
    """
    text = (text or "").strip()
    if 0 < len(text) <= digits and text.isascii() and text.isdigit():
        return int(text)
    return None
