"""Everything the marketplace keeps about a person, as plain data (GDPR right of access)."""

from __future__ import annotations

from typing import Any

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.orders.models import Order


def account_data_export(*, user: User) -> dict[str, Any]:
    """Everything the marketplace keeps about the person, as plain data (GDPR right of access)."""
    orders = (
        Order.objects.filter(customer=user)
        .select_related("shop__commune")
        .prefetch_related("lines", "events")
        .order_by("created_at", "id")
    )
    decisions = AuditEvent.objects.filter(actor=user).order_by("created_at", "id")
    return {
        "decisions": [
            {"what": event.verb, "on": event.object_label, "at": event.created_at.isoformat(), "details": event.payload}
            for event in decisions
        ],
        "account": {
            "email": user.email,
            "name": user.full_name,
            "role": user.role,
            "joined": user.date_joined.isoformat(),
            "last_sign_in": user.last_login.isoformat() if user.last_login else None,
        },
        "orders": [
            {
                "shop": order.shop.name,
                "placed_at": order.created_at.isoformat(),
                "status": order.status,
                "name": order.customer_name,
                "email": order.email,
                "phone": order.phone,
                "pickup_code": order.pickup_code,
                "pickup_starts_at": order.pickup_starts_at.isoformat(),
                "pickup_ends_at": order.pickup_ends_at.isoformat(),
                "total": str(order.total),
                "refusal_reason": order.refusal_reason,
                "lines": [
                    {
                        "title": line.title,
                        "variant": line.variant_name,
                        "unit_price": str(line.unit_price),
                        "quantity": line.quantity,
                    }
                    for line in order.lines.all()
                ],
                "history": [
                    {"from": event.from_status, "to": event.to_status, "at": event.created_at.isoformat()}
                    for event in order.events.all()
                ],
            }
            for order in orders
        ],
    }
