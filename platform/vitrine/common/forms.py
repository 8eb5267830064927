"""Small helpers shared by the forms of every area."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def errors_to_form(form, exc: ValidationError, *, fields: dict[str, str] | None = None) -> None:
    """Show a service's errors on the form: on their field when it has one, above it otherwise.

    `fields` maps a service's field name to the form's where they differ ({"photos": "photo"}).
    """
    for field, errors in exc.message_dict.items():
        field = (fields or {}).get(field, field)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
