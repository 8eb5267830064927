"""What shoppers type, folded the way the catalogue's search column is (catalog.models.folded)."""

from __future__ import annotations

import re

from vitrine.catalog.models import ACCENTED, LIGATURES, UNACCENTED

_FOLD = str.maketrans(ACCENTED, UNACCENTED)
_WORD = re.compile(r"[a-z0-9]+")
MAX_TERMS = 8
MAX_QUERY_LENGTH = 200


def text_fold(text: str) -> str:
    """Lowercase `text` without accents or ligatures (the same folding as the database's)."""
    for ligature, letters in LIGATURES:
        text = text.replace(ligature, letters)
    return text.translate(_FOLD).lower()


def query_terms(query: str) -> list[str]:
    """The words of a shopper's query, folded; punctuation and operators dropped."""
    return _WORD.findall(text_fold(query[:MAX_QUERY_LENGTH]))[:MAX_TERMS]


def tsquery_text(terms: list[str], *, joiner: str = " & ", weight: str = "", prefix: bool = True) -> str:
    """A to_tsquery() text: each word matches itself (stemmed) or, from 3 letters, as a prefix.

    "deco" finds "décoration" (stem "decor") through the prefix. `weight` ("A") restricts
    every word to that weight (the title); `prefix=False` asks for the words themselves only,
    so "vin" can rank wine above "vinaigre". Terms are plain [a-z0-9] words, so nothing the
    shopper types can inject query syntax.
    """
    return joiner.join(term_tsquery(term, weight=weight, prefix=prefix) for term in terms)


def term_tsquery(term: str, *, weight: str = "", prefix: bool = True) -> str:
    """One word's to_tsquery() text (see tsquery_text)."""
    alternatives = [f"{term}:{weight}" if weight else term]
    if term.endswith("oux"):
        # Snowball's French stemmer keeps "bijoux", "choux", "genoux" as they are:
        # the singular must be asked for too ("bijou" finds "bijoux" by its prefix).
        alternatives.append(f"{term[:-1]}:{weight}" if weight else term[:-1])
    if prefix and len(term) >= 3:
        alternatives.append(f"{term}:*{weight}")
    return "(" + " | ".join(alternatives) + ")"
