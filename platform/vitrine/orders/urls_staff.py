"""The territory team's order rules, under /equipe/commandes/."""
from django.urls import path

from vitrine.orders import views_staff as views

urlpatterns = [
    path("reglages/", views.staff_orders_settings, name="staff_orders_settings"),
]
