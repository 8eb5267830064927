"""Online payment (Stripe Connect): on when the secret key, the publishable key and both webhook signing
secrets are set; without them, pay at pickup only, as before.

STRIPE_API_BASE points the Stripe client at another server: the local fake of the Stripe API
(vitrine.testing.stripe_fake) for the tests and `make demo`. Production settings refuse it.
"""

from vitrine.config.env import env

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
# Two endpoints, two secrets: the platform's own events, and its connected accounts' events.
STRIPE_WEBHOOK_SECRET_PLATFORM = env("STRIPE_WEBHOOK_SECRET_PLATFORM", default="")
STRIPE_WEBHOOK_SECRET_CONNECT = env("STRIPE_WEBHOOK_SECRET_CONNECT", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# The API version Vitrine is written against (stripe-python 16.1's own).
STRIPE_API_VERSION = env("STRIPE_API_VERSION", default="")
STRIPE_CURRENCY = "eur"
PAYMENTS_ONLINE = bool(
    STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET_PLATFORM and STRIPE_WEBHOOK_SECRET_CONNECT
)
