"""Shoppers' search across every shop of the territory (reads only).

PostgreSQL full-text search with the 'french' configuration (stemming: "bijou" finds
"bijoux"), accents folded on both sides (no `unaccent` on the embedded server: see
catalog.models.folded and search.text). A product matches on its title and description,
stored in catalog_product.search_vector (title weight A, description C) under a GIN index,
and on its category's and shop's names, matched through expression indexes on those small
tables (search migration 0002). Every word must match somewhere, and at least one in the
product itself or its category: a shop's name alone finds the shop, shown above the products
(ready shops first), not everything it sells. Only published products of approved shops.

A word matches by its stem, by one of the territory's synonyms (staff's: "cadeau" also finds
"idées cadeaux"), or, from 3 letters, as the beginning of a word as typed ("deco" finds
"décoration"; "creme" is not the beginning of "crémant", though the stemmer gives both
"crem": the word as typed ranks first). Stop words ("de", "pour") ask for nothing.

What a search costs is bounded by COUNT_LIMIT, not by how many products match:

- Up to COUNT_LIMIT matches (almost every search): the total and the facets are exact,
  and every match gets a score: per word, 8 in the title as typed, 7 in the title by its
  stem, 6 in the title as a word beginning, 3 in the category's or shop's name, 1 in the
  description; ties go to products with a photo, then to the newest.
- More matches (a word every product has): the page says "more than 1,000", the facets
  list the values met in the first COUNT_LIMIT + 1 matches without counts, and only the
  first COUNT_LIMIT results are served: the products with every word in their title
  (a small expression index, scored as above but without telling a word as typed from its
  stem), then the others, newest first (an index in that order, read until the page is
  full); within a page, products with a photo first among equals.

One statement answers all that (and the shops found), then one query loads the page's products with their shops
and first photos: two queries, however many products match. The category tree comes from a
per-process cache keyed by a fingerprint of the table's content, which the main statement
returns: a category edited anywhere is seen at once. A search that finds nothing asks for
suggestions instead.

This module puts the answer together; the parts live beside it, each importing only those
below it: types (filters, page, facets) and cache (bounded per-territory caches) at the
bottom, then tree (the cached category tree), sql (the statement), cards (the page's
products as model instances), suggestions (when nothing matches).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from vitrine.catalog.models import Category
from vitrine.search.cards import product_cards
from vitrine.search.models import Synonym
from vitrine.search.sql import SearchStatement
from vitrine.search.suggestions import popular_categories, suggestions_for
from vitrine.search.synonyms import synonyms_cached, synonyms_load
from vitrine.search.text import search_words
from vitrine.search.tree import SearchCategoryTree, category_tree
from vitrine.search.types import COUNT_LIMIT, PER_PAGE, Facet, SearchFilters, SearchPage, ShopHit

# What callers import from here (the views, tests, benchmarks): the search's public face.
__all__ = [
    "COUNT_LIMIT",
    "PER_PAGE",
    "Facet",
    "SearchFilters",
    "SearchPage",
    "ShopHit",
    "product_search",
    "synonym_list",
]

FACET_LIMIT = 12


def product_search(
    *, query: str, filters: SearchFilters, page: int = 1, per_page: int = PER_PAGE, count_limit: int = COUNT_LIMIT
) -> SearchPage:
    """One page of published products matching `query` and `filters`, with facets and suggestions."""
    result = SearchPage(query=query, filters=filters, per_page=per_page, count_limit=count_limit)
    terms = search_words(query)
    if not terms and not filters.any:
        result.suggestions = popular_categories()
        return result
    result.searched = True
    page = max(1, page)
    synonyms_version, synonyms = synonyms_cached()
    rows = _search_rows(terms, filters, synonyms, limit=count_limit, page=page, per_page=per_page)
    current = next(row[3] for row in rows if row[0] == "v")
    if current != synonyms_version:
        # Another process changed the synonyms: read them again; run again if they change these words.
        _version, fresh = synonyms_load()
        if any(synonyms.get(term) != fresh.get(term) for term in terms):
            rows = _search_rows(terms, filters, fresh, limit=count_limit, page=page, per_page=per_page)
    category_counts: dict[int, int] = {}
    communes, shops, version = [], [], None
    ids: dict[str, list[int]] = {"p": [], "t": [], "r": []}
    scores: dict[int, int] = {}
    for kind, key, slug, name, shop_slug, shop_name, count in rows:
        if kind in ids:
            ids[kind].append(key)
            scores[key] = count or 0
        elif kind == "n":
            result.total = key
        elif kind == "v":
            version = slug
        elif kind == "s":
            result.shop_hits.append(ShopHit(slug, name, shop_slug, shop_name, bool(count)))
        elif slug is not None:
            communes.append(Facet(slug, name, count, slug == filters.commune_slug))
        elif shop_slug is not None:
            shops.append(Facet(shop_slug, shop_name, count, shop_slug == filters.shop_slug))
        elif key is not None:
            category_counts[key] = count
    tree = category_tree(version)
    if filters.category_slug:
        result.category = tree.by_slug.get(filters.category_slug)
    result.categories = _category_facets(tree, category_counts, result.category)
    result.communes = _top(communes)
    result.shops = _top(shops)
    if result.total == 0:
        result.suggestions = suggestions_for(terms, tree)
        return result
    result.page = min(page, result.num_pages)
    if result.more_than_limit:
        # Counts of a sample would mislead: the facets name what was met, biggest first.
        result.categories, result.communes, result.shops = (
            [Facet(f.slug, f.name, None, f.selected) for f in facets]
            for facets in (result.categories, result.communes, result.shops)
        )
        page_ids = (ids["t"] + ids["r"])[: min(per_page, count_limit - (result.page - 1) * per_page)]
        products = product_cards(page_ids)
        # Ordering every title match by its photo would read them all: within the page, then.
        title_matches = set(ids["t"])
        result.products = sorted(
            products,
            key=lambda p: (p.pk not in title_matches, -scores.get(p.pk, 0), p.card_photo is None),  # type: ignore[attr-defined]
        )
    else:
        result.products = product_cards(ids["p"])
    return result


def _search_rows(
    terms: list[str], filters: SearchFilters, synonyms: dict, *, limit: int, page: int, per_page: int
) -> list[tuple]:
    statement = SearchStatement(terms=terms, filters=filters, synonyms=synonyms)
    with connection.cursor() as cursor:
        cursor.execute(statement.search_page(limit=limit, page=page, per_page=per_page), statement.params)
        return cursor.fetchall()


def _top(facets: list[Facet]) -> list[Facet]:
    return sorted(facets, key=lambda f: (-(f.count or 0), f.name))[:FACET_LIMIT]


def _category_facets(tree: SearchCategoryTree, counts: dict[int, int], selected: Category | None) -> list[Facet]:
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


def synonym_list() -> QuerySet[Synonym]:
    """The territory's synonyms, by word, with who added them (for the team's page)."""
    return Synonym.objects.select_related("created_by").order_by("key", "expansion_key")
