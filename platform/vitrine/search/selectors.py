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

from vitrine.catalog.models import Category
from vitrine.search.cards import product_cards
from vitrine.search.sql import SearchStatement
from vitrine.search.suggestions import popular_categories, suggestions_for
from vitrine.search.text import query_terms
from vitrine.search.tree import SearchCategoryTree, category_tree
from vitrine.search.types import COUNT_LIMIT, PER_PAGE, Facet, SearchFilters, SearchPage

# What callers import from here (the views, tests, benchmarks): the search's public face.
__all__ = ["COUNT_LIMIT", "PER_PAGE", "Facet", "SearchFilters", "SearchPage", "product_search"]

FACET_LIMIT = 12


def product_search(
    *, query: str, filters: SearchFilters, page: int = 1, per_page: int = PER_PAGE, count_limit: int = COUNT_LIMIT
) -> SearchPage:
    """One page of published products matching `query` and `filters`, with facets and suggestions."""
    result = SearchPage(query=query, filters=filters, per_page=per_page, count_limit=count_limit)
    terms = query_terms(query)
    if not terms and not filters.any:
        result.suggestions = popular_categories()
        return result
    result.searched = True
    page = max(1, page)
    statement = SearchStatement(terms=terms, filters=filters)
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
    else:
        page_ids = ids["p"]
    result.products = product_cards(page_ids)
    return result


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
