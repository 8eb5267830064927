"""Writes on the payment policy: the territory's (its team: modes offered, commission, acceptance delay)
and each shop's choice within it (its owner)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.common.single_row import single_row_write
from vitrine.payments.models import PaymentSettings, ShopPayment
from vitrine.payments.selectors import payment_settings
from vitrine.payments.stripe_api import online_payment_configured
from vitrine.shops.models import Shop
from vitrine.shops.permissions import shop_member_check, staff_check

COMMISSION_BASIS_POINTS_MAX = 3000  # 30 %
COMMISSION_FIXED_CENTS_MAX = 10_000  # 100 €
# A card authorisation holds about 7 days (less for some brands): the shops' answer comes well before.
ACCEPTANCE_HOURS = (1, 120)


@transaction.atomic
def payment_settings_update(
    *,
    actor: User,
    offers_pickup: bool,
    offers_online: bool,
    commission_basis_points: int,
    commission_fixed_cents: int,
    acceptance_hours: int,
) -> PaymentSettings:
    """Set how shoppers of the territory may pay, the platform's commission on orders paid online, and how
    long shops have to accept an order paid online. Territory staff only.

    Orders already paid keep the commission they were placed with; the next checkouts use these.
    """
    staff_check(actor)
    errors: dict[str, list[str]] = {}
    if not (offers_pickup or offers_online):
        errors["offers"] = [_("Offer at least one way to pay.")]
    elif offers_online and not online_payment_configured():
        errors["offers"] = [
            _("Online payment is not set up on this platform yet: keep payment at pickup only for now.")
        ]
    if not 0 <= commission_basis_points <= COMMISSION_BASIS_POINTS_MAX:
        errors["commission_basis_points"] = [_("Enter a commission between 0 and 30 %.")]
    if not 0 <= commission_fixed_cents <= COMMISSION_FIXED_CENTS_MAX:
        errors["commission_fixed_cents"] = [_("Enter an amount per order between 0 and 100 €.")]
    low, high = ACCEPTANCE_HOURS
    if not low <= acceptance_hours <= high:
        errors["acceptance_hours"] = [
            _("Choose between %(low)s and %(high)s hours: a card payment is held for about 7 days only.")
            % {"low": low, "high": high}
        ]
    if errors:
        raise ValidationError(errors)
    settings = single_row_write(
        PaymentSettings,
        values={
            "offers_pickup": offers_pickup,
            "offers_online": offers_online,
            "commission_basis_points": commission_basis_points,
            "commission_fixed_cents": commission_fixed_cents,
            "acceptance_hours": acceptance_hours,
        },
        actor=actor,
    )
    audit_record(
        actor=actor,
        verb="payments.settings",
        payload={
            "offers_pickup": offers_pickup,
            "offers_online": offers_online,
            "commission_basis_points": commission_basis_points,
            "commission_fixed_cents": commission_fixed_cents,
            "acceptance_hours": acceptance_hours,
        },
    )
    return settings


@transaction.atomic
def shop_payment_modes_update(*, shop: Shop, actor: User, accepts_pickup: bool, accepts_online: bool) -> ShopPayment:
    """Set how the shop's customers may pay it, within the territory's modes (its owner only).

    Online payment counts only once the shop's Stripe account can receive transfers; until then a
    shop keeps payment at pickup. The next checkouts follow; orders placed keep their mode.
    """
    shop_member_check(shop=shop, user=actor, owner_only=True)
    ShopPayment.objects.get_or_create(shop=shop)
    row = ShopPayment.objects.select_for_update().get(shop=shop)
    policy = payment_settings()
    online_offered = policy.offers_online and online_payment_configured()
    pickup = accepts_pickup and policy.offers_pickup
    online = accepts_online and online_offered
    if not (pickup or online):
        raise ValidationError({"__all__": [_("Choose at least one way for your customers to pay.")]})
    if policy.offers_pickup and not pickup and not row.can_receive_transfers:
        raise ValidationError(
            {
                "accepts_pickup": [
                    _("Until your Stripe account is active, your customers pay at pickup: keep this mode.")
                ]
            }
        )
    # A mode the territory does not offer keeps the shop's earlier choice, for the day it does.
    if policy.offers_pickup:
        row.accepts_pickup = accepts_pickup
    if online_offered:
        row.accepts_online = accepts_online
    row.save(update_fields=["accepts_pickup", "accepts_online", "updated_at"])
    audit_record(
        actor=actor,
        verb="payments.shop_modes",
        obj=shop,
        payload={"accepts_pickup": row.accepts_pickup, "accepts_online": row.accepts_online},
    )
    return row
