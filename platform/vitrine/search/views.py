"""The shoppers' search page: /recherche/?q=..."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from vitrine.search.selectors import SearchFilters, product_search
from vitrine.search.text import MAX_QUERY_LENGTH

MAX_PRICE = Decimal("9999999.99")


def price_parse(text: str) -> Decimal | None:
    """A price in euros as shoppers type it ("12,50", "12.5", "1 200 €"); None when empty.

    Raises ValueError on anything else (letters, negative, too many decimals).
    """
    cleaned = (text or "").replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value < 0 or value > MAX_PRICE or value.as_tuple().exponent < -2:
        raise ValueError(text)
    return value


def search(request: HttpRequest) -> HttpResponse:
    """Products of every shop of the territory matching the words and filters, with facets."""
    params = request.GET
    query = params.get("q", "").strip()[:MAX_QUERY_LENGTH]
    errors = []
    prices = {}
    for name, label in (("prix_min", _("Minimum price")), ("prix_max", _("Maximum price"))):
        try:
            prices[name] = price_parse(params.get(name, ""))
        except ValueError:
            prices[name] = None
            errors.append(_("%(field)s: enter an amount in euros, such as 12,50.") % {"field": label})
    if prices["prix_min"] is not None and prices["prix_max"] is not None and prices["prix_min"] > prices["prix_max"]:
        errors.append(_("The minimum price is above the maximum price."))
        prices = {"prix_min": None, "prix_max": None}
    filters = SearchFilters(
        category_slug=params.get("categorie", "")[:100], commune_slug=params.get("commune", "")[:140],
        shop_slug=params.get("boutique", "")[:140], price_min=prices["prix_min"], price_max=prices["prix_max"],
        in_stock=params.get("en_stock") == "1",
    )
    try:
        page = int(params.get("page", "1"))
    except ValueError:
        page = 1
    result = product_search(query=query, filters=filters, page=page)
    # The current search as query strings: every link keeps it and changes one thing.
    state = {
        "q": query, "categorie": filters.category_slug, "commune": filters.commune_slug,
        "boutique": filters.shop_slug, "prix_min": params.get("prix_min", "") if prices["prix_min"] is not None else "",
        "prix_max": params.get("prix_max", "") if prices["prix_max"] is not None else "",
        "en_stock": "1" if filters.in_stock else "",
    }

    def link(**changes: str) -> str:
        merged = {**state, **changes}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    context = {
        "result": result, "query": query, "errors": errors, "state": state,
        "page_query": urlencode({k: v for k, v in state.items() if v}),
        "category_links": [(f, link(categorie="" if f.selected else f.slug)) for f in result.categories],
        "commune_links": [(f, link(commune="" if f.selected else f.slug)) for f in result.communes],
        "shop_links": [(f, link(boutique="" if f.selected else f.slug)) for f in result.shops],
        "clear_filters": "?" + urlencode({"q": query}) if query else "?",
        "suggestion_links": [
            (s, "?" + urlencode({"q": s.value}) if s.kind == "query" else "?" + urlencode({"categorie": s.value}))
            for s in result.suggestions
        ],
    }
    return render(request, "search/search.html", context)
