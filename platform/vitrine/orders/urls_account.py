"""A shopper's own orders, under /compte/commandes/."""

from django.urls import path

from vitrine.orders import views_account as views

urlpatterns = [
    path("", views.order_list, name="account_orders"),
    path("<int:order_id>/", views.order_detail, name="account_order"),
    path("<int:order_id>/annuler/", views.order_cancel, name="account_order_cancel"),
]
