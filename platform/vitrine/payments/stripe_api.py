"""The one door to Stripe: a configured client, and every call Vitrine makes, each with its idempotency key.

Every POST carries a deterministic idempotency key (what it is for and the row it is for:
`capture:<cart payment>`, `transfer:<order>`...): a Celery task retried after a crash sends
the same key, and Stripe answers with the first call's result instead of paying twice.
STRIPE_API_BASE (tests, demo) points the client at the local fake of the Stripe API.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import stripe
from django.conf import settings

# Stripe's network errors and its 5xx/429 answers after the client's own retries: "try later".
UNREACHABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
TIMEOUT_SECONDS = 10
# For a call made while a shopper waits with rows locked (the checkout's payment page): fail fast.
QUICK_TIMEOUT_SECONDS = 5


class StripeUnavailable(Exception):
    """Stripe could not be reached or answered with an error of its own: nothing was done, try again later."""


def online_payment_configured() -> bool:
    """Whether this deployment takes online payment: Stripe's keys and both webhook secrets are set."""
    return bool(getattr(settings, "PAYMENTS_ONLINE", False))


@cache
def _client(api_key: str, base: str, version: str, quick: bool) -> stripe.StripeClient:
    options: dict[str, Any] = {
        "max_network_retries": 0 if quick else 2,  # retried with the same idempotency key
        "http_client": stripe.RequestsClient(timeout=QUICK_TIMEOUT_SECONDS if quick else TIMEOUT_SECONDS),
    }
    if base:
        options["base_addresses"] = {"api": base, "connect": base, "files": base}
    if version:
        options["stripe_version"] = version
    return stripe.StripeClient(api_key, **options)


def client(*, quick: bool = False) -> stripe.StripeClient:
    """The Stripe client of these settings (one per process and settings); `quick`: one try, a short timeout."""
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_API_VERSION, quick)


def call(method: Any, *args: Any, key: str | None = None, stripe_account: str | None = None, **params: Any) -> Any:
    """Call a StripeClient method with `params`; a POST with its idempotency `key`, on behalf of
    `stripe_account` (the Stripe-Account header) if given.

    Stripe unreachable (network, 5xx, rate limit): StripeUnavailable. A refusal of the request
    itself (a card declined, an invalid request) goes up as Stripe's own error.
    """
    options: dict[str, Any] = {}
    if key:
        options["idempotency_key"] = key[:255]
    if stripe_account:
        options["stripe_account"] = stripe_account
    try:
        return method(*args, params=params or None, options=options or None)
    except UNREACHABLE as error:
        raise StripeUnavailable(str(error)) from error


def webhook_event_construct(*, payload: bytes, signature: str, secret: str) -> stripe.Event:
    """Verify a webhook delivery's signature (Stripe's scheme, 5 minutes' tolerance) and parse its event.

    Raises stripe.SignatureVerificationError (bad, missing or stale signature) or ValueError (not JSON).
    """
    return client().construct_event(payload, signature, secret)


def field(value: Any, name: str, default: Any = None) -> Any:
    """A field of a Stripe object or of a plain dict (events carry dicts, the client returns objects)."""
    if value is None:
        return default
    try:
        return value[name] if name in value else default
    except TypeError:
        return getattr(value, name, default)


def object_id(value: Any) -> str:
    """The id of an expandable field: the id itself, or the expanded object's."""
    if value is None or isinstance(value, str):
        return value or ""
    return str(field(value, "id", ""))
