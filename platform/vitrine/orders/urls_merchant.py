"""The merchant's orders, under /pro/commandes/."""

from django.urls import path

from vitrine.orders import views_merchant as views

urlpatterns = [
    path("", views.merchant_orders, name="merchant_orders"),
    path("historique/", views.merchant_orders_history, name="merchant_orders_history"),
    path("jour/", views.merchant_orders_day, name="merchant_orders_day"),
    path("reglages/", views.merchant_orders_settings, name="merchant_orders_settings"),
    path("<int:pk>/<slug:action>/", views.merchant_order_action, name="merchant_order_action"),
]
