"""The territory's category tree, built once per content and kept per process (bounded).

The search needs it for every facet (a category counts its children's products) and for
suggestions. Its key is a fingerprint of the table's content, which the search's main
statement returns with its rows (TREE_VERSION): a category edited anywhere is seen at once,
at no extra query while the tree is unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db import connection

from vitrine.catalog.models import Category
from vitrine.search.cache import TerritoryCache
from vitrine.search.text import query_terms

# What changes the category tree changes this (cache key of category_tree).
TREE_VERSION = ("(SELECT md5(coalesce(string_agg(concat_ws(',', id, coalesce(parent_id, 0), position, slug, name),"
                " ';' ORDER BY id), '')) FROM catalog_category)")


@dataclass
class CategoryTree:
    """Every category of the territory, by id and slug, with each one's children's ids."""

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
_trees: TerritoryCache[CategoryTree] = TerritoryCache()


def category_tree(version: str | None = None) -> CategoryTree:
    """The territory's category tree, from this process's cache when `version` is current."""
    schema = connection.schema_name
    if version is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + TREE_VERSION)
            version = cursor.fetchone()[0]
    cached = _trees.get(schema, version)
    if cached is not None:
        return cached
    categories = list(Category.objects.order_by("position", "name"))
    children: dict[int | None, list[int]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.pk)
    tree = CategoryTree(version, {c.pk: c for c in categories}, {c.slug: c for c in categories}, children)
    _trees.put(schema, version, tree)
    return tree

