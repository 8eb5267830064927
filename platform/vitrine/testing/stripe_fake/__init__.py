"""A local fake of the Stripe API for tests and the demo: never imported by production code.

The real stripe-python client is pointed at it (`StripeFake.client()`, or STRIPE_API_BASE);
it keeps state (accounts, Checkout Sessions, PaymentIntents, charges, refunds, transfers,
disputes, events), serves hosted pages that stand in for Stripe Checkout and Connect
onboarding, and delivers signed webhooks the way Stripe does, misbehaviour included on demand.
"""

from vitrine.testing.stripe_fake.cards import (
    CARD_AUTHENTICATE,
    CARD_DECLINED,
    CARD_INSUFFICIENT_FUNDS,
    CARD_SUCCEEDS,
    TEST_CARDS,
    Attempt,
)
from vitrine.testing.stripe_fake.fake import (
    API_KEY,
    CONNECT_SECRET,
    PLATFORM_SECRET,
    PUBLISHABLE_KEY,
    RecordedRequest,
    StripeFake,
)
from vitrine.testing.stripe_fake.webhooks import Delivery, DeliveryMode, WebhookEndpoint, Webhooks

__all__ = [
    "API_KEY",
    "CARD_AUTHENTICATE",
    "CARD_DECLINED",
    "CARD_INSUFFICIENT_FUNDS",
    "CARD_SUCCEEDS",
    "CONNECT_SECRET",
    "PLATFORM_SECRET",
    "PUBLISHABLE_KEY",
    "TEST_CARDS",
    "Attempt",
    "Delivery",
    "DeliveryMode",
    "RecordedRequest",
    "StripeFake",
    "WebhookEndpoint",
    "Webhooks",
]
