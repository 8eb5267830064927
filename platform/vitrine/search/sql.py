"""The SQL of one search: the statement that answers a page, its words and filters.

Statuses (published products, approved shops, "on request") are parameters taken from the
models' choices. Django binds parameters on the client (psycopg's ClientCursor, the default
without the `server_side_binding` option), so the server still plans `status = 'published'`
and can use the partial index product_newest (tests/search check the plan); with server-side
binding, a generic plan of a prepared statement could not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vitrine.catalog.models import ACCENTED, LIGATURES, UNACCENTED, Product
from vitrine.catalog.selectors import shop_ready_sql
from vitrine.search.synonyms import SYNONYMS_VERSION, Expansions
from vitrine.search.text import prefix_tsquery, stem_tsquery, typed_regex
from vitrine.search.tree import TREE_VERSION
from vitrine.search.types import SearchFilters
from vitrine.shops.models import Shop

# Score of one word by where it is found (see vitrine.search.selectors' docstring): in the
# title as typed ("creme" in "Crème brûlée"), in the title by its stem only ("Crémant": the
# French stemmer makes both "crem"), as a word beginning, in a name, in the description.
SCORE_TITLE_TYPED, SCORE_TITLE_WORD, SCORE_TITLE_BEGINNING, SCORE_NAME, SCORE_DESCRIPTION = 8, 7, 6, 3, 1
# Shops whose name or trade (category) holds the words, shown above the products.
SHOP_HITS_LIMIT = 6


def folded_sql(column: str) -> str:
    """The SQL of catalog.models.folded() over a column (same letters, same order)."""
    sql = column
    for ligature, letters in LIGATURES:
        sql = f"replace({sql}, '{ligature}', '{letters}')"
    return f"lower(translate({sql}, '{ACCENTED}', '{UNACCENTED}'))"


# These must stay exactly the expressions of the indexes of search migration 0002, or the
# planner cannot use them (tests/search check the plans).
CATEGORY_NAME_VECTOR = f"to_tsvector('french', {folded_sql('c.name')})"
SHOP_NAME_VECTOR = f"to_tsvector('french', {folded_sql('s.name')})"
# Catalog migration 0006: the title's words alone (weight A of the stored vector).
TITLE_VECTOR = "ts_filter(p.search_vector, '{a}')"
# Matches with a photo first: which have one is asked once for them all (a hashed subplan over
# one index scan); an EXISTS per match costs an index probe each.
PHOTO_FIRST = (
    "p.id IN (SELECT ph.product_id FROM catalog_productphoto ph WHERE ph.product_id = ANY(ARRAY(SELECT id FROM m)))"
    " DESC"
)


class SearchStatement:
    """The SQL of one search: its words and filters as CTEs and conditions, with named parameters.

    Every scan of catalog_product is of that table alone, its conditions on shops and names
    as arrays computed once (InitPlans): a join could lead the planner to hash the products
    side, reading every match where only the first COUNT_LIMIT + 1, or one page, are wanted.
    """

    def __init__(self, *, terms: list[str], filters: SearchFilters, synonyms: Mapping[str, Expansions] | None = None):
        """`terms`: the shopper's words without stop words (text.search_words); `synonyms`: staff's, by word."""
        self.terms, self.filters = terms, filters
        self.synonyms = synonyms or {}
        self.params: dict[str, Any] = {}
        self._score_queries: dict[str, str] = {}

    def param(self, name: str, value: object) -> str:
        self.params[name] = value
        return f"%({name})s"

    def approved(self) -> str:
        return self.param("approved", Shop.Status.APPROVED)

    def tsquery(self, name: str, text: str) -> str:
        return f"to_tsquery('french', {self.param(name, text)})"

    def _word(self, i: int, *, weight: str = "") -> str:
        """Word i as a tsquery: its stem or its synonyms ('french'), or the word as typed as a beginning ('simple')."""
        term = self.terms[i]
        name = f"word{i}{weight.lower()}"
        stem = self.tsquery(name, stem_tsquery(term, weight=weight, expansions=self.synonyms.get(term, ())))
        prefix = prefix_tsquery(term, weight=weight)
        if prefix is None:
            return stem
        return f"({stem} || to_tsquery('simple', {self.param(name + '_prefix', prefix)}))"

    def _words(self, operator: str) -> str:
        """Every word (operator "&&") or any word ("||") as one tsquery."""
        return "(" + f" {operator} ".join(self._word(i) for i in range(len(self.terms))) + ")"

    def _title_stem(self, i: int) -> str:
        """Word i in the title by its stem or a synonym, never as a mere beginning."""
        term = self.terms[i]
        text = stem_tsquery(term, weight="A", expansions=self.synonyms.get(term, ()))
        return self.tsquery(f"title_stem{i}", text)

    def _title_typed(self, i: int) -> str:
        """Whether the title holds word i as typed (accents and capitals aside): a regex, no folding."""
        return f"p.title ~ {self.param(f'typed{i}', typed_regex(self.terms[i]))}"

    def _scored(self, name: str, tsquery: str) -> str:
        """A tsquery the score reads for every match: computed once, in the one row of `tq`."""
        self._score_queries[name] = tsquery
        return f"tq.{name}"

    def ctes(self) -> str:
        """Categories (with those under them) and shops whose names hold a word (and which words: a bit each)."""
        ctes = []
        if self.filters.category_slug:
            slug = self.param("category", self.filters.category_slug)
            ctes.append(
                "cat AS (WITH RECURSIVE tree(id) AS (SELECT id FROM catalog_category WHERE slug = "
                + slug
                + " UNION ALL SELECT c.id FROM catalog_category c JOIN tree ON c.parent_id = tree.id) SELECT id FROM tree)"
            )
        if self.terms:
            any_word = self._words("||")
            ctes += [
                # A category's words hold for the categories under it: "bijoux" finds rings ("Bagues").
                f"mc AS MATERIALIZED (WITH RECURSIVE named(id, mask) AS (SELECT c.id, {self._mask(CATEGORY_NAME_VECTOR)}"
                f" FROM catalog_category c WHERE {CATEGORY_NAME_VECTOR} @@ {any_word}"
                " UNION ALL SELECT c.id, named.mask FROM catalog_category c JOIN named ON c.parent_id = named.id)"
                " SELECT id, bit_or(mask) AS mask FROM named GROUP BY id)",
                f"ms AS MATERIALIZED (SELECT s.id, {self._mask(SHOP_NAME_VECTOR)} AS mask FROM shops_shop s"
                f" WHERE s.status = {self.approved()} AND {SHOP_NAME_VECTOR} @@ {any_word})",
            ]
        return ", ".join(ctes)

    def _mask(self, vector: str) -> str:
        if len(self.terms) == 1:
            return "1"
        return " | ".join(
            f"(CASE WHEN {vector} @@ {self._word(i)} THEN {1 << i} ELSE 0 END)" for i in range(len(self.terms))
        )

    def _in_names(self, i: int | None = None) -> str:
        """Whether the product's category or shop name holds word i (any word when None)."""
        which = "" if i is None or len(self.terms) == 1 else f" WHERE mask & {1 << i} <> 0"
        return (
            f"(p.category_id = ANY(ARRAY(SELECT id FROM mc{which}))"
            f" OR p.shop_id = ANY(ARRAY(SELECT id FROM ms{which})))"
        )

    def where(self) -> str:
        """Published products of approved shops with every word somewhere, within the filters.

        A word may be found in the shop's name (a cheese from "Fromagerie Dupont" for "comte
        fromagerie"), but not every word: a search for a shop's name finds the shop (shop_hits),
        not every product it sells, which would push every other answer down.
        """
        # The few shops not approved, rather than the many approved: a short array to check.
        where = [
            f"p.status = {self.param('published', Product.Status.PUBLISHED)}",
            f"NOT p.shop_id = ANY(ARRAY(SELECT id FROM shops_shop WHERE status <> {self.approved()}))",
        ]
        if self.terms:
            # Candidates by index (GIN on the product's words, or the category's or shop's id:
            # a BitmapOr); with several words, each is then checked in any field.
            own = f"(p.search_vector @@ {self._words('||')} OR p.category_id = ANY(ARRAY(SELECT id FROM mc)))"
            if len(self.terms) == 1:
                where.append(own)
            else:
                where.append(f"(p.search_vector @@ {self._words('&&')} OR {self._in_names()})")
                where.append(own)
                for i in range(len(self.terms)):
                    where.append(f"(p.search_vector @@ {self._word(i)} OR {self._in_names(i)})")
        filters = self.filters
        if filters.category_slug:
            where.append("p.category_id = ANY(ARRAY(SELECT id FROM cat))")
        if filters.commune_slug:
            commune = self.param("commune", filters.commune_slug)
            where.append(
                "p.shop_id = ANY(ARRAY(SELECT id FROM shops_shop WHERE commune_id ="
                f" (SELECT id FROM shops_commune WHERE slug = {commune})))"
            )
        if filters.shop_slug:
            where.append(
                f"p.shop_id = (SELECT id FROM shops_shop WHERE slug = {self.param('shop', filters.shop_slug)})"
            )
        if filters.price_min is not None:
            where.append(f"p.price >= {self.param('price_min', filters.price_min)}")
        if filters.price_max is not None:
            where.append(f"p.price <= {self.param('price_max', filters.price_max)}")
        if filters.in_stock:
            # On request counts as available; with variants, any variant in stock. OFFSET 0
            # keeps the EXISTS a lookup by product (an index probe, for the few products out
            # of stock themselves): without it, PostgreSQL may hash every variant in stock first.
            on_request = self.param("on_request", Product.Availability.ON_REQUEST)
            where.append(
                f"(p.availability = {on_request} OR p.stock > 0 OR EXISTS"
                " (SELECT 1 FROM catalog_variant v WHERE v.product_id = p.id AND v.stock > 0 OFFSET 0))"
            )
        return " AND ".join(where)

    def score(self) -> str:
        """Per word: 8 in the title as typed, 7 by its stem, 6 as a word beginning, 3 in a name, 1 in the description.

        Reads its tsqueries from `tq` (score_ctes): PostgreSQL would otherwise parse each
        to_tsquery() again for every match. The word as typed is looked for (text.typed_regex)
        only in a title that holds the word's stem.
        """
        if not self.terms:
            return "0"
        parts = []
        for i in range(len(self.terms)):
            stem = self._scored(f"stem{i}", self._title_stem(i))
            beginning = self._scored(f"beginning{i}", self._word(i, weight="A"))
            anywhere = self._scored(f"anywhere{i}", self._word(i))
            parts.append(
                f"CASE WHEN p.search_vector @@ {stem} THEN"
                f" CASE WHEN {self._title_typed(i)} THEN {SCORE_TITLE_TYPED} ELSE {SCORE_TITLE_WORD} END"
                f" WHEN p.search_vector @@ {beginning} THEN {SCORE_TITLE_BEGINNING}"
                f" WHEN {self._in_names(i)} THEN {SCORE_NAME}"
                f" WHEN p.search_vector @@ {anywhere} THEN {SCORE_DESCRIPTION} ELSE 0 END"
            )
        return " + ".join(parts)

    def score_ctes(self) -> list[str]:
        """The one row of tsqueries score() read (call it after score())."""
        if not self._score_queries:
            return []
        columns = ", ".join(f"{sql} AS {name}" for name, sql in self._score_queries.items())
        return [f"tq AS MATERIALIZED (SELECT {columns})"]

    def shop_hits(self) -> str:
        """Approved shops with every word in their name or trade (their category's name), within the filters.

        Ready shops first (catalog.selectors.SHOP_READINESS_CHECKS), then those whose name holds
        a word, then by name; "coming soon" ones last. Rows: ('s', id, slug, name, trade, commune, ready).
        """
        full = (1 << len(self.terms)) - 1
        ready = shop_ready_sql(shop="s", published=self.param("published", Product.Status.PUBLISHED))
        where = [
            f"s.status = {self.approved()}",
            "(s.id = ANY(ARRAY(SELECT id FROM ms)) OR s.category_id = ANY(ARRAY(SELECT id FROM mc)))",
            "(coalesce((SELECT mask FROM ms WHERE ms.id = s.id), 0)"
            f" | coalesce((SELECT mask FROM mc WHERE mc.id = s.category_id), 0)) = {full}",
        ]
        filters = self.filters
        if filters.category_slug:
            where.append("s.category_id = ANY(ARRAY(SELECT id FROM cat))")
        if filters.commune_slug:
            where.append(f"cm.slug = {self.param('commune', filters.commune_slug)}")
        if filters.shop_slug:
            where.append(f"s.slug = {self.param('shop', filters.shop_slug)}")
        return (
            f"SELECT 's', s.id, s.slug, s.name, c.name, cm.name, ({ready})::int AS ready FROM shops_shop s"
            " JOIN catalog_category c ON c.id = s.category_id JOIN shops_commune cm ON cm.id = s.commune_id"
            f" WHERE {' AND '.join(where)}"
            f" ORDER BY ready DESC, s.id = ANY(ARRAY(SELECT id FROM ms)) DESC, s.name, s.id LIMIT {SHOP_HITS_LIMIT}"
        )

    def with_(self, *extra: str) -> str:
        ctes = [c for c in (self.ctes(), *extra) if c]
        return ("WITH " + ", ".join(ctes) + " ") if ctes else ""

    # --- the statements --------------------------------------------------------------

    def search_page(self, *, limit: int, page: int, per_page: int) -> str:
        """The whole answer in one statement, whatever the number of matches.

        Rows: ('n', matches up to limit + 1), ('v', tree version, synonyms' version), ('f', ...)
        per facet value, ('s', ...) per shop found (shop_hits), then the page: ('p', id) in
        score order when at most `limit` products match (the last page if `page` is past it);
        otherwise ('t', id, score) then ('r', id), the page's share of the products with every
        word in their title, by score then newest, followed by the others, newest first. A branch whose case does not hold is never
        executed (its condition is a one-time filter).
        """
        broad_page = min(page, -(-limit // per_page))
        broad_offset = (broad_page - 1) * per_page
        self.param("sample", limit + 1)
        self.param("limit", limit)
        self.param("per_page", per_page)
        self.param("offset", (page - 1) * per_page)
        self.param("broad_offset", broad_offset)
        self.param("broad_limit", min(per_page, limit - broad_offset))
        where = self.where()
        # Every match, as one scan of the products (a bitmap of the indexes, or a sequential
        # scan where most products match), read only as far as `m` asks.
        ctes = [
            (
                "matches AS MATERIALIZED (SELECT p.id, p.category_id, p.shop_id, p.published_at, p.search_vector,"
                f" p.title FROM catalog_product p WHERE {where})"
            ),
            "m AS MATERIALIZED (SELECT * FROM matches LIMIT %(sample)s)",
            "found AS MATERIALIZED (SELECT count(*) AS n FROM m)",
        ]
        score = self.score()
        ctes += self.score_ctes()
        narrow = "(SELECT n FROM found) <= %(limit)s"
        newest = "p.published_at DESC NULLS LAST, p.id DESC"
        sql = f"""
SELECT 'n', n, NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint FROM found
UNION ALL SELECT 'v', NULL, {TREE_VERSION}, {SYNONYMS_VERSION}, NULL, NULL, NULL
UNION ALL SELECT 'f', g.category_id, cm.slug, cm.name, g.shop_slug, g.shop_name, g.n FROM (
    SELECT GROUPING(commune_id) AS gm, category_id, commune_id, shop_slug, shop_name, count(*) AS n
    FROM (SELECT m.category_id, s.commune_id, s.id AS shop_id, s.slug AS shop_slug, s.name AS shop_name
          FROM m JOIN shops_shop s ON s.id = m.shop_id) x
    GROUP BY GROUPING SETS ((category_id), (commune_id), (shop_id, shop_slug, shop_name))
) g LEFT JOIN shops_commune cm ON g.gm = 0 AND cm.id = g.commune_id
UNION ALL (
    -- Within equal relevance, products with a photo first: blank tiles at the top look empty.
    SELECT 'p', p.id, NULL, NULL, NULL, NULL, NULL FROM m p{" CROSS JOIN tq" if self.terms else ""} WHERE {narrow}
    ORDER BY {score + " DESC, " if self.terms else ""}{PHOTO_FIRST}, {newest} LIMIT %(per_page)s
    OFFSET least(%(offset)s, (greatest((SELECT n FROM found), 1) - 1) / %(per_page)s * %(per_page)s)
)"""
        if not self.terms:  # filters only: the newest first
            sql += f"""
UNION ALL (
    SELECT 'r', p.id, NULL, NULL, NULL, NULL, NULL FROM catalog_product p WHERE NOT {narrow} AND {where}
    ORDER BY {newest} LIMIT %(broad_limit)s OFFSET %(broad_offset)s
)"""
            return self.with_(*ctes) + sql
        sql += f"\nUNION ALL ({self.shop_hits()})"
        every = self._words("&&")
        # Every word is in the title here: by its stem, or as a word beginning. (Telling the
        # word as typed from its stem would read every such title, and a photo every such
        # product: left to narrow searches; within a page, products with a photo come first:
        # selectors.)
        title_score = " + ".join(
            f"CASE WHEN p.search_vector @@ {self._title_stem(i)} THEN {SCORE_TITLE_WORD}"
            f" ELSE {SCORE_TITLE_BEGINNING} END"
            for i in range(len(self.terms))
        )
        ctes.append(
            f"t AS MATERIALIZED (SELECT p.id, p.published_at, {title_score} AS score FROM catalog_product p"
            f" WHERE {TITLE_VECTOR} @@ {every} AND {where})"
        )
        sql += f"""
UNION ALL (
    SELECT 't', t.id, NULL, NULL, NULL, NULL, t.score FROM t WHERE NOT {narrow}
    ORDER BY t.score DESC, t.published_at DESC NULLS LAST, t.id DESC LIMIT %(broad_limit)s OFFSET %(broad_offset)s
)
UNION ALL (
    -- CASE, not AND: the title matches are counted only for a broad search (PostgreSQL may
    -- evaluate the terms of an AND in any order, and a LIMIT's OFFSET before any row).
    SELECT 'r', p.id, NULL, NULL, NULL, NULL, NULL FROM catalog_product p
    WHERE CASE WHEN {narrow} THEN false ELSE (SELECT count(*) FROM t) < %(broad_offset)s + %(broad_limit)s END
      AND {where} AND NOT {TITLE_VECTOR} @@ {every}
    ORDER BY {newest} LIMIT %(broad_limit)s
    OFFSET CASE WHEN {narrow} THEN 0 ELSE greatest(0, %(broad_offset)s - (SELECT count(*) FROM t)) END
)"""
        return self.with_(*ctes) + sql
