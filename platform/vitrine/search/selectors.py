"""Shoppers' search across every shop of the territory (reads only).

PostgreSQL full-text search with the 'french' configuration (stemming: "bijou" finds
"bijoux"), accents folded on both sides (no `unaccent` on the embedded server: see
catalog.models.folded and search.text). A product matches on its title and description,
stored in catalog_product.search_vector (title weight A, description C) under a GIN index,
and on its category's and shop's names, matched through expression indexes on those small
tables (search migration 0002). Every word must match somewhere. Only published products of
approved shops.

What a search costs is bounded by COUNT_LIMIT, not by how many products match:

- Up to COUNT_LIMIT matches (almost every search): the total and the facets are exact,
  and every match gets a score: per word, 8 in the title as typed, 6 in the title as a
  word beginning, 3 in the category's or shop's name, 1 in the description; ties go to
  the newest.
- More matches (a word every product has): the page says "more than 1,000", the facets
  list the values met in the first COUNT_LIMIT + 1 matches without counts, and only the
  first COUNT_LIMIT results are served: the products with every word in their title
  (a small expression index, scored as above), then the others, newest first (an index
  in that order, read until the page is full).

One statement answers all that, then one query loads the page's products with their shops
and first photos: two queries, however many products match. The category tree comes from a per-process cache keyed by a
fingerprint of the table's content, which the main statement returns: a category edited
anywhere is seen at once. A search that finds nothing asks for suggestions instead.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import connection

from vitrine.catalog.models import (
    ACCENTED,
    LIGATURES,
    UNACCENTED,
    Category,
    Product,
    ProductPhoto,
)
from vitrine.search.cache import TerritoryCache
from vitrine.search.text import query_terms, term_tsquery, tsquery_text
from vitrine.shops.models import Shop

PER_PAGE = 24
COUNT_LIMIT = 1000
FACET_LIMIT = 12
SUGGESTION_LIMIT = 6
POPULAR_LIMIT = 6

# Score of one word by where it is found (see the module's docstring).
SCORE_TITLE_WORD, SCORE_TITLE_BEGINNING, SCORE_NAME, SCORE_DESCRIPTION = 8, 6, 3, 1


def _folded_sql(column: str) -> str:
    """The SQL of catalog.models.folded() over a column (same letters, same order)."""
    sql = column
    for ligature, letters in LIGATURES:
        sql = f"replace({sql}, '{ligature}', '{letters}')"
    return f"lower(translate({sql}, '{ACCENTED}', '{UNACCENTED}'))"


# These must stay exactly the expressions of the indexes of search migration 0002, or the
# planner cannot use them (tests/search check the plans).
CATEGORY_NAME_VECTOR = f"to_tsvector('french', {_folded_sql('c.name')})"
SHOP_NAME_VECTOR = f"to_tsvector('french', {_folded_sql('s.name')})"
# Catalog migration 0006: the title's words alone (weight A of the stored vector).
TITLE_VECTOR = "ts_filter(p.search_vector, '{a}')"
# What changes the category tree changes this (cache key of _category_tree).
_TREE_VERSION = ("(SELECT md5(coalesce(string_agg(concat_ws(',', id, coalesce(parent_id, 0), position, slug, name),"
                 " ';' ORDER BY id), '')) FROM catalog_category)")


@dataclass(frozen=True)
class SearchFilters:
    category_slug: str = ""
    commune_slug: str = ""
    shop_slug: str = ""
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False

    @property
    def any(self) -> bool:
        return bool(self.category_slug or self.commune_slug or self.shop_slug or self.price_min is not None
                    or self.price_max is not None or self.in_stock)


@dataclass(frozen=True)
class Facet:
    slug: str
    name: str
    count: int | None  # None when the search found more than COUNT_LIMIT products
    selected: bool = False


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "query" (search these words instead) or "category" (go to the category)
    label: str
    value: str  # the query text, or the category's slug


@dataclass
class SearchPage:
    query: str
    filters: SearchFilters
    products: list[Product] = field(default_factory=list)
    total: int = 0  # exact up to count_limit; count_limit + 1 means "more than count_limit"
    page: int = 1
    per_page: int = PER_PAGE
    count_limit: int = COUNT_LIMIT
    categories: list[Facet] = field(default_factory=list)
    communes: list[Facet] = field(default_factory=list)
    shops: list[Facet] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    category: Category | None = None
    searched: bool = False  # False when there was nothing to search for (no words, no filter)

    @property
    def more_than_limit(self) -> bool:
        """Whether more products matched than are counted (and served): "more than 1,000"."""
        return self.total > self.count_limit

    @property
    def num_pages(self) -> int:
        return max(1, -(-min(self.total, self.count_limit) // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages


@dataclass
class _Tree:
    version: str
    by_id: dict[int, Category]
    by_slug: dict[str, Category]
    children: dict[int | None, list[int]]

    @cached_property
    def words(self) -> list[tuple[Category, list[str]]]:
        """Each category with the folded words of its name (for suggestions)."""
        return [(category, query_terms(category.name)) for category in self.by_id.values()]

    def descendants(self, category: Category) -> list[int]:
        ids, stack = [], [category.pk]
        while stack:
            current = stack.pop()
            ids.append(current)
            stack.extend(self.children.get(current, []))
        return ids

    def top(self, category_id: int) -> Category:
        category = self.by_id[category_id]
        while category.parent_id is not None and category.parent_id in self.by_id:
            category = self.by_id[category.parent_id]
        return category


# Keyed by content (the table's fingerprint), so never stale: an edit changes the key.
_trees: TerritoryCache[_Tree] = TerritoryCache()


def _category_tree(version: str | None = None) -> _Tree:
    """The territory's category tree, from this process's cache when `version` is current."""
    schema = connection.schema_name
    if version is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + _TREE_VERSION)
            version = cursor.fetchone()[0]
    cached = _trees.get(schema, version)
    if cached is not None:
        return cached
    categories = list(Category.objects.order_by("position", "name"))
    children: dict[int | None, list[int]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.pk)
    tree = _Tree(version, {c.pk: c for c in categories}, {c.slug: c for c in categories}, children)
    _trees.put(schema, version, tree)
    return tree


class _Statement:
    """The SQL of one search: its words and filters as CTEs and conditions, with named parameters.

    Every scan of catalog_product is of that table alone, its conditions on shops and names
    as arrays computed once (InitPlans): a join could lead the planner to hash the products
    side, reading every match where only the first COUNT_LIMIT + 1, or one page, are wanted.
    """

    def __init__(self, *, terms: list[str], filters: SearchFilters):
        self.terms, self.filters = terms, filters
        self.params: dict[str, object] = {}

    def param(self, name: str, value: object) -> str:
        self.params[name] = value
        return f"%({name})s"

    def approved(self) -> str:
        return self.param("approved", Shop.Status.APPROVED)

    def tsquery(self, name: str, text: str) -> str:
        return f"to_tsquery('french', {self.param(name, text)})"

    def _word(self, i: int) -> str:
        return self.tsquery(f"word{i}", term_tsquery(self.terms[i]))

    def ctes(self) -> str:
        """Categories and shops whose names hold a word (and which words: a bit each)."""
        ctes = []
        if self.filters.category_slug:
            slug = self.param("category", self.filters.category_slug)
            ctes.append(
                "cat AS (WITH RECURSIVE tree(id) AS (SELECT id FROM catalog_category WHERE slug = " + slug
                + " UNION ALL SELECT c.id FROM catalog_category c JOIN tree ON c.parent_id = tree.id) SELECT id FROM tree)"
            )
        if self.terms:
            any_word = self.tsquery("any_word", tsquery_text(self.terms, joiner=" | "))
            ctes += [
                f"mc AS MATERIALIZED (SELECT c.id, {self._mask(CATEGORY_NAME_VECTOR)} AS mask FROM catalog_category c"
                f" WHERE {CATEGORY_NAME_VECTOR} @@ {any_word})",
                f"ms AS MATERIALIZED (SELECT s.id, {self._mask(SHOP_NAME_VECTOR)} AS mask FROM shops_shop s"
                f" WHERE s.status = {self.approved()} AND {SHOP_NAME_VECTOR} @@ {any_word})",
            ]
        return ", ".join(ctes)

    def _mask(self, vector: str) -> str:
        if len(self.terms) == 1:
            return "1"
        return " | ".join(f"(CASE WHEN {vector} @@ {self._word(i)} THEN {1 << i} ELSE 0 END)"
                          for i in range(len(self.terms)))

    def _in_names(self, i: int | None = None) -> str:
        """Whether the product's category or shop name holds word i (any word when None)."""
        which = "" if i is None or len(self.terms) == 1 else f" WHERE mask & {1 << i} <> 0"
        return (f"(p.category_id = ANY(ARRAY(SELECT id FROM mc{which}))"
                f" OR p.shop_id = ANY(ARRAY(SELECT id FROM ms{which})))")

    def where(self) -> str:
        """Published products of approved shops with every word somewhere, within the filters."""
        # The few shops not approved, rather than the many approved: a short array to check.
        where = [f"p.status = {self.param('published', Product.Status.PUBLISHED)}",
                 f"NOT p.shop_id = ANY(ARRAY(SELECT id FROM shops_shop WHERE status <> {self.approved()}))"]
        if self.terms:
            # Candidates by index (GIN on the product's words, or the category's or shop's id:
            # a BitmapOr); with several words, each is then checked in any field (a stop word,
            # which to_tsquery drops, is no condition).
            every = self.tsquery("every_word", tsquery_text(self.terms))
            where.append(f"(p.search_vector @@ {every} OR {self._in_names()})")
            if len(self.terms) > 1:
                for i in range(len(self.terms)):
                    word = self._word(i)
                    where.append(f"(numnode({word}) = 0 OR p.search_vector @@ {word} OR {self._in_names(i)})")
        filters = self.filters
        if filters.category_slug:
            where.append("p.category_id = ANY(ARRAY(SELECT id FROM cat))")
        if filters.commune_slug:
            commune = self.param("commune", filters.commune_slug)
            where.append("p.shop_id = ANY(ARRAY(SELECT id FROM shops_shop WHERE commune_id ="
                         f" (SELECT id FROM shops_commune WHERE slug = {commune})))")
        if filters.shop_slug:
            where.append(f"p.shop_id = (SELECT id FROM shops_shop WHERE slug = {self.param('shop', filters.shop_slug)})")
        if filters.price_min is not None:
            where.append(f"p.price >= {self.param('price_min', filters.price_min)}")
        if filters.price_max is not None:
            where.append(f"p.price <= {self.param('price_max', filters.price_max)}")
        if filters.in_stock:
            # On request counts as available; with variants, any variant in stock. OFFSET 0
            # keeps the EXISTS a lookup by product (an index probe, for the few products out
            # of stock themselves): without it, PostgreSQL may hash every variant in stock first.
            on_request = self.param("on_request", Product.Availability.ON_REQUEST)
            where.append(f"(p.availability = {on_request} OR p.stock > 0 OR EXISTS"
                         " (SELECT 1 FROM catalog_variant v WHERE v.product_id = p.id AND v.stock > 0 OFFSET 0))")
        return " AND ".join(where)

    def score(self) -> str:
        """Per word: 8 in the title as typed, 6 as a word beginning, 3 in a name, 1 in the description."""
        if not self.terms:
            return "0"
        parts = []
        for i, term in enumerate(self.terms):
            parts.append(
                f"CASE WHEN p.search_vector @@ {self._title_exact(i)} THEN {SCORE_TITLE_WORD}"
                f" WHEN p.search_vector @@ {self.tsquery(f'title{i}', term_tsquery(term, weight='A'))}"
                f" THEN {SCORE_TITLE_BEGINNING}"
                f" WHEN {self._in_names(i)} THEN {SCORE_NAME}"
                f" WHEN p.search_vector @@ {self._word(i)} THEN {SCORE_DESCRIPTION} ELSE 0 END"
            )
        return " + ".join(parts)

    def _title_exact(self, i: int) -> str:
        return self.tsquery(f"title_exact{i}", term_tsquery(self.terms[i], weight="A", prefix=False))

    def with_(self, *extra: str) -> str:
        ctes = [c for c in (self.ctes(), *extra) if c]
        return ("WITH " + ", ".join(ctes) + " ") if ctes else ""

    # --- the statements --------------------------------------------------------------

    def search_page(self, *, limit: int, page: int, per_page: int) -> str:
        """The whole answer in one statement, whatever the number of matches.

        Rows: ('n', matches up to limit + 1), ('v', tree version), ('f', ...) per facet
        value, then the page: ('p', id) in score order when at most `limit` products match
        (the last page if `page` is past it); otherwise ('t', id) then ('r', id), the page's
        share of the products with every word in their title, by score then newest,
        followed by the others, newest first. A branch whose case does not hold is never
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
            ("matches AS MATERIALIZED (SELECT p.id, p.category_id, p.shop_id, p.published_at, p.search_vector"
             f" FROM catalog_product p WHERE {where})"),
            "m AS MATERIALIZED (SELECT * FROM matches LIMIT %(sample)s)",
            "found AS MATERIALIZED (SELECT count(*) AS n FROM m)",
        ]
        narrow = "(SELECT n FROM found) <= %(limit)s"
        newest = "p.published_at DESC NULLS LAST, p.id DESC"
        sql = f"""
SELECT 'n', n, NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint FROM found
UNION ALL SELECT 'v', NULL, {_TREE_VERSION}, NULL, NULL, NULL, NULL
UNION ALL SELECT 'f', g.category_id, cm.slug, cm.name, g.shop_slug, g.shop_name, g.n FROM (
    SELECT GROUPING(commune_id) AS gm, category_id, commune_id, shop_slug, shop_name, count(*) AS n
    FROM (SELECT m.category_id, s.commune_id, s.id AS shop_id, s.slug AS shop_slug, s.name AS shop_name
          FROM m JOIN shops_shop s ON s.id = m.shop_id) x
    GROUP BY GROUPING SETS ((category_id), (commune_id), (shop_id, shop_slug, shop_name))
) g LEFT JOIN shops_commune cm ON g.gm = 0 AND cm.id = g.commune_id
UNION ALL (
    SELECT 'p', p.id, NULL, NULL, NULL, NULL, NULL FROM m p WHERE {narrow}
    ORDER BY {self.score() + " DESC, " if self.terms else ""}{newest} LIMIT %(per_page)s
    OFFSET least(%(offset)s, (greatest((SELECT n FROM found), 1) - 1) / %(per_page)s * %(per_page)s)
)"""
        if not self.terms:  # filters only: the newest first
            sql += f"""
UNION ALL (
    SELECT 'r', p.id, NULL, NULL, NULL, NULL, NULL FROM catalog_product p WHERE NOT {narrow} AND {where}
    ORDER BY {newest} LIMIT %(broad_limit)s OFFSET %(broad_offset)s
)"""
            return self.with_(*ctes) + sql
        every = self.tsquery("every_word", tsquery_text(self.terms))
        # Every word is in the title here: as typed, or as a word beginning.
        title_score = " + ".join(f"CASE WHEN p.search_vector @@ {self._title_exact(i)} THEN {SCORE_TITLE_WORD}"
                                 f" ELSE {SCORE_TITLE_BEGINNING} END" for i in range(len(self.terms)))
        ctes.append(f"t AS MATERIALIZED (SELECT p.id, p.published_at, {title_score} AS score FROM catalog_product p"
                    f" WHERE {TITLE_VECTOR} @@ {every} AND {where})")
        sql += f"""
UNION ALL (
    SELECT 't', t.id, NULL, NULL, NULL, NULL, NULL FROM t WHERE NOT {narrow}
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


def product_search(*, query: str, filters: SearchFilters, page: int = 1, per_page: int = PER_PAGE,
                   count_limit: int = COUNT_LIMIT) -> SearchPage:
    """One page of published products matching `query` and `filters`, with facets and suggestions."""
    result = SearchPage(query=query, filters=filters, per_page=per_page, count_limit=count_limit)
    terms = query_terms(query)
    if not terms and not filters.any:
        result.suggestions = _popular_categories()
        return result
    result.searched = True
    page = max(1, page)
    statement = _Statement(terms=terms, filters=filters)
    with connection.cursor() as cursor:
        cursor.execute(statement.search_page(limit=count_limit, page=page, per_page=per_page), statement.params)
        rows = cursor.fetchall()
    category_counts: dict[int, int] = {}
    communes, shops, version = [], [], None
    ids: dict[str, list[int]] = {"p": [], "t": [], "r": []}
    for kind, key, slug, name, shop_slug, shop_name, count in rows:
        if kind in ids:
            ids[kind].append(key)
        elif kind == "n":
            result.total = key
        elif kind == "v":
            version = slug
        elif slug is not None:
            communes.append(Facet(slug, name, count, slug == filters.commune_slug))
        elif shop_slug is not None:
            shops.append(Facet(shop_slug, shop_name, count, shop_slug == filters.shop_slug))
        elif key is not None:
            category_counts[key] = count
    tree = _category_tree(version)
    if filters.category_slug:
        result.category = tree.by_slug.get(filters.category_slug)
    result.categories = _category_facets(tree, category_counts, result.category)
    result.communes = _top(communes)
    result.shops = _top(shops)
    if result.total == 0:
        result.suggestions = _suggestions(terms, tree)
        return result
    result.page = min(page, result.num_pages)
    if result.more_than_limit:
        # Counts of a sample would mislead: the facets name what was met, biggest first.
        result.categories, result.communes, result.shops = (
            [Facet(f.slug, f.name, None, f.selected) for f in facets]
            for facets in (result.categories, result.communes, result.shops))
        page_ids = (ids["t"] + ids["r"])[:min(per_page, count_limit - (result.page - 1) * per_page)]
    else:
        page_ids = ids["p"]
    result.products = _products(page_ids)
    return result


def _card_fields(model, *names: str) -> tuple[str, ...]:
    # In the model's own order: Model.from_db() takes the values in that order.
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


_CARD_FIELDS = {
    Product: _card_fields(Product, "id", "shop_id", "title", "slug", "price"),
    Shop: _card_fields(Shop, "id", "slug", "name"),
    ProductPhoto: _card_fields(ProductPhoto, "id", "product_id", "image", "alt", "width", "height", "renditions",
                               "position"),
}


def _products(ids: list[int]) -> list[Product]:
    """The page's products, in that order, with what their cards show: shop, `card_photo`.

    One query (a LATERAL join picks each product's first photo), rows made into model
    instances with Model.from_db: the ORM's select_related and prefetch_related cost more
    here, in compiling and in one queryset per product, than the query itself.
    """
    if not ids:
        return []
    product_fields, shop_fields, photo_fields = _CARD_FIELDS[Product], _CARD_FIELDS[Shop], _CARD_FIELDS[ProductPhoto]
    columns = ", ".join([f"p.{name}" for name in product_fields] + [f"s.{name}" for name in shop_fields]
                        + [f"ph.{name}" for name in photo_fields])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM catalog_product p JOIN shops_shop s ON s.id = p.shop_id"
            " LEFT JOIN LATERAL (SELECT * FROM catalog_productphoto WHERE product_id = p.id"
            " ORDER BY position, id LIMIT 1) ph ON true WHERE p.id = ANY(%s)", [ids])
        rows = cursor.fetchall()
    renditions_field = ProductPhoto._meta.get_field("renditions")
    renditions_at = photo_fields.index("renditions")
    db = connection.alias
    by_id = {}
    for row in rows:
        product_values, rest = row[:len(product_fields)], row[len(product_fields):]
        shop_values, photo_values = rest[:len(shop_fields)], list(rest[len(shop_fields):])
        product = Product.from_db(db, product_fields, product_values)
        product.shop = Shop.from_db(db, shop_fields, shop_values)
        # The card's photo alone, where the card template reads it (catalog_tags.first_photo);
        # product.photos.all() stays a plain query, should anything else ask for every photo.
        product.card_photo = None
        if photo_values[photo_fields.index("id")] is not None:  # a product without photos
            photo_values[renditions_at] = renditions_field.from_db_value(photo_values[renditions_at], None, connection)
            product.card_photo = ProductPhoto.from_db(db, photo_fields, photo_values)
        by_id[product.pk] = product
    return [by_id[pk] for pk in ids if pk in by_id]


def _top(facets: list[Facet]) -> list[Facet]:
    return sorted(facets, key=lambda f: (-(f.count or 0), f.name))[:FACET_LIMIT]


def _category_facets(tree: _Tree, counts: dict[int, int], selected: Category | None) -> list[Facet]:
    """Counts per top-level category (children included); under a chosen category, per child."""
    if selected is not None:
        facets = [Facet(selected.slug, selected.name, sum(counts.values()), True)]
        for child_id in tree.children.get(selected.pk, []):
            child = tree.by_id[child_id]
            count = sum(counts.get(pk, 0) for pk in tree.descendants(child))
            if count:
                facets.append(Facet(child.slug, child.name, count))
        return facets
    totals: dict[int, int] = {}
    for category_id, count in counts.items():
        if category_id in tree.by_id:
            top = tree.top(category_id)
            totals[top.pk] = totals.get(top.pk, 0) + count
    return _top([Facet(tree.by_id[pk].slug, tree.by_id[pk].name, count) for pk, count in totals.items()])


# --- When nothing matches ------------------------------------------------------------------

def pg_trgm_installed() -> bool:
    """Whether this database has pg_trgm (the machine's PostgreSQL may; the embedded one has not)."""
    cached = getattr(connection, "_vitrine_pg_trgm", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
            cached = bool(cursor.fetchone()[0])
        connection._vitrine_pg_trgm = cached
    return cached


def _suggestions(terms: list[str], tree: _Tree) -> list[Suggestion]:
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
    SELECT DISTINCT {_folded_sql('w')} AS word FROM (
        SELECT regexp_split_to_table(c.name, {_SEPARATORS}) AS w FROM catalog_category c
        UNION SELECT regexp_split_to_table(s.name, {_SEPARATORS}) FROM shops_shop s WHERE s.status = %(approved)s
    ) raw
) words WHERE length(word) >= 3 AND word ~ '^[a-z0-9]+$'"""
# Per word typed: the names' words, and those of a bounded sample of product titles with
# a word that starts like it (ts_stat over every title would read every product).
_WORDS_LIKE_TERM = f"""
SELECT unnest(%(names)s::text[]) AS word
UNION SELECT word FROM (
    SELECT {_folded_sql('w')} AS word FROM (
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


def _close_categories(terms: list[str], tree: _Tree) -> list[Suggestion]:
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


def _popular_categories() -> list[Suggestion]:
    """Top-level categories with the most approved shops (a small table: cheap on every visit)."""
    return _popular_categories_and_shops_fingerprint(None)[0]


def _popular_categories_and_shops_fingerprint(tree: _Tree | None) -> tuple[list[Suggestion], int]:
    """The popular categories, and a fingerprint of the approved shops' names (vocabulary's key)."""
    with connection.cursor() as cursor:
        # The tree's version comes with the counts: one query when the tree is cached.
        cursor.execute("SELECT 'c', category_id, count(*), sum(hashtext(name)), NULL FROM shops_shop"
                       " WHERE status = %s GROUP BY category_id"
                       f" UNION ALL SELECT 'v', NULL, NULL, NULL, {_TREE_VERSION}", [Shop.Status.APPROVED])
        rows = cursor.fetchall()
    if tree is None:
        tree = _category_tree(next(version for kind, *_counts, version in rows if kind == "v"))
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
