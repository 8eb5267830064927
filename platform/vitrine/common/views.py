import json
import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.static import serve


def media_serve(request: HttpRequest, name: str) -> HttpResponse:
    """Serve an uploaded file from local storage, only on its own territory's host (no bucket set).

    Media names start with the territory's schema (common.storage): another territory's
    files, and any file on the console, answer 404.
    """
    tenant = getattr(request, "tenant", None)
    if tenant is None or not name.startswith(f"{tenant.schema_name}/"):
        raise Http404
    return serve(request, name, document_root=settings.MEDIA_ROOT)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember the visitor's language in a cookie and go back where they were."""
    language = request.POST.get("language", settings.LANGUAGE_CODE)
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


CSP_REPORT_MAX_BYTES = 16 * 1024
csp_logger = logging.getLogger("vitrine.csp")


@csrf_exempt  # browsers send reports without a token, by design
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Record what the Content-Security-Policy blocked, as the browser reports it (bounded, logged)."""
    if int(request.headers.get("Content-Length") or 0) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        report = json.loads(request.body[:CSP_REPORT_MAX_BYTES]).get("csp-report", {})
    except (ValueError, AttributeError):
        return HttpResponse(status=400)
    if not isinstance(report, dict):
        return HttpResponse(status=400)
    fields = ("document-uri", "violated-directive", "effective-directive", "blocked-uri", "source-file", "line-number")
    csp_logger.warning(
        "CSP blocked %s on %s",
        str(report.get("blocked-uri", ""))[:200],
        str(report.get("document-uri", ""))[:200],
        extra={"csp": {field: str(report.get(field, ""))[:300] for field in fields}},
    )
    return HttpResponse(status=204)


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 429 page of a rate limit reached (common.throttling), in the territory's branding."""
    return render(request, "429.html", {"lockout": False}, status=429)


def sign_in_locked(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The 429 page of a sign-in locked by django-axes (too many wrong passwords for this account here)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    response = render(request, "429.html", {"lockout": True, "minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


@require_GET
def robots_closed(request: HttpRequest) -> HttpResponse:
    """robots.txt of a host with nothing to index (the console): everything disallowed."""
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain; charset=utf-8")
