"""Hold the counts a view makes until its answer is known: only a 200 to a person's GET counts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from vitrine.common.tasks import task_send
from vitrine.metrics import counting, services, tasks

# The merchant and team areas are never counted, whatever a view there calls.
AREA_PREFIXES = ("/pro/", "/equipe/", "/espace/")


def request_counts(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether a request's counts are kept: a person's GET of a public page, answered 200, not a prefetch."""
    meta = request.META
    return (
        request.method == "GET"
        and response.status_code == 200
        and not request.path.startswith(AREA_PREFIXES)
        and "prefetch" not in (meta.get("HTTP_SEC_PURPOSE", "") + meta.get("HTTP_PURPOSE", "")).lower()
        and not counting.is_bot(meta.get("HTTP_USER_AGENT", ""))
        and not is_insider(request)
    )


# The accounts' role of shoppers (accounts.models.User.Role.SHOPPER: accounts sits above metrics).
SHOPPER_ROLE = "shopper"


def is_insider(request: HttpRequest) -> bool:
    """A signed-in merchant, shop employee, territory team member or operator: their visits are not counted.

    Every member of a shop has the merchant role (shops.notices.merchant_account_ensure gives it),
    so the role on the user says it without asking for the shop's team. No query: the user was
    loaded before any view ran (accounts' TwoFactorMiddleware asks `is_authenticated` of every
    request that reaches a view, and only views count), so this reads what is already in memory.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_staff) or getattr(user, "role", SHOPPER_ROLE) != SHOPPER_ROLE


class CountingMiddleware:
    """Keep a request's counts when it was a GET answered 200 to something other than a crawler.

    The user agent is read here, to leave crawlers out, and never stored. No query: the counts go
    to the buffer (one Redis round trip), the database gets them from the periodic flush.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = counting.request_begin()
        keep = False
        try:
            response = self.get_response(request)
            keep = counting.has_pending() and request_counts(request, response)
        finally:
            flush_now = counting.request_end(token, keep=keep)
        if flush_now:
            if isinstance(counting.buffer(), counting.RedisBuffer):
                task_send(tasks.daily_counts_flush)
            else:
                services.daily_counts_flush()  # no Redis: this process's memory, written by itself
        return response
