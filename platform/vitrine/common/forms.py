"""Small helpers shared by the forms of every area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def errors_to_form(form, exc: ValidationError, *, fields: dict[str, str] | None = None) -> None:
    """Show a service's errors on the form: on their field when it has one, above it otherwise.

    `fields` maps a service's field name to the form's where they differ ({"photos": "photo"}).
    """
    for field, errors in exc.message_dict.items():
        field = (fields or {}).get(field, field)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def form_apply(
    request: HttpRequest, form, apply: Callable[[], Any], *, done: str | Callable[[Any], str], then: str
) -> HttpResponse | None:
    """Run a service for a valid POSTed form; its redirect on success, None to show the form again.

    `apply` calls the service (it reads form.cleaned_data); a ValidationError it raises goes on the
    form, field by field. On success the person reads `done` (or what `done(result)` returns, when
    it names what the service made) on the page `then` (a URL or URL name).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = apply()
    except ValidationError as exc:
        errors_to_form(form, exc)
        return None
    messages.success(request, done(result) if callable(done) else done)
    return redirect(then)


def form_render(request: HttpRequest, template: str, context: dict, *forms) -> HttpResponse:
    """Render a page of forms: 400 when a submitted one has errors (tests and assistive tech tell), else 200."""
    status = 400 if any(form is not None and form.is_bound and form.errors for form in forms) else 200
    return render(request, template, context, status=status)
