"""What a search takes (words, filters) and gives (a page of products, facets, suggestions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from vitrine.catalog.models import Category, Product

PER_PAGE = 24
COUNT_LIMIT = 1000


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
        return bool(
            self.category_slug
            or self.commune_slug
            or self.shop_slug
            or self.price_min is not None
            or self.price_max is not None
            or self.in_stock
        )


@dataclass(frozen=True)
class Facet:
    slug: str
    name: str
    count: int | None  # None when the search found more than COUNT_LIMIT products
    selected: bool = False


@dataclass(frozen=True)
class ShopHit:
    """A shop whose name or trade holds the words, as the search's "Shops" block shows it."""

    slug: str
    name: str
    trade: str  # its category's name
    commune: str
    ready: bool  # False: "coming soon" (catalog.selectors.SHOP_READINESS_CHECKS)


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
    shop_hits: list[ShopHit] = field(default_factory=list)
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
