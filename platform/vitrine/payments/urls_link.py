"""An order's receipt by the signed link of its emails, under /commande/ (orders.links)."""

from django.urls import path

from vitrine.payments import views_link as views

urlpatterns = [
    path("<str:token>/recu/", views.order_receipt_link, name="order_receipt_link"),
]
