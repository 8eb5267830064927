"""URLs of a territory's host: its marketplace."""

from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView

from vitrine.common.views import csp_report, media_serve, set_language
from vitrine.config.observability import healthz
from vitrine.payments.views_checkout import checkout as payments_checkout

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("csp-rapport/", csp_report, name="csp_report"),
    path("langue/", set_language, name="set_language"),
    path("compte/commandes/", include("vitrine.payments.urls_account")),  # a receipt
    path("compte/commandes/", include("vitrine.orders.urls_account")),
    # The privacy notice moved to /confidentialite/ with the other legal pages (vitrine.legal).
    path("compte/confidentialite/", RedirectView.as_view(pattern_name="legal_privacy", permanent=True)),
    path("compte/", include("vitrine.privacy.urls")),
    path("compte/", include("vitrine.accounts.urls")),
    # The merchant area (a shop's own pages) and the staff area (the territory team).
    path("pro/produits/", include("vitrine.catalog.urls_merchant")),
    path("pro/import/", include("vitrine.imports.urls")),
    path("pro/commandes/", include("vitrine.orders.urls_merchant")),
    path("pro/paiement/versements/", include("vitrine.payments.urls_payouts")),
    path("pro/paiement/", include("vitrine.payments.urls_merchant")),
    path("pro/", include("vitrine.pro.urls")),
    path("pro/", include("vitrine.shops.urls_merchant")),
    path("equipe/paiements/rapprochement/", include("vitrine.payments.urls_reconciliation")),
    path("equipe/paiements/", include("vitrine.payments.urls_staff")),
    path("equipe/", include("vitrine.backoffice.urls")),
    path("espace/", include("vitrine.backoffice.urls_espace")),
    path("rapport/", include("vitrine.backoffice.urls_public")),  # the monthly reports the team published
    # Shoppers: search, cart and orders, shops, storefronts, categories, products.
    path("recherche/", include("vitrine.search.urls")),
    path("panier/paiement/", include("vitrine.payments.urls_checkout")),
    # The checkout, with the online payment step when it is on (payments calls orders' checkout page).
    path("panier/commande/", payments_checkout, name="checkout"),
    path("panier/", include("vitrine.orders.urls")),
    path("", include("vitrine.legal.urls")),
    path("commande/", include("vitrine.payments.urls_link")),
    path("commande/", include("vitrine.orders.urls_link")),
    path("", include("vitrine.catalog.urls_public")),
    path("", include("vitrine.theming.urls")),
    # Uploaded files from local storage (no bucket), each territory's own only; with a bucket
    # (AWS_STORAGE_BUCKET_NAME) they come from its URLs and this route is not there.
    *(
        [path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media_serve, name="media")]
        if not getattr(settings, "AWS_STORAGE_BUCKET_NAME", "") and settings.MEDIA_URL.startswith("/")
        else []
    ),
]
