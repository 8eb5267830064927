"""A territory's host, /equipe/paiements/: the shops' Stripe accounts and the territory's payment policy."""

from django.urls import path

from vitrine.payments import views_staff as views

urlpatterns = [
    path("", views.staff_payments, name="staff_payments"),
]
