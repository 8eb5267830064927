"""Payments fixtures: the local fake of the Stripe API, the real stripe client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from vitrine.testing.stripe_fake import StripeFake


@pytest.fixture
def stripe_fake() -> Iterator[StripeFake]:
    """A fresh fake Stripe on a free port, without webhook endpoints (set `stripe_fake.webhooks` to add them)."""
    with StripeFake() as fake:
        yield fake


@pytest.fixture
def stripe_client(stripe_fake: StripeFake) -> stripe.StripeClient:
    """The real stripe-python client, pointed at the fake, without network retries."""
    return stripe_fake.client(max_network_retries=0)


# --- Vitrine against the fake ---------------------------------------------------------------


@pytest.fixture
def payments_on(settings, stripe_fake: StripeFake) -> StripeFake:
    """Online payment switched on in this process, Stripe being the fake."""
    for name, value in stripe_fake.settings().items():
        setattr(settings, name, value)
    settings.STRIPE_API_VERSION = ""
    settings.PAYMENTS_ONLINE = True
    return stripe_fake


@pytest.fixture
def stripe_settings(settings, payments_on: StripeFake):
    """The same, for the tests that want the settings object."""
    return settings
