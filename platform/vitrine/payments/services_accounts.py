"""The shops' Stripe connected accounts: created once by the platform, onboarded on Stripe's hosted pages,
their state kept as Stripe last told it.

The account is created with a deterministic idempotency key (`account:<schema>:<shop id>`): a
click after a crash or a timeout between Stripe's answer and our write finds the same account
again (Stripe keeps keys at least 24 hours) instead of opening a second one. The account is
recorded, with its route in the public schema (Connect events name only the account), before
the onboarding link is asked for: a link that fails leaves a recorded account and nothing else.
"""

from __future__ import annotations

import uuid
from typing import Any

import stripe
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.payments import stripe_api
from vitrine.payments.inbox.models import StripeAccountRoute
from vitrine.payments.models import ShopPayment
from vitrine.shops.models import Shop
from vitrine.shops.permissions import shop_member_check

STATE_FIELDS = [
    "details_submitted",
    "charges_enabled",
    "payouts_enabled",
    "transfers_active",
    "requirements_due",
    "requirements_past_due",
    "disabled_reason",
    "stripe_synced_at",
    "updated_at",
]


def account_idempotency_key(*, schema_name: str, shop_id: int) -> str:
    """The one key a shop's account is created with: the same shop never gets two accounts."""
    return f"account:{schema_name}:{shop_id}"


def account_create_params(*, shop: Shop, schema_name: str) -> dict[str, Any]:
    """What Vitrine asks Stripe for: an account onboarded and looked after on Stripe's pages (Express
    dashboard), the platform paying the fees and bearing the losses (as Express requires), able to
    receive transfers (separate charges and transfers: the shops never take card payments themselves)."""
    return {
        "country": "FR",
        "email": shop.email,
        "business_profile": {"name": shop.name},
        "controller": {
            "requirement_collection": "stripe",
            "stripe_dashboard": {"type": "express"},
            "fees": {"payer": "application"},
            "losses": {"payments": "application"},
        },
        "capabilities": {"transfers": {"requested": True}},
        "metadata": {"territory": schema_name, "shop": str(shop.pk)},
    }


def _row_locked(shop: Shop) -> ShopPayment:
    """The shop's payment row, made with the defaults if it has none, locked until the transaction ends."""
    ShopPayment.objects.get_or_create(shop=shop)
    return ShopPayment.objects.select_for_update().get(shop=shop)


@transaction.atomic
def shop_stripe_account_ensure(*, shop: Shop, actor: User) -> ShopPayment:
    """The shop's row with its connected account: created on Stripe and recorded here the first time.

    The row is locked during the call, so two clicks make one request; Stripe unreachable rolls
    everything back (StripeUnavailable), and the next try sends the same key.
    """
    row = _row_locked(shop)
    if row.stripe_account_id and not row.deauthorized:
        return row
    schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection
    params = account_create_params(shop=shop, schema_name=schema)
    # A shop that disconnected its account starts again with a new one (a new key: the old one
    # would give back the disconnected account).
    key = account_idempotency_key(schema_name=schema, shop_id=shop.pk)
    if row.deauthorized:
        key = f"{key}:after:{row.stripe_account_id}"
    account = stripe_api.call(stripe_api.client().v1.accounts.create, key=key, **params)
    previous = row.stripe_account_id
    row.stripe_account_id = account.id
    row.deauthorized = False
    _state_set(row, _as_dict(account))
    row.save(update_fields=["stripe_account_id", "deauthorized", *STATE_FIELDS])
    StripeAccountRoute.objects.update_or_create(
        account_id=account.id, defaults={"schema_name": schema, "shop_id": shop.pk}
    )
    audit_record(
        actor=actor,
        verb="payments.stripe_account_create",
        obj=shop,
        payload={"account": account.id, **({"replaces": previous} if previous else {})},
    )
    return row


def shop_stripe_account_onboard(*, shop: Shop, actor: User, return_url: str, refresh_url: str) -> str:
    """Start or continue the shop's Stripe onboarding (its owner only): the address of Stripe's hosted page.

    The shop's connected account is created the first time (and recorded with its route), then a
    fresh Account Link is made: links are single-use and expire within minutes, so each visit gets
    its own. Raises StripeUnavailable when Stripe cannot be reached (nothing half-recorded).
    """
    shop_member_check(shop=shop, user=actor, owner_only=True)
    if shop.status != Shop.Status.APPROVED:
        # An account is opened for a shop the team has approved: applications and suspended shops wait.
        raise ValidationError(_("Online payment opens once the territory's team has approved your shop."))
    row = shop_stripe_account_ensure(shop=shop, actor=actor)
    return _link_create(shop=shop, row=row, actor=actor, return_url=return_url, refresh_url=refresh_url)


def shop_stripe_account_link_again(*, shop: Shop, actor: User, return_url: str, refresh_url: str) -> str | None:
    """A new onboarding link for a shop whose account exists (Stripe's refresh address: the old link expired).

    None when the shop has no account yet: it starts from the payment page, by its button.
    """
    shop_member_check(shop=shop, user=actor, owner_only=True)
    row = ShopPayment.objects.filter(shop=shop).first()
    if row is None or not row.stripe_account_id or row.deauthorized:
        return None
    return _link_create(shop=shop, row=row, actor=actor, return_url=return_url, refresh_url=refresh_url)


def _access_lost(error: stripe.StripeError) -> bool:
    """Whether Stripe refused because the platform no longer reaches the account (the shop disconnected it)."""
    return isinstance(error, stripe.PermissionError) or getattr(error, "code", None) == "account_invalid"


def _disconnected(account_id: str) -> ValidationError:
    # Stripe's event may not be here yet: what Stripe just said is as good.
    shop_stripe_account_deauthorize(account_id=account_id)
    return ValidationError(
        _("Your Stripe account is no longer connected to the marketplace: set up online payment again.")
    )


def _link_create(*, shop: Shop, row: ShopPayment, actor: User, return_url: str, refresh_url: str) -> str:
    # A link has no effect but itself and is single-use: a retry may well make another one, so
    # its key names this request only (a replayed key would give back an expired link).
    params: dict[str, Any] = {
        "account": row.stripe_account_id,
        "type": "account_onboarding",
        "return_url": return_url,
        "refresh_url": refresh_url,
        "collection_options": {"fields": "currently_due"},
    }
    try:
        link = stripe_api.call(
            stripe_api.client().v1.account_links.create,
            key=f"account_link:{row.stripe_account_id}:{uuid.uuid4().hex}",
            **params,
        )
    except stripe.StripeError as error:
        if _access_lost(error):
            raise _disconnected(row.stripe_account_id) from error
        raise
    audit_record(
        actor=actor, verb="payments.stripe_onboarding_start", obj=shop, payload={"account": row.stripe_account_id}
    )
    return link.url


def shop_stripe_account_sync(*, shop: Shop, actor: User) -> ShopPayment | None:
    """Fetch the shop's account from Stripe and keep its state (back from the onboarding, a member asking).

    None when the shop has no account. Raises StripeUnavailable when Stripe cannot be reached,
    ValidationError when Stripe says the account is no longer the platform's (then recorded so).
    """
    shop_member_check(shop=shop, user=actor)
    row = ShopPayment.objects.filter(shop=shop).first()
    if row is None or not row.stripe_account_id or row.deauthorized:
        return row
    try:
        account = stripe_api.call(stripe_api.client().v1.accounts.retrieve, row.stripe_account_id)
    except stripe.StripeError as error:
        if _access_lost(error):
            raise _disconnected(row.stripe_account_id) from error
        raise
    return shop_stripe_account_apply(account=account)


def _as_dict(account: Any) -> dict[str, Any]:
    return account.to_dict() if hasattr(account, "to_dict") else dict(account)


def _codes(value: Any) -> list[str]:
    return sorted(str(code) for code in (value or []))


def _state_set(row: ShopPayment, account: dict[str, Any]) -> None:
    requirements = account.get("requirements") or {}
    capabilities = account.get("capabilities") or {}
    row.details_submitted = bool(account.get("details_submitted"))
    row.charges_enabled = bool(account.get("charges_enabled"))
    row.payouts_enabled = bool(account.get("payouts_enabled"))
    row.transfers_active = capabilities.get("transfers") == "active"
    row.requirements_due = _codes(requirements.get("currently_due"))
    row.requirements_past_due = _codes(requirements.get("past_due"))
    row.disabled_reason = (requirements.get("disabled_reason") or "")[:255]
    row.stripe_synced_at = timezone.now()


def _state_summary(row: ShopPayment) -> dict[str, Any]:
    return {
        "details_submitted": row.details_submitted,
        "charges_enabled": row.charges_enabled,
        "payouts_enabled": row.payouts_enabled,
        "transfers_active": row.transfers_active,
        "requirements_due": row.requirements_due,
        "requirements_past_due": row.requirements_past_due,
        "disabled_reason": row.disabled_reason,
    }


@transaction.atomic
def shop_stripe_account_apply(*, account: Any) -> ShopPayment | None:
    """Keep the connected account's state as Stripe gives it (an Account object or its dict), in this territory.

    Called with the account as fetched from Stripe (account.updated's handler fetches it first, so
    late or repeated events change nothing wrong). The row is found by the account id; None when
    no shop of this territory has that account. An audit row when the state changed.
    """
    data = _as_dict(account)
    row = ShopPayment.objects.select_for_update().filter(stripe_account_id=data.get("id") or "").first()
    if row is None:
        return None
    before = _state_summary(row)
    _state_set(row, data)
    row.save(update_fields=STATE_FIELDS)
    after = _state_summary(row)
    if after != before:
        audit_record(
            actor=None,
            verb="payments.stripe_account_state",
            obj=row.shop,
            payload={"account": row.stripe_account_id, **after},
        )
    return row


@transaction.atomic
def shop_stripe_account_deauthorize(*, account_id: str) -> ShopPayment | None:
    """The shop disconnected its account from the platform (account.application.deauthorized): no more
    online payment for it until it onboards again. None when no shop of this territory has that account."""
    row = ShopPayment.objects.select_for_update().filter(stripe_account_id=account_id).first()
    if row is None:
        return None
    if not row.deauthorized:
        row.deauthorized = True
        row.transfers_active = False
        row.charges_enabled = False
        row.payouts_enabled = False
        row.save(update_fields=["deauthorized", "transfers_active", "charges_enabled", "payouts_enabled", "updated_at"])
        audit_record(
            actor=None, verb="payments.stripe_account_deauthorized", obj=row.shop, payload={"account": account_id}
        )
    return row


def shop_stripe_dashboard_link(*, shop: Shop, actor: User) -> str | None:
    """A one-time link to the shop's own Stripe dashboard (its balance, its payouts to its bank): owner only.

    None when the shop has no connected account (or it was disconnected).
    """
    shop_member_check(shop=shop, user=actor, owner_only=True)
    row = ShopPayment.objects.filter(shop=shop).first()
    if row is None or not row.stripe_account_id or row.deauthorized:
        return None
    link = stripe_api.call(stripe_api.client().v1.accounts.login_links.create, row.stripe_account_id)
    audit_record(
        actor=actor, verb="payments.stripe_dashboard_open", obj=shop, payload={"account": row.stripe_account_id}
    )
    return link.url
