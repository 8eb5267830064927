"""Who may use the console: platform operators (console accounts, in the public schema)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from vitrine.common.permissions import access_required


def operator_check(user) -> None:
    """Refuse anyone but a platform operator (a console account)."""
    if not user.is_staff:
        raise PermissionDenied("Platform operators only.")


# Console pages are for signed-in platform operators only.
operator_required = access_required(operator_check, access="operator")
