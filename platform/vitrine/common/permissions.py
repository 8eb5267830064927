"""One way to guard a page: a check that raises PermissionDenied, turned into a view decorator.

Checks raise subclasses of django.core.exceptions.PermissionDenied (a 403 page, never a 500),
so a service and the view in front of it refuse the same way. Each decorated view carries
`access` (a word such as "staff" or "owner"), which the permission-matrix test reads to know
what to expect of every URL, so a view added tomorrow is covered the day it is added.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


def access_required(check: Callable[[Any], None], *, access: str) -> Callable:
    """A decorator: anonymous visitors go to the sign-in page; `check(user)` refuses the others (403)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check(request.user)
            return view(request, *args, **kwargs)

        wrapper.access = access  # type: ignore[attr-defined]
        return wrapper

    return decorate
