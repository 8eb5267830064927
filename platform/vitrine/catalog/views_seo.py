"""robots.txt and sitemap.xml of a territory's host: what crawlers may read, and where it is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from vitrine.catalog.seo import legal_paths, sitemap_entries
from vitrine.tenancy.selectors import territory_base_url_cached

# Private areas, the cart and checkout, and searches with more than one parameter (endless
# combinations of filters and pages that would waste a crawler's visit on copies of the
# catalogue). A search for one word stays readable: "bijou Nancy" may land on it, and its
# canonical address is the search page itself.
ROBOTS_DISALLOWED = ("/compte/", "/pro/", "/espace/", "/equipe/", "/panier/", "/recherche/*&", "/langue/")
SITEMAP_MAX_AGE = 3600  # seconds: a new product reaches crawlers within the hour


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    base_url = territory_base_url_cached(request.tenant)
    lines = ["User-agent: *"]
    # The legal pages are named, so they stay readable whatever folder a deployment puts them in.
    lines += [f"Allow: {path}" for path in legal_paths()]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOWED]
    lines += ["Allow: /", "", f"Sitemap: {base_url}/sitemap.xml", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    base_url = territory_base_url_cached(request.tenant)
    body = render_to_string("catalog/sitemap.xml", {"entries": sitemap_entries(base_url=base_url)})
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={SITEMAP_MAX_AGE}"
    return response
