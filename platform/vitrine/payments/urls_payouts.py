"""A shop's payouts, under /pro/paiement/versements/ (the shop's members)."""

from django.urls import path

from vitrine.payments import views_payouts as views

urlpatterns = [
    path("", views.merchant_payouts, name="merchant_payouts"),
    path("export.csv", views.merchant_payouts_export, name="merchant_payouts_export"),
]
