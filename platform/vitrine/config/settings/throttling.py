"""Throttling: sign-in lockouts (django-axes) and rate limits (django-ratelimit), per territory.

Lockouts: django-axes counts failed sign-ins in its AccessAttempt table, which exists in every
territory's schema and in the public one (axes is in SHARED_APPS and TENANT_APPS), so failures
in Nancy never lock anything in Limoges or on the console. An account is locked for one client
address at a time (username and address together): an attacker elsewhere cannot lock its owner
out. The check runs before the password is hashed, so a locked attempt costs no hashing.

Rate limits: django-ratelimit counts requests per group (VITRINE_RATE_LIMITS) in the
"throttle" cache, whose keys start with the territory's schema (django_tenants make_key):
Redis when REDIS_URL is set, else files under var/cache.
"""

from datetime import timedelta

from vitrine.config.env import env
from vitrine.config.settings.cache import REDIS_URL

# Behind a reverse proxy REMOTE_ADDR is the proxy's address: with TRUSTED_PROXY_COUNT = n the
# client's address is the n-th entry from the right of X-Forwarded-For (each proxy appends the
# address it was reached from). 0 ignores the header, which anyone can send.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Sign-in lockouts (django-axes) -------------------------------------------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Both sign-in forms post "username" (the email address), normalised as the accounts keep it.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "vitrine.common.throttling.sign_in_username"
AXES_CLIENT_IP_CALLABLE = "vitrine.common.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "vitrine.common.views.sign_in_locked"
AXES_RESET_ON_SUCCESS = True
# While locked, attempts are refused without a write: the row stays small and the cool-off
# runs from the last counted failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failures only: a log of every sign-in would be personal data kept for nothing.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# --- Rate limits (django-ratelimit) -------------------------------------------------------
# Group -> "count/period" (s, m, h, d; "30/15m" is 30 per 15 minutes). Each view names its
# group (common.throttling.throttle); a group missing here is not limited. Override some with
# VITRINE_RATE_LIMITS="sign_up=20/h,search=600/5m".
RATE_LIMITS_DEFAULT = {
    "sign_in": "30/15m",  # per client address, beside the per-account lockout
    "sign_up": "10/h",  # per client address
    "password_reset": "10/h",  # per client address
    "password_reset_email": "5/h",  # per address the email goes to
    "checkout": "30/h",  # per account, else per client address
    "checkout_email": "10/h",  # per address the order emails go to
    "shop_apply": "10/h",  # per client address
    "shop_apply_email": "10/h",  # per owner's address
    "search": "300/5m",  # per client address: generous, a bot's pace only
    "catalog_import": "30/h",  # per merchant account
    "payment_return": "60/h",  # per account, else per client address: each return from Stripe asks Stripe
    "stripe_webhook": "6000/m",  # per client address: Stripe's deliveries, far above what it sends
    "stripe_onboarding": "20/h",  # per owner: each one asks Stripe for an onboarding link (or an account)
    "two_factor": "10/15m",  # codes tried per account (beside django-otp's growing delay per device)
    "csp_report": "120/h",
    "shop_nudge": "60/h",  # per team account: each send of the nudge form emails up to 200 shops  # browsers' policy reports per client address
}
VITRINE_RATE_LIMITS = {**RATE_LIMITS_DEFAULT, **env.dict("VITRINE_RATE_LIMITS", default={})}
RATELIMIT_USE_CACHE = "throttle"
RATELIMIT_IP_META_KEY = "vitrine.common.throttling.client_ip_key"
RATELIMIT_VIEW = "vitrine.common.views.too_many_requests"
# A count the cache could not give back (a key expiring between add and incr) lets the request
# through rather than refusing someone who did nothing wrong.
RATELIMIT_FAIL_OPEN = True

# Django's own RedisCache increments atomically but is not on django-ratelimit's list (W001).
# The file cache (no REDIS_URL: local machines) increments by read-then-write, so concurrent
# requests may be under-counted (E003): acceptable off production, where REDIS_URL is set.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if REDIS_URL else ["django_ratelimit.E003"])
