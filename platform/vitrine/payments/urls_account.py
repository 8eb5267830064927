"""An order's receipt from the shopper's account, under /compte/commandes/."""

from django.urls import path

from vitrine.payments import views_link as views

urlpatterns = [
    path("<int:order_id>/recu/", views.account_order_receipt, name="account_order_receipt"),
]
