import json
import logging
import mimetypes
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, RawPostDataException
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.static import serve

from vitrine.common.http import next_url_safe
from vitrine.common.throttling import throttle


def media_serve(request: HttpRequest, name: str) -> HttpResponse:
    """Serve an uploaded file from local storage, only on its own territory's host (no bucket set).

    Media names start with the territory's schema (common.storage): another territory's
    files, and any file on the console, answer 404.
    """
    tenant = getattr(request, "tenant", None)
    if tenant is None or not name.startswith(f"{tenant.schema_name}/"):
        raise Http404
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    if prefix:
        # Behind the proxy, which reads the same volume: it sends the file (a suspended
        # territory never gets here: the routing answers its closed page first).
        if ".." in name.split("/") or not name.strip("/"):
            raise Http404
        response = HttpResponse(content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
        response["X-Accel-Redirect"] = prefix + quote(name)
        return response
    return serve(request, name, document_root=settings.MEDIA_ROOT)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (CSRF): a French 403 in the territory's branding, not Django's English page.

    Django renders its own failure template without the request, so no branding: hence this view.
    """
    return render(request, "403_csrf.html", status=403)


@require_http_methods(["GET", "POST"])
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember the visitor's language in a cookie and go back where they were.

    A link (GET `?language=en&next=/...`), so that the page holding it carries no form, hence no
    CSRF token, and can be cached whole (common.pagecache); a form's POST still works. Another site
    linking here can do no more than change a visitor's language, which the page lets them undo.
    """
    data = request.POST if request.method == "POST" else request.GET
    language = data.get("language", settings.LANGUAGE_CODE)
    response = HttpResponseRedirect(next_url_safe(request, data.get("next", "/"), default="/"))
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
@throttle("csp_report")
def csp_report(request: HttpRequest) -> HttpResponse:
    """Record what the Content-Security-Policy blocked, as the browser reports it (bounded, logged)."""
    if int(request.headers.get("Content-Length") or 0) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        report = json.loads(request.body[:CSP_REPORT_MAX_BYTES]).get("csp-report", {})
    except (ValueError, AttributeError, RawPostDataException):  # not JSON, or a form (already read as one)
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
