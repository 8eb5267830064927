"""Content-Security-Policy (django-csp): scripts and styles only from our own files.

No inline script or style anywhere: the few scripts a page needs are static files,
and a script that must sit in the page (none today) would carry the request's nonce.
Browsers report what the policy blocked to /csp-rapport/, which logs each report
(vitrine.csp) for the platform team. CSP_REPORT_ONLY=1 reports without blocking,
for trying a stricter policy on a live site first.
"""

from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF

from vitrine.config.env import env

# Uploaded files come from our own host, or from the bucket's address when one is set.
_media_origins = env.list("CSP_MEDIA_ORIGINS", default=[])
# Stripe's hosted pages, where a form of ours redirects (a shop's onboarding, a shopper's payment):
# browsers hold a form's redirects to form-action too. STRIPE_API_BASE (the local fake, in tests and
# the demo) serves both pages itself.
_stripe_pages = ["https://connect.stripe.com", "https://checkout.stripe.com"]
_stripe_base = urlsplit(env("STRIPE_API_BASE", default=""))
if _stripe_base.scheme and _stripe_base.netloc:
    _stripe_pages.append(f"{_stripe_base.scheme}://{_stripe_base.netloc}")
_directives = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF],
    # blob: is the photo a merchant just picked, previewed before it is sent (quick add).
    "img-src": [SELF, "data:", "blob:", *_media_origins],
    "font-src": [SELF],
    "connect-src": [SELF],
    "form-action": [SELF, *(_stripe_pages if env("STRIPE_SECRET_KEY", default="") else [])],
    "frame-ancestors": [NONE],
    "base-uri": [SELF],
    "object-src": [NONE],
    "report-uri": "/csp-rapport/",
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _directives}
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _directives}
