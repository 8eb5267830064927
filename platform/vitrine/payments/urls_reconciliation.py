"""The territory team's reconciliation of online payments, under /equipe/paiements/rapprochement/."""

from django.urls import path

from vitrine.payments import views_reconciliation as views

urlpatterns = [
    path("", views.staff_reconciliation, name="staff_payments_reconciliation"),
]
