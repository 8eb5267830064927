"""What to offer when a search finds nothing: other words, close categories, popular ones.

The words of the territory's category and shop names are kept per process (bounded), keyed
by a fingerprint of those names: a shop renamed or approved is seen at once.
"""

from __future__ import annotations

import difflib

from django.db import connection

from vitrine.catalog.models import Product
from vitrine.search.cache import TerritoryCache
from vitrine.search.sql import folded_sql
from vitrine.search.tree import TREE_VERSION, SearchCategoryTree, category_tree
from vitrine.search.types import Suggestion
from vitrine.shops.models import Shop

SUGGESTION_LIMIT = 6
POPULAR_LIMIT = 6


def pg_trgm_installed() -> bool:
    """Whether this database has pg_trgm (the machine's PostgreSQL may; the embedded one has not)."""
    cached = getattr(connection, "_vitrine_pg_trgm", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
            cached = bool(cursor.fetchone()[0])
        connection._vitrine_pg_trgm = cached
    return cached


def suggestions_for(terms: list[str], tree: SearchCategoryTree) -> list[Suggestion]:
    """Other words to try, close categories, then the most popular categories.

    Words come from the territory's category and shop names and the words of its
    products' titles that start like the shopper's ("bij" -> "bijoux"); with pg_trgm,
    a misspelt word ("bijoox") finds the closest ones by trigram similarity.
    """
    popular, shops_fingerprint = _popular_categories_and_shops_fingerprint(tree)
    suggestions: list[Suggestion] = []
    if terms:
        suggestions += _word_suggestions(terms, _names_vocabulary((tree.version, shops_fingerprint)))
        suggestions += _close_categories(terms, tree)
    seen = {(s.kind, s.value) for s in suggestions}
    for suggestion in popular:
        if len(suggestions) >= SUGGESTION_LIMIT + POPULAR_LIMIT:
            break
        if (suggestion.kind, suggestion.value) not in seen:
            suggestions.append(suggestion)
    return suggestions


# Words are split from names and titles as typed (accents kept), made distinct, and only
# then folded: folding (translate) is the costly part, and a word recurs in many names.
_SEPARATORS = "'[[:space:][:punct:]’«»]+'"
_NAMES_VOCABULARY = f"""
SELECT word FROM (
    SELECT DISTINCT {folded_sql("w")} AS word FROM (
        SELECT regexp_split_to_table(c.name, {_SEPARATORS}) AS w FROM catalog_category c
        UNION SELECT regexp_split_to_table(s.name, {_SEPARATORS}) FROM shops_shop s WHERE s.status = %(approved)s
    ) raw
) words WHERE length(word) >= 3 AND word ~ '^[a-z0-9]+$'"""
# Per word typed: the names' words, and those of a bounded sample of product titles with
# a word that starts like it (ts_stat over every title would read every product).
_WORDS_LIKE_TERM = f"""
SELECT unnest(%(names)s::text[]) AS word
UNION SELECT word FROM (
    SELECT {folded_sql("w")} AS word FROM (
        SELECT DISTINCT regexp_split_to_table(p.title, {_SEPARATORS}) AS w FROM (
            SELECT p.title FROM catalog_product p WHERE p.status = %(published)s
            AND p.search_vector @@ to_tsquery('french', left(t.term, 3) || ':*') LIMIT 200) p
    ) raw
) titles WHERE length(word) >= 3 AND word ~ '^[a-z0-9]+$'"""

# The words of the category and shop names, keyed by (tree version, shops' fingerprint).
_vocabularies: TerritoryCache[list[str]] = TerritoryCache()


def _names_vocabulary(key: tuple[str, int]) -> list[str]:
    """The words of the territory's category and approved shop names, folded (cached by content)."""
    schema = connection.schema_name
    cached = _vocabularies.get(schema, key)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(_NAMES_VOCABULARY, {"approved": Shop.Status.APPROVED})
        words = [word for (word,) in cursor.fetchall()]
    _vocabularies.put(schema, key, words)
    return words


def _word_suggestions(terms: list[str], names: list[str]) -> list[Suggestion]:
    """Replacement queries: each unknown word swapped for a known word it starts or resembles."""
    params = {"terms": terms, "names": names, "published": Product.Status.PUBLISHED}
    with connection.cursor() as cursor:
        if pg_trgm_installed():
            # pg_trgm: the words that start like the term, then the most similar ones.
            cursor.execute(
                "SELECT t.term, w.word FROM unnest(%(terms)s::text[]) AS t(term) CROSS JOIN LATERAL ("
                f"  SELECT word, public.similarity(word, t.term) AS score FROM ({_WORDS_LIKE_TERM}) words"
                "   WHERE word LIKE t.term || '%%' OR public.similarity(word, t.term) > 0.3"
                "   ORDER BY (word LIKE t.term || '%%') DESC, score DESC, word LIMIT 3) w",
                params,
            )
        else:
            cursor.execute(
                "SELECT t.term, w.word FROM unnest(%(terms)s::text[]) AS t(term) CROSS JOIN LATERAL ("
                f"  SELECT word FROM ({_WORDS_LIKE_TERM}) words LIMIT 400) w",
                params,
            )
        rows = cursor.fetchall()
    candidates: dict[str, list[str]] = {}
    for term, word in rows:
        candidates.setdefault(term, []).append(word)
    if not pg_trgm_installed():
        # Prefix first, then the closest spellings (difflib stands in for pg_trgm).
        for term, words in candidates.items():
            prefixed = sorted(w for w in words if w.startswith(term) and w != term)
            close = difflib.get_close_matches(term, [w for w in words if w not in prefixed], n=3, cutoff=0.7)
            candidates[term] = (prefixed + close)[:3]
    suggestions, seen = [], set()
    for term in terms:
        for word in candidates.get(term, []):
            if word == term:
                continue
            text = " ".join(word if t == term else t for t in terms)
            if text not in seen:
                seen.add(text)
                suggestions.append(Suggestion("query", text, text))
    return suggestions[:SUGGESTION_LIMIT]


def _close_categories(terms: list[str], tree: SearchCategoryTree) -> list[Suggestion]:
    """Categories whose folded name starts like, or looks like, one of the words."""
    found = []
    for category, words in tree.words:
        if any(w.startswith(t) or _looks_like(w, t) for w in words for t in terms):
            found.append(Suggestion("category", category.name, category.slug))
    return found[:SUGGESTION_LIMIT]


def _looks_like(word: str, term: str) -> bool:
    matcher = difflib.SequenceMatcher(None, word, term)
    # The quick ratios are upper bounds of ratio(), and much cheaper: most words stop there.
    return matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75 and matcher.ratio() >= 0.75


def popular_categories() -> list[Suggestion]:
    """Top-level categories with the most approved shops (a small table: cheap on every visit)."""
    return _popular_categories_and_shops_fingerprint(None)[0]


def _popular_categories_and_shops_fingerprint(tree: SearchCategoryTree | None) -> tuple[list[Suggestion], int]:
    """The popular categories, and a fingerprint of the approved shops' names (vocabulary's key)."""
    with connection.cursor() as cursor:
        # The tree's version comes with the counts: one query when the tree is cached.
        cursor.execute(
            "SELECT 'c', category_id, count(*), sum(hashtext(name)), NULL FROM shops_shop"
            " WHERE status = %s GROUP BY category_id"
            f" UNION ALL SELECT 'v', NULL, NULL, NULL, {TREE_VERSION}",
            [Shop.Status.APPROVED],
        )
        rows = cursor.fetchall()
    if tree is None:
        tree = category_tree(next(version for kind, *_counts, version in rows if kind == "v"))
    totals: dict[int, int] = {}
    fingerprint = 0
    for kind, category_id, count, names, _version in rows:
        if kind == "c":
            fingerprint += names + 7919 * count
            if category_id in tree.by_id:
                top = tree.top(category_id)
                totals[top.pk] = totals.get(top.pk, 0) + count
    best = sorted(totals.items(), key=lambda item: (-item[1], tree.by_id[item[0]].position, tree.by_id[item[0]].name))
    popular = [Suggestion("category", tree.by_id[pk].name, tree.by_id[pk].slug) for pk, _count in best[:POPULAR_LIMIT]]
    return popular, fingerprint
