from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from vitrine.theming.services import territory_tokens, tokens_css, tokens_version


@require_GET
def theme_css(request: HttpRequest) -> HttpResponse:
    """The territory's design tokens as CSS custom properties (versioned URL, cached long)."""
    tokens = territory_tokens(request.tenant)
    response = HttpResponse(tokens_css(tokens), content_type="text/css; charset=utf-8")
    if request.GET.get("v") == tokens_version(tokens):
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return response
