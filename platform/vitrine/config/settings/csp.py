"""Content-Security-Policy (django-csp): scripts and styles only from our own files.

No inline script or style anywhere: the few scripts a page needs are static files,
and a script that must sit in the page (none today) would carry the request's nonce.
Browsers report what the policy blocked to /csp-rapport/, which logs each report
(vitrine.csp) for the platform team. CSP_REPORT_ONLY=1 reports without blocking,
for trying a stricter policy on a live site first.
"""

from csp.constants import NONCE, NONE, SELF

from vitrine.config.env import env

# Uploaded files come from our own host, or from the bucket's address when one is set.
_media_origins = env.list("CSP_MEDIA_ORIGINS", default=[])
# A form posted here may redirect to Stripe's hosted pages (the checkout's payment page, a shop's
# onboarding): browsers hold redirects after a form to form-action too. STRIPE_API_BASE is the
# local fake of the tests and the demo, whose hosted pages stand in for Stripe's.
_stripe_api_base = env("STRIPE_API_BASE", default="")
_stripe_origins = ["https://checkout.stripe.com", "https://connect.stripe.com"]
if _stripe_api_base:
    _stripe_origins.append(_stripe_api_base.rstrip("/"))
_directives = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF],
    # blob: is the photo a merchant just picked, previewed before it is sent (quick add).
    "img-src": [SELF, "data:", "blob:", *_media_origins],
    "font-src": [SELF],
    "connect-src": [SELF],
    "form-action": [SELF, *(_stripe_origins if env("STRIPE_SECRET_KEY", default="") else [])],
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
