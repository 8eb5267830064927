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


# What a query may hold that says who someone is, dropped before a search is counted: numbers
# (phone numbers, written "0612345678", "06 12 34 56 78" or "+33 6 12..."; postcodes, years,
# order or card numbers), email addresses and web addresses. Sizes ("38 40") stay.
_NUMBER = re.compile(r"\+?\d+(?:[ .\-/]\d+)*")
_EMAIL_OR_ADDRESS = re.compile(r"@|://|^www\.|[a-z0-9]\.[a-z]{2,}", re.IGNORECASE)
COUNTED_WORDS = 6
COUNTED_LENGTH = 60  # metrics.counting.SEARCH_KEY_LENGTH


def _private_number(match: re.Match[str]) -> str:
    number = match.group()
    groups = re.findall(r"\d+", number)
    private = number.startswith("+") or any(len(g) >= 4 for g in groups) or len(groups) >= 4
    return " " if private else number


def counted_search_key(query: str) -> str:
    """A query's words as counted: folded, without numbers, emails or web addresses, at most 6 words, 60 letters.

    Names cannot be told from words; the team's dashboard shows only searches typed by several
    people (backoffice.dashboard), and searches are deleted after 13 months (metrics.services).
    """
    text = _NUMBER.sub(_private_number, query[:MAX_QUERY_LENGTH])
    kept = " ".join(token for token in text.split() if not _EMAIL_OR_ADDRESS.search(token))
    key = ""
    for word in query_terms(kept)[:COUNTED_WORDS]:
        if len(key) + len(word) + 1 > COUNTED_LENGTH + 1:
            break
        key = f"{key} {word}" if key else word
    return key


def query_terms(query: str) -> list[str]:
    """The words of a shopper's query, folded; punctuation and operators dropped."""
    return _WORD.findall(text_fold(query[:MAX_QUERY_LENGTH]))[:MAX_TERMS]


# PostgreSQL's French stop words (tsearch_data/french.stop) that a folded word can be: the
# search drops them before asking anything (to_tsquery('french', ...) would drop them too, but
# a prefix asked of the 'simple' configuration would not). tests/search check the server's list.
FRENCH_STOP_WORDS = frozenset(
    """au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me mes moi mon ne nos
    notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous
    c d j l m n s t y suis es est sommes sont serai seras sera serons serez seront serais serait serions
    seriez seraient fus fut furent sois soit soyons soyez soient fusse fusses fussions fussiez fussent
    ayant ayante ayantes ayants eu eue eues eus ai as avons avez ont aurai auras aura aurons aurez auront
    aurais aurait aurions auriez auraient avais avait avions aviez avaient eut eurent aie aies ait ayons
    ayez aient eusse eusses eussions eussiez eussent""".split()
)
PREFIX_MIN_LENGTH = 3


def search_words(query: str) -> list[str]:
    """The words of a query that ask for something: query_terms without the stop words."""
    return [term for term in query_terms(query) if term not in FRENCH_STOP_WORDS]


def stem_tsquery(term: str, *, weight: str = "", expansions: tuple[tuple[str, ...], ...] = ()) -> str:
    """One word's to_tsquery('french', ...) text: the word, stemmed, or one of its synonyms' phrases.

    Snowball's French stemmer keeps "bijoux", "choux", "genoux" as they are: the singular is
    asked for too. A synonym (territory staff's, vitrine.search.synonyms) is a phrase whose
    words must all be there: "cadeau" may also find "idées" and "cadeaux" together. Terms are
    plain [a-z0-9] words, so nothing the shopper types can inject query syntax.
    """
    suffix = f":{weight}" if weight else ""
    alternatives = [f"{term}{suffix}"]
    if term.endswith("oux"):
        alternatives.append(f"{term[:-1]}{suffix}")
    for phrase in expansions:
        alternatives.append("(" + " & ".join(f"{word}{suffix}" for word in phrase) + ")")
    return "(" + " | ".join(alternatives) + ")"


def prefix_tsquery(term: str, *, weight: str = "") -> str | None:
    """The word as a beginning, for to_tsquery('simple', ...): the word as typed, never its stem.

    "deco" finds "décoration" (stem "decor"), "bij" finds "bijoux". The prefix is the word
    itself, not its stem: 'french' would ask for "creme" as the prefix "crem", which begins
    "crémaillère" and "crémant". None below PREFIX_MIN_LENGTH letters: "a" begins too much.
    """
    if len(term) < PREFIX_MIN_LENGTH:
        return None
    return f"{term}:*{weight}"


def _letter_classes() -> dict[str, str]:
    classes: dict[str, set[str]] = {}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        classes[letter] = {letter, letter.upper()}
    for accented, plain in zip(ACCENTED, UNACCENTED, strict=True):
        classes[plain.lower()].add(accented)
    return {letter: "[" + "".join(sorted(chars)) + "]" for letter, chars in classes.items()}


_LETTER_CLASSES = _letter_classes()
# "oe" may be written "œ" ("oeuf", "Œuf"), or be two letters ("Noël").
_LIGATURE_CLASSES = {
    "oe": f"(?:{_LETTER_CLASSES['o']}{_LETTER_CLASSES['e']}|[œŒ])",
    "ae": f"(?:{_LETTER_CLASSES['a']}{_LETTER_CLASSES['e']}|[æÆ])",
}


def typed_regex(term: str) -> str:
    """A PostgreSQL regex finding the word as typed, a whole word, in text as written (accents, capitals).

    Ranking asks it of every match's title: cheaper than folding each title and parsing it
    into words. "creme" finds "Crème" but not "Crémant" (a whole word) nor "crèmes".
    """
    parts, i = [], 0
    while i < len(term):
        if term[i : i + 2] in _LIGATURE_CLASSES:
            parts.append(_LIGATURE_CLASSES[term[i : i + 2]])
            i += 2
            continue
        parts.append(_LETTER_CLASSES.get(term[i], term[i]))
        i += 1
    return r"\m" + "".join(parts) + r"\M"
