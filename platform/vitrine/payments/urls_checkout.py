"""A territory's host, /panier/paiement/: the online payment step of a checkout."""

from django.urls import path

from vitrine.payments import views_checkout

urlpatterns = [
    path("<uuid:key>/", views_checkout.payment_page, name="payment_page"),
    path("<uuid:key>/retour/", views_checkout.payment_return, name="payment_return"),
]
