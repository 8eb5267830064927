"""Send sessions that still owe a second factor to the code page (or, for those who must
have one and have none yet, to setting it up) before any other page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from vitrine.accounts.two_factor import PENDING_SESSION_KEY, two_factor_enabled, two_factor_required

# Pages an unverified session may still open: the two-factor pages themselves, signing
# out, the language switch, health checks and files.
OPEN_PAGES = {
    "two_factor_verify",
    "two_factor_setup",
    "logout",
    "set_language",
    "healthz",
    "livez",
    "metrics",
    "media",
    "tls-ask",
}


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: refuse unverified sessions that need a code.

    Costs nothing for shoppers and merchants without two-factor sign-in: their
    session carries no pending mark, and their role does not require it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]  # OTPMiddleware's
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_PAGES:
            return None
        pending = request.session.get(PENDING_SESSION_KEY)
        if not pending and not two_factor_required(user):
            return None
        page = "two_factor_verify" if pending or two_factor_enabled(user) else "two_factor_setup"
        return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
