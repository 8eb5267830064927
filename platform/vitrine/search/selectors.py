"""Shoppers' search across every shop of the territory (reads only).

PostgreSQL full-text search with the 'french' configuration (stemming: "bijou" finds
"bijoux"), accents folded on both sides (no `unaccent` on the embedded server: see
catalog.models.folded and search.text). A product matches on its title (weight A) and
description (C), stored in catalog_product.search_vector under a GIN index, and on its
category's and shop's names (B), matched at query time against those small tables. Only
published products of approved shops. Ranked by ts_rank_cd, then newest.

A results page costs a fixed number of queries whatever it finds: the category tree, one
statement for the facets (GROUPING SETS, which also give the total) and the page's ids
(the matches computed once, in a CTE), the page's products and their photos. A search
that finds nothing asks for suggestions instead.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch

from vitrine.catalog.models import (
    ACCENTED,
    LIGATURES,
    UNACCENTED,
    Category,
    Product,
    ProductPhoto,
)
from vitrine.search.text import query_terms, tsquery_text

PER_PAGE = 24
FACET_LIMIT = 12
SUGGESTION_LIMIT = 6
POPULAR_LIMIT = 6


def _folded_sql(column: str) -> str:
    """The SQL of catalog.models.folded() over a column (same letters, same order)."""
    sql = column
    for ligature, letters in LIGATURES:
        sql = f"replace({sql}, '{ligature}', '{letters}')"
    return f"lower(translate({sql}, '{ACCENTED}', '{UNACCENTED}'))"


_CATEGORY_VECTOR = f"to_tsvector('french', {_folded_sql('c.name')})"
_SHOP_VECTOR = f"to_tsvector('french', {_folded_sql('s.name')})"


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
    count: int
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
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE
    categories: list[Facet] = field(default_factory=list)
    communes: list[Facet] = field(default_factory=list)
    shops: list[Facet] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    category: Category | None = None
    searched: bool = False  # False when there was nothing to search for (no words, no filter)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages


@dataclass
class _Tree:
    by_id: dict[int, Category]
    by_slug: dict[str, Category]
    children: dict[int | None, list[int]]

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


def _category_tree() -> _Tree:
    categories = list(Category.objects.order_by("position", "name"))
    children: dict[int | None, list[int]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.pk)
    return _Tree({c.pk: c for c in categories}, {c.slug: c for c in categories}, children)


def _matches_sql(*, terms: list[str], filters: SearchFilters, category_ids: list[int] | None) -> tuple[str, list]:
    """The WITH clause that ends in `m`: every matching product's id, facet keys and rank.

    Several words must all match, each in any field: a product is a candidate when its
    own vector has every word, or when its category or shop name has one of them (an OR
    of three index scans: GIN, category_id, shop_id); with several words the candidates
    are then checked against the whole (product || category || shop) vector.
    """
    params: list = []
    where = ["p.status = 'published'", "s.status = 'approved'"]
    ctes = []
    rank = "0"
    if terms:
        all_terms, any_term = tsquery_text(terms), tsquery_text(terms, joiner=" | ")
        ctes += [
            # A cheap LIKE on the folded name first: a name can only match a word if it
            # holds the word's first three letters (stems and prefixes keep them).
            (f"mc AS MATERIALIZED (SELECT c.id, setweight({_CATEGORY_VECTOR}, 'B') AS v FROM catalog_category c"
             f" WHERE {_folded_sql('c.name')} LIKE ANY(%s) AND {_CATEGORY_VECTOR} @@ to_tsquery('french', %s))"),
            (f"ms AS MATERIALIZED (SELECT s.id, setweight({_SHOP_VECTOR}, 'B') AS v FROM shops_shop s"
             f" WHERE s.status = 'approved' AND {_folded_sql('s.name')} LIKE ANY(%s)"
             f" AND {_SHOP_VECTOR} @@ to_tsquery('french', %s))"),
        ]
        likes = [f"%{term[:3]}%" for term in terms]
        params += [likes, any_term, likes, any_term]
        vector = "(p.search_vector || coalesce(mc.v, ''::tsvector) || coalesce(ms.v, ''::tsvector))"
        where.append("(p.search_vector @@ to_tsquery('french', %s) OR p.category_id = ANY(ARRAY(SELECT id FROM mc))"
                     " OR p.shop_id = ANY(ARRAY(SELECT id FROM ms)))")
        params.append(all_terms)
        if len(terms) > 1:  # with one word, being a candidate is matching
            where.append(f"{vector} @@ to_tsquery('french', %s)")
            params.append(all_terms)
        rank = f"ts_rank_cd({vector}, to_tsquery('french', %s))"
    if category_ids is not None:
        where.append("p.category_id = ANY(%s)")
        params.append(category_ids)
    if filters.commune_slug:
        where.append("s.commune_id = (SELECT id FROM shops_commune WHERE slug = %s)")
        params.append(filters.commune_slug)
    if filters.shop_slug:
        where.append("s.slug = %s")
        params.append(filters.shop_slug)
    if filters.price_min is not None:
        where.append("p.price >= %s")
        params.append(filters.price_min)
    if filters.price_max is not None:
        where.append("p.price <= %s")
        params.append(filters.price_max)
    if filters.in_stock:
        # On request counts as available; with variants, any variant in stock.
        where.append("(p.availability = 'on_request' OR p.stock > 0 OR EXISTS"
                     " (SELECT 1 FROM catalog_variant v WHERE v.product_id = p.id AND v.stock > 0))")
    rank_params = [tsquery_text(terms)] if terms else []
    ctes.append(
        f"m AS MATERIALIZED (SELECT p.id, p.category_id, s.commune_id, p.shop_id, p.published_at, {rank} AS rank"
        " FROM catalog_product p JOIN shops_shop s ON s.id = p.shop_id"
        + (" LEFT JOIN mc ON mc.id = p.category_id LEFT JOIN ms ON ms.id = p.shop_id" if terms else "")
        + " WHERE " + " AND ".join(where) + ")"
    )
    # The rank's parameter comes before the WHERE's in the SELECT list.
    with_params = params[:4] + rank_params + params[4:] if terms else params
    return "WITH " + ", ".join(ctes) + " ", with_params


# One statement answers the facets (and so the total) and the page: the matches are
# computed once. Rows: ("f", category_id, commune slug, commune name, shop slug, shop name,
# count) per facet value, then ("p", product id) in rank order.
_FACETS_AND_PAGE = """
SELECT 'f', g.category_id, cm.slug, cm.name, s.slug, s.name, g.n FROM (
    SELECT GROUPING(category_id) AS gc, GROUPING(commune_id) AS gm, category_id, commune_id, shop_id, count(*) AS n
    FROM m GROUP BY GROUPING SETS ((category_id), (commune_id), (shop_id))
) g LEFT JOIN shops_commune cm ON g.gm = 0 AND cm.id = g.commune_id
    LEFT JOIN shops_shop s ON g.gc = 1 AND g.gm = 1 AND s.id = g.shop_id
UNION ALL (
    SELECT 'p', id, NULL, NULL, NULL, NULL, NULL FROM m
    ORDER BY rank DESC, published_at DESC NULLS LAST, id DESC LIMIT %s OFFSET %s
)"""


def product_search(*, query: str, filters: SearchFilters, page: int = 1, per_page: int = PER_PAGE) -> SearchPage:
    """One page of published products matching `query` and `filters`, with facets and suggestions."""
    result = SearchPage(query=query, filters=filters, per_page=per_page)
    terms = query_terms(query)
    tree = _category_tree()
    category_ids = None
    if filters.category_slug:
        result.category = tree.by_slug.get(filters.category_slug)
        category_ids = tree.descendants(result.category) if result.category else []
    if not terms and not filters.any:
        result.suggestions = _popular_categories(tree)
        return result
    result.searched = True
    with_sql, params = _matches_sql(terms=terms, filters=filters, category_ids=category_ids)
    page = max(1, page)
    rows = _facets_and_page(with_sql, params, page, per_page)
    category_counts: dict[int, int] = {}
    communes, shops, ids = [], [], []
    for kind, key, commune_slug, commune_name, shop_slug, shop_name, count in rows:
        if kind == "p":
            ids.append(key)
        elif commune_slug is not None:
            communes.append(Facet(commune_slug, commune_name, count, commune_slug == filters.commune_slug))
        elif shop_slug is not None:
            shops.append(Facet(shop_slug, shop_name, count, shop_slug == filters.shop_slug))
        elif key is not None:
            category_counts[key] = count
    result.total = sum(category_counts.values())
    result.categories = _category_facets(tree, category_counts, result.category)
    result.communes = sorted(communes, key=lambda f: (-f.count, f.name))[:FACET_LIMIT]
    result.shops = sorted(shops, key=lambda f: (-f.count, f.name))[:FACET_LIMIT]
    if result.total == 0:
        result.suggestions = _suggestions(terms, tree, filters)
        return result
    result.page = min(page, result.num_pages)
    if result.page != page:  # a page past the end (an old link): show the last one
        ids = [row[1] for row in _facets_and_page(with_sql, params, result.page, per_page) if row[0] == "p"]
    products = (
        Product.objects.filter(pk__in=ids).select_related("shop", "category")
        # The cards show neither descriptions nor the search column: leave them in the database.
        .defer("description", "search_vector", "unpublished_reason", "shop__description")
        .prefetch_related(Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "id")))
    )
    by_id = {product.pk: product for product in products}
    result.products = [by_id[pk] for pk in ids if pk in by_id]
    return result


def _facets_and_page(with_sql: str, params: list, page: int, per_page: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(with_sql + _FACETS_AND_PAGE, [*params, per_page, (page - 1) * per_page])
        return cursor.fetchall()


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
    facets = [Facet(tree.by_id[pk].slug, tree.by_id[pk].name, count) for pk, count in totals.items()]
    return sorted(facets, key=lambda f: (-f.count, f.name))[:FACET_LIMIT]


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


def _suggestions(terms: list[str], tree: _Tree, filters: SearchFilters) -> list[Suggestion]:
    """Other words to try, close categories, then the most popular categories.

    Words come from the territory's category and shop names and the words of its
    products' titles that start like the shopper's ("bij" -> "bijoux"); with pg_trgm,
    a misspelt word ("bijoox") finds the closest ones by trigram similarity.
    """
    suggestions: list[Suggestion] = []
    if terms:
        suggestions += _word_suggestions(terms)
        suggestions += _close_categories(terms, tree)
    seen = {(s.kind, s.value) for s in suggestions}
    for popular in _popular_categories(tree):
        if len(suggestions) >= SUGGESTION_LIMIT + POPULAR_LIMIT:
            break
        if (popular.kind, popular.value) not in seen:
            suggestions.append(popular)
    return suggestions


def _word_suggestions(terms: list[str]) -> list[Suggestion]:
    """Replacement queries: each unknown word swapped for a known word it starts or resembles."""
    with connection.cursor() as cursor:
        if pg_trgm_installed():
            # ts_stat over matching titles would read every product: use the titles whose
            # words start like the term or resemble it, through a bounded sample.
            cursor.execute(
                "SELECT t.term, w.word FROM unnest(%s::text[]) AS t(term) CROSS JOIN LATERAL ("
                "  SELECT word, max(public.similarity(word, t.term)) AS score FROM ("
                f"    SELECT regexp_split_to_table({_folded_sql('c.name')}, '[^a-z0-9]+') AS word FROM catalog_category c"
                f"    UNION ALL SELECT regexp_split_to_table({_folded_sql('s.name')}, '[^a-z0-9]+') FROM shops_shop s"
                "      WHERE s.status = 'approved'"
                f"    UNION ALL SELECT regexp_split_to_table({_folded_sql('p.title')}, '[^a-z0-9]+') FROM ("
                "      SELECT p.title FROM catalog_product p WHERE p.status = 'published'"
                "      AND p.search_vector @@ to_tsquery('french', left(t.term, 3) || ':*') LIMIT 200) p"
                "  ) words WHERE length(word) >= 3 AND (word LIKE t.term || '%%' OR public.similarity(word, t.term) > 0.3)"
                "  GROUP BY word ORDER BY (word LIKE t.term || '%%') DESC, score DESC, word LIMIT 3) w",
                [terms],
            )
            rows = cursor.fetchall()
        else:
            cursor.execute(
                "SELECT t.term, w.word FROM unnest(%s::text[]) AS t(term) CROSS JOIN LATERAL ("
                "  SELECT DISTINCT word FROM ("
                f"    SELECT regexp_split_to_table({_folded_sql('c.name')}, '[^a-z0-9]+') AS word FROM catalog_category c"
                f"    UNION ALL SELECT regexp_split_to_table({_folded_sql('s.name')}, '[^a-z0-9]+') FROM shops_shop s"
                "      WHERE s.status = 'approved'"
                f"    UNION ALL SELECT regexp_split_to_table({_folded_sql('p.title')}, '[^a-z0-9]+') FROM ("
                "      SELECT p.title FROM catalog_product p WHERE p.status = 'published'"
                "      AND p.search_vector @@ to_tsquery('french', left(t.term, 3) || ':*') LIMIT 200) p"
                "  ) words WHERE length(word) >= 3 LIMIT 400) w",
                [terms],
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
    for category in tree.by_id.values():
        words = query_terms(category.name)
        if any(w.startswith(t) or difflib.SequenceMatcher(None, w, t).ratio() >= 0.75 for w in words for t in terms):
            found.append(Suggestion("category", category.name, category.slug))
    return found[:SUGGESTION_LIMIT]


def _popular_categories(tree: _Tree) -> list[Suggestion]:
    """Top-level categories with the most approved shops (a small table: cheap on every visit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT category_id, count(*) FROM shops_shop WHERE status = 'approved' GROUP BY category_id")
        rows = cursor.fetchall()
    totals: dict[int, int] = {}
    for category_id, count in rows:
        if category_id in tree.by_id:
            top = tree.top(category_id)
            totals[top.pk] = totals.get(top.pk, 0) + count
    best = sorted(totals.items(), key=lambda item: (-item[1], tree.by_id[item[0]].position, tree.by_id[item[0]].name))
    return [Suggestion("category", tree.by_id[pk].name, tree.by_id[pk].slug) for pk, _count in best[:POPULAR_LIMIT]]
