"""The territory's category tree: built once from the categories' rows, read every way pages need it.

Categories form a small two-level tree (main categories and their sub-categories), loaded whole
in one query. Every reader (form choices, filters, descendants, the staff's tree, the import
template, search) goes through CategoryTree, so the tree is walked one way only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, QuerySet

from vitrine.catalog.models import Category


@dataclass(frozen=True)
class CategoryNode:
    category: Category
    children: list[Category]


class CategoryTree:
    """Categories by id and slug, with each one's children in display order (position, then name)."""

    def __init__(self, categories: Iterable[Category]):
        ordered = sorted(categories, key=lambda c: (c.position, c.name, c.pk))
        self.by_id: dict[int, Category] = {c.pk: c for c in ordered}
        self.by_slug: dict[str, Category] = {c.slug: c for c in ordered}
        self.children: dict[int | None, list[int]] = {}
        for category in ordered:
            parent = category.parent_id if category.parent_id in self.by_id else None
            self.children.setdefault(parent, []).append(category.pk)

    @cached_property
    def roots(self) -> list[CategoryNode]:
        """Main categories in order, each with its sub-categories."""
        return [
            CategoryNode(self.by_id[pk], [self.by_id[child] for child in self.children.get(pk, [])])
            for pk in self.children.get(None, [])
        ]

    def descendants(self, category: Category | int) -> list[int]:
        """The category's id and those of every category under it."""
        ids: list[int] = []
        stack: list[int] = [category.pk if isinstance(category, Category) else category]
        while stack:
            current = stack.pop()
            ids.append(current)
            stack.extend(self.children.get(current, []))
        return ids

    def top(self, category_id: int) -> Category:
        """The main category that `category_id` is (or sits under)."""
        category = self.by_id[category_id]
        while category.parent_id is not None and category.parent_id in self.by_id:
            category = self.by_id[category.parent_id]
        return category

    def grouped_choices(self, *, value: str = "pk", general_label: str | None = None) -> list[tuple[str, list]]:
        """[(main category's name, [(value, name), ...]), ...]: each main category first in its own group.

        general_label (e.g. "%(name)s (general)") names the main category's own choice inside its group.
        """
        groups = []
        for node in self.roots:
            top = node.category
            label = general_label % {"name": top.name} if general_label else top.name
            groups.append(
                (top.name, [(getattr(top, value), label), *((getattr(c, value), c.name) for c in node.children)])
            )
        return groups

    def flat_choices(self, *, value: str = "slug", separator: str = " › ") -> list[tuple[str, str]]:
        """[(value, "Main › Sub"), ...]: each main category followed by its sub-categories."""
        choices = []
        for node in self.roots:
            choices.append((getattr(node.category, value), node.category.name))
            choices.extend((getattr(c, value), f"{node.category.name}{separator}{c.name}") for c in node.children)
        return choices


def category_tree(*, queryset: QuerySet[Category] | None = None) -> CategoryTree:
    """The territory's category tree (one query)."""
    return CategoryTree(queryset if queryset is not None else Category.objects.all())


def category_tree_with_usage() -> CategoryTree:
    """The tree for staff, each category annotated with its products and shops count (one query)."""
    return category_tree(
        queryset=Category.objects.annotate(
            product_count=Count("products", distinct=True), shop_count=Count("shops", distinct=True)
        )
    )
