"""The territory's category tree, built once per content and kept per process (bounded).

The search needs it for every facet (a category counts its children's products) and for
suggestions. Its key is a fingerprint of the table's content, which the search's main
statement returns with its rows (TREE_VERSION): a category edited anywhere is seen at once,
at no extra query while the tree is unchanged.
"""

from __future__ import annotations

from functools import cached_property

from django.db import connection

from vitrine.catalog.categories import CategoryTree
from vitrine.catalog.models import Category
from vitrine.search.cache import TerritoryCache
from vitrine.search.text import query_terms

# What changes the category tree changes this (cache key of category_tree).
TREE_VERSION = (
    "(SELECT md5(coalesce(string_agg(concat_ws(',', id, coalesce(parent_id, 0), position, slug, name),"
    " ';' ORDER BY id), '')) FROM catalog_category)"
)


class SearchCategoryTree(CategoryTree):
    """The catalogue's category tree, with the content version it was built from and its names' words."""

    def __init__(self, categories: list[Category], *, version: str):
        super().__init__(categories)
        self.version = version

    @cached_property
    def words(self) -> list[tuple[Category, list[str]]]:
        """Each category with the folded words of its name (for suggestions)."""
        return [(category, query_terms(category.name)) for category in self.by_id.values()]


# Keyed by content (the table's fingerprint), so never stale: an edit changes the key.
_trees: TerritoryCache[SearchCategoryTree] = TerritoryCache()


def category_tree(version: str | None = None) -> SearchCategoryTree:
    """The territory's category tree, from this process's cache when `version` is current."""
    schema = connection.schema_name
    if version is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + TREE_VERSION)
            version = cursor.fetchone()[0]
    cached = _trees.get(schema, version)
    if cached is not None:
        return cached
    tree = SearchCategoryTree(list(Category.objects.all()), version=version)
    _trees.put(schema, version, tree)
    return tree
