"""The shoppers' search page: /recherche/?q=..."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from vitrine.catalog.seo import PageSeo
from vitrine.catalog.services import price_parse
from vitrine.common.pagecache import page_cache
from vitrine.common.throttling import throttle
from vitrine.metrics.counting import count
from vitrine.search.selectors import SearchFilters, product_search
from vitrine.search.text import MAX_QUERY_LENGTH, counted_search_key
from vitrine.search.types import SearchPage


def price_filter_parse(text: str) -> Decimal | None:
    """A price filter as shoppers type it ("12", "12,5", "12.50 €"); None when left empty.

    The catalogue's own parser (the same rules as a merchant's prices); raises ValidationError.
    """
    return price_parse(text) if (text or "").strip() else None


@throttle("search", method="GET")
@page_cache  # under the throttle: a page served from the cache still counts against the limit
def search(request: HttpRequest) -> HttpResponse:
    """Products of every shop of the territory matching the words and filters, with facets."""
    params = request.GET
    query = params.get("q", "").strip()[:MAX_QUERY_LENGTH]
    errors = []
    prices = {}
    for name, label in (("prix_min", _("Minimum price")), ("prix_max", _("Maximum price"))):
        try:
            prices[name] = price_filter_parse(params.get(name, ""))
        except ValidationError:
            prices[name] = None
            errors.append(_("%(field)s: enter an amount in euros, such as 12,50.") % {"field": label})
    if prices["prix_min"] is not None and prices["prix_max"] is not None and prices["prix_min"] > prices["prix_max"]:
        errors.append(_("The minimum price is above the maximum price."))
        prices = {"prix_min": None, "prix_max": None}
    filters = SearchFilters(
        category_slug=params.get("categorie", "")[:100],
        commune_slug=params.get("commune", "")[:140],
        shop_slug=params.get("boutique", "")[:140],
        price_min=prices["prix_min"],
        price_max=prices["prix_max"],
        in_stock=params.get("en_stock") == "1",
    )
    try:
        page = int(params.get("page", "1"))
    except ValueError:
        page = 1
    result = product_search(query=query, filters=filters, page=page)
    # The current search as query strings: every link keeps it and changes one thing.
    state = {
        "q": query,
        "categorie": filters.category_slug,
        "commune": filters.commune_slug,
        "boutique": filters.shop_slug,
        "prix_min": params.get("prix_min", "") if prices["prix_min"] is not None else "",
        "prix_max": params.get("prix_max", "") if prices["prix_max"] is not None else "",
        "en_stock": "1" if filters.in_stock else "",
    }

    def link(**changes: str) -> str:
        merged = {**state, **changes}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    context = {
        "result": result,
        "query": query,
        "errors": errors,
        "state": state,
        "count_limit": number_format(result.count_limit, force_grouping=True),
        "page_query": urlencode({k: v for k, v in state.items() if v}),
        "category_links": [(f, link(categorie="" if f.selected else f.slug)) for f in result.categories],
        "commune_links": [(f, link(commune="" if f.selected else f.slug)) for f in result.communes],
        "shop_links": [(f, link(boutique="" if f.selected else f.slug)) for f in result.shops],
        "clear_filters": "?" + urlencode({"q": query}) if query else "?",
        "suggestion_links": [
            (s, "?" + urlencode({"q": s.value}) if s.kind == "query" else "?" + urlencode({"categorie": s.value}))
            for s in result.suggestions
        ],
        "seo": PageSeo(
            description=_("Search the products of every independent shop of %(name)s, then collect in store.")
            % {"name": request.tenant.name}
        ),
    }
    fresh = page <= 1 and not any(params.get(name) for name in FILTER_PARAMETERS)
    search_count(result, fresh=fresh)
    return render(request, "search/search.html", context)


# The filters a shopper adds to a search (facet links, the filter form): a page with any of them
# is a search refined, not a new one.
FILTER_PARAMETERS = ("categorie", "commune", "boutique", "prix_min", "prix_max", "en_stock")


def search_count(result: SearchPage, *, fresh: bool) -> None:
    """Count the page; for a fresh search (its first page, no filter), its words, whether it found nothing, its shops.

    A facet click, a filter or the next page keep the words in the address: counting them again
    would count one search several times, call "found nothing" what the filters left out, and
    count a shop once per click. The words are counted without what could say who someone is
    (search.text.counted_search_key); the shops are those of the products on the first page.
    Only what the search already loaded: no query.
    """
    count(kind="page", key="search")
    if not fresh:
        return
    words = counted_search_key(result.query)
    if words:
        count(kind="search", key=words)
        if result.total == 0:
            count(kind="search_empty", key=words)
    for shop_id in dict.fromkeys(product.shop_id for product in result.products):
        count(kind="search_shop", shop_id=shop_id)
