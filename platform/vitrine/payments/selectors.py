"""Reads of the payment policy: what the territory offers, what each shop takes."""

from __future__ import annotations

from collections.abc import Iterable

from vitrine.payments.models import PaymentSettings, ShopPayment
from vitrine.payments.stripe_api import online_payment_configured
from vitrine.shops.models import Shop

PICKUP, ONLINE = "pickup", "online"


def payment_settings() -> PaymentSettings:
    """The territory's payment policy (the defaults until its team changes it: pay at pickup only, no commission)."""
    return PaymentSettings.objects.filter(pk=1).first() or PaymentSettings(pk=1)


def shop_payments_for(*, shop_ids: Iterable[int]) -> dict[int, ShopPayment]:
    """The shops' payment rows by shop id (a shop without one has the defaults)."""
    ids = list(shop_ids)
    found = {row.shop_id: row for row in ShopPayment.objects.filter(shop_id__in=ids)}
    return {pk: found.get(pk) or ShopPayment(shop_id=pk) for pk in ids}


def shop_payment_modes(*, shop: Shop, policy: PaymentSettings, row: ShopPayment) -> frozenset[str]:
    """How a shopper may pay this shop: within the territory's modes, the shop's choice; online only when
    online payment is configured and the shop's account can receive transfers. Never empty: a shop left
    with nothing (online only, account not ready) takes payment at pickup."""
    modes = set()
    if policy.offers_pickup and row.accepts_pickup:
        modes.add(PICKUP)
    if policy.offers_online and row.accepts_online and row.can_receive_transfers and online_payment_configured():
        modes.add(ONLINE)
    return frozenset(modes or {PICKUP})
