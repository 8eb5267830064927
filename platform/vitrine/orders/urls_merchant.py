"""The merchant's orders, under /pro/commandes/."""
from django.urls import path

from vitrine.orders import views_merchant as views

urlpatterns = [
    path("", views.merchant_orders, name="merchant_orders"),
    path("<int:pk>/<slug:action>/", views.merchant_order_action, name="merchant_order_action"),
]
