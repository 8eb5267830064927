"""Hold the counts a view makes until its answer is known: only a 200 to a person's GET counts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from vitrine.common.tasks import task_send
from vitrine.metrics import counting, services, tasks


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
            keep = (
                request.method == "GET"
                and response.status_code == 200
                and not counting.is_bot(request.META.get("HTTP_USER_AGENT", ""))
            )
        finally:
            flush_now = counting.request_end(token, keep=keep)
        if flush_now:
            if isinstance(counting.buffer(), counting.RedisBuffer):
                task_send(tasks.daily_counts_flush)
            else:
                services.daily_counts_flush()  # no Redis: this process's memory, written by itself
        return response
