"""Reads for the territory team's pages that span apps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Field, Model, Prefetch
from django.utils.functional import Promise

from vitrine.audit.labels import DETAIL_LABELS, detail_value, details_in_words
from vitrine.audit.models import AuditEvent
from vitrine.catalog.models import Product
from vitrine.catalog.selectors import shop_readiness_annotate
from vitrine.orders.models import Order, OrderSettings, PickupSettings
from vitrine.shops.models import Shop, ShopMember


def _field_label(model: type[Model], name: str) -> str | Promise:
    """A settings field's own label (its verbose name, translated where it is shown)."""
    return cast(Field, model._meta.get_field(name)).verbose_name


# The shared labels, and the order settings' fields by their own names.
AUDIT_DETAILS = {
    **DETAIL_LABELS,
    **{name: _field_label(PickupSettings, name) for name in ("lead_time_minutes", "slot_minutes", "slot_capacity")},
    **{
        name: _field_label(OrderSettings, name)
        for name in ("not_collected_after_days", "reminder_days_before", "unpaid_release_minutes")
    },
}


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    details: list[tuple[str, str]]


def _detail_value(event: AuditEvent, key: str, value: Any) -> str:
    if key == "from":  # a status code: the order's or the shop's, in words
        statuses = Order.Status if event.verb.startswith("order.") else Shop.Status
        return str(statuses(value).label) if value in statuses.values else str(value or "—")
    return detail_value(value)


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """The trail's rows with their details in the team's language: labels, statuses in words."""
    rows = []
    for event in events:

        def value(key: str, item: Any, event: AuditEvent = event) -> str:
            return _detail_value(event, key, item)

        rows.append(AuditRow(event, details_in_words(event.payload, labels=AUDIT_DETAILS, value=value)))
    return rows


def shop_staff_detail(*, pk: int) -> Shop:
    """A shop with what the staff page shows: team, products (with staff reasons), what it lacks for shoppers."""
    return (
        shop_readiness_annotate(Shop.objects.all(), checks=True)
        .select_related("commune", "category", "category__parent")
        .prefetch_related(
            Prefetch("members", queryset=ShopMember.objects.select_related("user").order_by("-role", "created_at")),
            Prefetch("products", queryset=Product.objects.order_by("-created_at")),
        )
        .get(pk=pk)
    )
