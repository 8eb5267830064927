"""A territory's host, /pro/paiement/: the shop's online payment (its Stripe account, its modes)."""

from django.urls import path

from vitrine.payments import views_merchant as views

urlpatterns = [
    path("", views.merchant_payment, name="merchant_payment"),
    path("modes/", views.merchant_payment_modes, name="merchant_payment_modes"),
    path("stripe/", views.merchant_payment_onboard, name="merchant_payment_onboard"),
    path("stripe/retour/", views.merchant_payment_return, name="merchant_payment_return"),
    path("stripe/nouveau-lien/", views.merchant_payment_refresh, name="merchant_payment_refresh"),
    path("stripe/tableau-de-bord/", views.merchant_payment_dashboard, name="merchant_payment_dashboard"),
]
