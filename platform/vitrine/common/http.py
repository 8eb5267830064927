"""Where to send people next: a `next` address, only if it stays on this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_url_safe(request: HttpRequest, wanted: str | None = None, *, default: str = "") -> str:
    """`wanted` (else the request's `next`, posted or in the address) when it is on this host, else `default`.

    Never another site (an open redirect), never from https down to http.
    """
    if wanted is None:
        wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default
