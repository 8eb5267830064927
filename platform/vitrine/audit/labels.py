"""How a decision's payload reads for people: its keys named, its values in words.

Shared by the territory team's trail (backoffice) and the console's log (console), which
record the same decisions (a territory's identity, its announcement) and must say them alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What the payload keys mean (ids kept for the dashboards are not listed, so not shown).
DETAIL_LABELS: dict[str, str | Promise] = {
    "from": gettext_lazy("before"),
    "reason": gettext_lazy("reason"),
    "note": gettext_lazy("note"),
    "email": gettext_lazy("email address"),
    "postcode": gettext_lazy("postcode"),
    "parent": gettext_lazy("inside"),
    "siret": "SIRET",
    "again": gettext_lazy("applying again"),
    "shop_name": gettext_lazy("shop"),
    "name": gettext_lazy("name"),
    "text": gettext_lazy("text"),
    "until": gettext_lazy("until"),
    "primary_color": gettext_lazy("primary colour"),
    "logo": gettext_lazy("logo"),
    "expansion": gettext_lazy("also finds"),  # a search synonym
    # the team's levers (issue #12): featuring, nudges, scheduled announcements
    "shop": gettext_lazy("shop"),
    "position": gettext_lazy("position"),
    "days": gettext_lazy("days"),
    "subject": gettext_lazy("subject"),
    "starts_at": gettext_lazy("from"),
    "ends_at": gettext_lazy("until"),
    # the console's own decisions: provisioning a territory, adding a domain
    "slug": gettext_lazy("identifier"),
    "method": gettext_lazy("method"),
    "domains": gettext_lazy("domains"),
    "domain": gettext_lazy("domain"),
    "primary": gettext_lazy("main address"),
}
VALUE_WORDS: dict[str, str | Promise] = {
    "clone": gettext_lazy("copy of the template"),
    "migrations": gettext_lazy("migrations"),
    "stale": gettext_lazy("stale catalogue"),  # a nudge's reason
    "no_order": gettext_lazy("no recent order"),
}


def detail_value(value: Any) -> str:
    """A payload value in words: yes/no, a dash for nothing, lists joined."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    if value in (None, ""):
        return "—"
    if isinstance(value, str) and value in VALUE_WORDS:
        return str(VALUE_WORDS[value])
    return str(value)


def details_in_words(
    payload: Mapping[str, Any],
    *,
    labels: Mapping[str, str | Promise] = DETAIL_LABELS,
    value: Callable[[str, Any], str] = lambda key, value: detail_value(value),
) -> list[tuple[str, str]]:
    """(label, value) pairs of the payload keys people read, in the active language."""
    return [(str(labels[key]), value(key, item)) for key, item in payload.items() if key in labels]
