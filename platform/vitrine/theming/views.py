from django.http import HttpRequest, HttpResponse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from vitrine.theming.services import territory_stylesheet


@require_GET
@gzip_page
def theme_css(request: HttpRequest) -> HttpResponse:
    """The territory's one stylesheet: tokens, shared sheets, theme (versioned URL, cached long)."""
    stylesheet = territory_stylesheet(request.tenant)
    response = HttpResponse(stylesheet.css, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == stylesheet.version:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return response
