"""A local fake of the Stripe API for tests and the demo: never imported by production code.

The real stripe-python client is pointed at it (`StripeFake.client()`, or STRIPE_API_BASE);
it keeps state (accounts, Checkout Sessions, PaymentIntents, charges, refunds, transfers,
reversals, disputes, payouts, events), serves hosted pages that stand in for Stripe Checkout
and Connect onboarding, and delivers signed webhooks the way Stripe does, misbehaviour
included on demand.

In a test::

    with StripeFake(webhooks=Webhooks(platform=WebhookEndpoint(url, PLATFORM_SECRET, "console.localhost"))) as fake:
        session = fake.client().v1.checkout.sessions.create(params={...})
        fake.checkout_pay(session.id)              # or POST the hosted form at session.url
        fake.wait_idle()                           # every webhook delivered
        fake.requests_to("/v1/payment_intents/*/capture")[0].idempotency_key
        body, signature = fake.signed(fake.events_of("checkout.session.completed")[0])  # to post it yourself

For the demo: `python -m vitrine.testing.stripe_fake --port 12111 --platform-webhook URL
--connect-webhook URL --platform-secret whsec_... --connect-secret whsec_... --webhook-host
console.localhost`, then `STRIPE_API_BASE=http://127.0.0.1:12111`.

Pages: `/` (the fake's dashboard, with buttons), `/pay/<session>` (Checkout), `/pay/<session>/3ds`,
`/onboarding/<link>` (Connect onboarding), `/express/<account>` (a shop's dashboard, by a login link). Controls over HTTP (form-encoded POSTs, JSON answers;
`next=/` redirects back instead): GET `/_fake/requests?path=<glob>`, `/_fake/events`,
`/_fake/deliveries`; POST `/_fake/webhooks` (duplicates, drop, wrong_secret, timestamp_shift,
hold), `/_fake/webhooks/release` (reverse), `/_fake/webhooks/endpoints` (platform_url,
platform_secret, connect_url, connect_secret, host), `/_fake/faults` (kind=fail|hang|crash,
path, method, status, seconds, times), `/_fake/sessions/<id>/pay` (card, email, authenticate),
`/_fake/accounts/<id>/complete|leave_due|deauthorize|payout` (due[], failed),
`/_fake/charges/<id>/dispute` (amount, reason), `/_fake/disputes/<id>/close` (won),
`/_fake/clock` (advance), `/_fake/reset`.
"""

from vitrine.testing.stripe_fake.cards import (
    CARD_AUTHENTICATE,
    CARD_DECLINED,
    CARD_INSUFFICIENT_FUNDS,
    CARD_SUCCEEDS,
    TEST_CARDS,
    Attempt,
    InputError,
    PageError,
)
from vitrine.testing.stripe_fake.fake import (
    API_KEY,
    CONNECT_SECRET,
    PLATFORM_SECRET,
    PUBLISHABLE_KEY,
    RecordedRequest,
    StripeFake,
)
from vitrine.testing.stripe_fake.params import StripeError
from vitrine.testing.stripe_fake.webhooks import Delivery, DeliveryMode, WebhookEndpoint, Webhooks, signed

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
    "InputError",
    "PageError",
    "StripeError",
    "DeliveryMode",
    "RecordedRequest",
    "StripeFake",
    "WebhookEndpoint",
    "Webhooks",
    "signed",
]
