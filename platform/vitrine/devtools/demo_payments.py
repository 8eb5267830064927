"""`make demo`'s online payment: Nancy offers it, and its first Click & Collect shops are onboarded on the fake.

Runs only when the Stripe client points at the local fake (STRIPE_API_BASE, set by `make demo`).
The fake keeps its state in memory: each demo start creates the shops' accounts again (a shop
whose recorded account the fake does not know gets a new one) and completes their onboarding.
"""

from __future__ import annotations

from collections.abc import Callable

import requests
import stripe
from django.conf import settings
from django_tenants.utils import tenant_context

from vitrine.payments import stripe_api
from vitrine.payments.models import PaymentSettings, ShopPayment
from vitrine.payments.services_accounts import shop_stripe_account_apply, shop_stripe_account_ensure
from vitrine.shops.models import Shop
from vitrine.tenancy.models import Territory

DEMO_TERRITORY = "nancy"
DEMO_ONLINE_SHOPS = 3  # the first Click & Collect shops take online payment, the others pay at pickup
DEMO_COMMISSION_BASIS_POINTS = 200  # 2 %


def demo_payments_setup(*, write: Callable[[str], None]) -> None:
    """Switch online payment on in the demo's Nancy and onboard its first shops on the fake."""
    if not (settings.STRIPE_API_BASE and stripe_api.online_payment_configured()):
        return
    territory = Territory.objects.filter(schema_name=DEMO_TERRITORY).first()
    if territory is None:
        return
    client = stripe_api.client()
    with tenant_context(territory):
        PaymentSettings.objects.update_or_create(
            pk=1,
            defaults={
                "offers_pickup": True,
                "offers_online": True,
                "commission_basis_points": DEMO_COMMISSION_BASIS_POINTS,
            },
        )
        shops = [shop for shop in Shop.objects.order_by("pk") if shop.takes_orders][:DEMO_ONLINE_SHOPS]
        for shop in shops:
            row = ShopPayment.objects.filter(shop=shop).first()
            if row is not None and row.stripe_account_id:
                try:
                    stripe_api.call(client.v1.accounts.retrieve, row.stripe_account_id)
                except stripe.InvalidRequestError:  # an account of an earlier run of the fake
                    row.stripe_account_id = ""
                    row.save(update_fields=["stripe_account_id"])
            owner = shop.members.filter(role="owner").select_related("user").first()
            row = shop_stripe_account_ensure(shop=shop, actor=owner.user if owner else None)
            requests.post(
                f"{settings.STRIPE_API_BASE.rstrip('/')}/_fake/accounts/{row.stripe_account_id}/complete", timeout=5
            ).raise_for_status()
            shop_stripe_account_apply(account=stripe_api.call(client.v1.accounts.retrieve, row.stripe_account_id))
            write(f"  {shop.name}: takes online payment (Stripe account {row.stripe_account_id} on the fake)")
