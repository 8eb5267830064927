from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation


class LanguageMiddleware:
    """French unless the visitor chose another language (cookie), whatever the browser says.

    French public-sector sites speak French first; English is one click away.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestGuardMiddleware:
    """Refuse, before any view reads them, requests no page could handle well.

    - A body larger than a page accepts (413): an anonymous visitor's forms are small, a signed-in
      person's uploads are bounded by the largest one (import file, photos). Django would otherwise
      parse a 100 MB multipart upload into temporary files before any form refuses it.
    - A NUL character in the address, the query string or a form field (400): PostgreSQL text
      cannot hold one, so any query using it would fail with a server error.

    Both answer the site's own French error page (its 413.html or 400.html) and change nothing.
    Sits after the authentication middleware (it asks who is signing in), before any view.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.anonymous_max = settings.VITRINE_ANONYMOUS_MAX_BODY_BYTES
        self.signed_in_max = settings.VITRINE_MAX_BODY_BYTES

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._refuse(request, 400)
        if length > self.signed_in_max or (length > self.anonymous_max and not request.user.is_authenticated):
            return self._refuse(request, 413)
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or self._nul_in_form(request):
            return self._refuse(request, 400)
        return self.get_response(request)

    @staticmethod
    def _nul_in_form(request) -> bool:
        if request.method != "POST":
            return False
        try:
            fields = request.POST.lists()
        except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
            return False  # a body Django cannot read: reading it again in the view answers its 400
        return any("\x00" in key or any("\x00" in value for value in values) for key, values in fields)

    @staticmethod
    def _refuse(request, status: int):
        response = render(request, f"{status}.html", status=status)
        if status == 413:
            response["Connection"] = "close"  # the rest of the body is not read
        return response
