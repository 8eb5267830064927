"""Writes on the order settings: a shop's pickup settings (its owner), the territory's order rules (its team)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.common.single_row import single_row_write
from vitrine.orders.models import OrderSettings, PickupSettings
from vitrine.shops.models import Shop
from vitrine.shops.permissions import shop_member_check, staff_check

LEAD_TIME_MINUTES = (15, 48 * 60)  # at least a quarter of an hour, at most two days
SLOT_MINUTES = (5, 240)
SLOT_CAPACITY_MAX = 100
NOT_COLLECTED_AFTER_DAYS = (1, 30)
# Long enough to pay with a card, short enough that stock held for nothing is soon back online.
UNPAID_RELEASE_MINUTES = (5, 24 * 60)


@transaction.atomic
def pickup_settings_update(
    *,
    shop: Shop,
    actor: User,
    lead_time_minutes: int,
    slot_minutes: int,
    slot_capacity: int | None,
) -> PickupSettings:
    """Set how the shop takes Click & Collect orders (its owner only); the next checkouts' slots follow.

    Orders already placed keep their pickup time.
    """
    shop_member_check(shop=shop, user=actor, owner_only=True)
    errors: dict[str, list[str]] = {}
    if not LEAD_TIME_MINUTES[0] <= lead_time_minutes <= LEAD_TIME_MINUTES[1]:
        errors["lead_time_minutes"] = [_("Choose a preparation time between 15 minutes and 48 hours.")]
    if not SLOT_MINUTES[0] <= slot_minutes <= SLOT_MINUTES[1]:
        errors["slot_minutes"] = [_("Choose a slot length between 5 minutes and 4 hours.")]
    if slot_capacity is not None and not 1 <= slot_capacity <= SLOT_CAPACITY_MAX:
        errors["slot_capacity"] = [
            _("Enter a number of orders per slot between 1 and %(max)s, or leave it empty for no limit.")
            % {"max": SLOT_CAPACITY_MAX}
        ]
    if errors:
        raise ValidationError(errors)
    # Locked like at checkout: a checkout counting a slot's places sees the old or the new capacity, whole.
    settings = PickupSettings.objects.select_for_update().filter(shop=shop).first() or PickupSettings(shop=shop)
    settings.lead_time_minutes, settings.slot_minutes, settings.slot_capacity = (
        lead_time_minutes,
        slot_minutes,
        slot_capacity,
    )
    settings.updated_at, settings.updated_by = timezone.now(), actor
    if settings.pk is None:
        settings.save()
    else:
        settings.save(update_fields=["lead_time_minutes", "slot_minutes", "slot_capacity", "updated_at", "updated_by"])
    audit_record(
        actor=actor,
        verb="shop.pickup_settings",
        obj=shop,
        payload={"lead_time_minutes": lead_time_minutes, "slot_minutes": slot_minutes, "slot_capacity": slot_capacity},
    )
    return settings


@transaction.atomic
def order_settings_update(
    *,
    actor: User,
    not_collected_after_days: int,
    reminder_days_before: int,
    unpaid_release_minutes: int,
) -> OrderSettings:
    """Set the territory's delays: before an order not collected is released, the reminder before it,
    and before an order waiting for its online payment is cancelled.

    Territory staff only. The next run of the expiry task uses the new values.
    """
    staff_check(actor)
    errors: dict[str, list[str]] = {}
    low, high = NOT_COLLECTED_AFTER_DAYS
    if not low <= not_collected_after_days <= high:
        errors["not_collected_after_days"] = [
            _("Choose a number of days between %(low)s and %(high)s.") % {"low": low, "high": high}
        ]
    elif not 0 <= reminder_days_before <= not_collected_after_days:
        errors["reminder_days_before"] = [
            _("The reminder goes before the release: choose between 0 (no reminder) and %(days)s days.")
            % {"days": not_collected_after_days}
        ]
    low, high = UNPAID_RELEASE_MINUTES
    if not low <= unpaid_release_minutes <= high:
        errors["unpaid_release_minutes"] = [
            _("Choose a number of minutes between %(low)s and %(high)s.") % {"low": low, "high": high}
        ]
    if errors:
        raise ValidationError(errors)
    settings = single_row_write(
        OrderSettings,
        values={
            "not_collected_after_days": not_collected_after_days,
            "reminder_days_before": reminder_days_before,
            "unpaid_release_minutes": unpaid_release_minutes,
        },
        actor=actor,
    )
    audit_record(
        actor=actor,
        verb="orders.settings",
        payload={
            "not_collected_after_days": not_collected_after_days,
            "reminder_days_before": reminder_days_before,
            "unpaid_release_minutes": unpaid_release_minutes,
        },
    )
    return settings
