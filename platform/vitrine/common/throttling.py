"""Throttling's small pieces: who the client is, and the rate-limit decorator views wear.

A view names its group (`@throttle("sign_up")`); the group's rate is read from
settings.VITRINE_RATE_LIMITS at each request, so settings (and tests) change it without
touching the views. Counters live in the "throttle" cache, whose keys start with the current
schema: a territory's visitors never use up another's limits. Over the limit, the request stops
before the view runs (nothing saved, nothing sent) and the visitor gets the 429 page
(common.views.too_many_requests, through django-ratelimit's middleware).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import user_or_ip
from django_ratelimit.decorators import ratelimit

# Not a bind: the one bucket of requests that come without an address (a Unix socket).
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the one they saw.

    Each proxy appends the address it was reached from to X-Forwarded-For, so with n trusted
    proxies the client is the n-th entry from the right; entries further left are whatever the
    client wrote. Without trusted proxies the header is ignored.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            found = _address(hops[-count])
            if found:
                return found
    return _address(request.META.get("REMOTE_ADDR") or "")


def client_ip_key(request: HttpRequest) -> str:
    """client_ip for django-ratelimit, which needs a string (IPv6 addresses are grouped by /64)."""
    return client_ip(request) or UNKNOWN_ADDRESS


def sign_in_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The account a sign-in is for, as accounts keep it (trimmed, lower case): "Ana@X.fr " is "ana@x.fr".

    Without it, changing a letter's case would start a fresh count of failures.
    """
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username")
    username = (username or "").strip().lower()[:254]
    return username or None


def rate_of_group(group: str, request: HttpRequest) -> str | None:
    """The group's rate from settings (None: not limited)."""
    return settings.VITRINE_RATE_LIMITS.get(group)


def email_key(field: str) -> Callable[[str, HttpRequest], str]:
    """A rate-limit key: the email address posted in `field` (the account's own when signed in).

    A request without an address counts against its client's address instead, so that empty
    forms do not share one bucket that anyone could fill.
    """

    def key(group: str, request: HttpRequest) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Their own bucket: strangers posting this person's address cannot use it up.
            return f"user:{user.pk}"
        email = request.POST.get(field, "").strip().lower()[:254]
        return f"email:{email}" if email else f"ip:{user_or_ip(request)}"

    return key


def throttle(group: str, *, key: str | Callable[[str, HttpRequest], str] = "ip", method: Any = "POST") -> Callable:
    """Limit a view to settings.VITRINE_RATE_LIMITS[group] requests per `key` (client address by default).

    Only `method` requests count (POST by default: the ones that write or send); stacked
    decorators each count on their own (per client and per email address, say).
    """
    return ratelimit(group=group, key=key, rate=rate_of_group, method=ALL if method is None else method, block=True)
