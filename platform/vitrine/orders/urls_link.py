"""An order by the signed link of its emails, under /commande/ (orders.links, orders.views_link)."""

from django.urls import path

from vitrine.orders import views_link as views

urlpatterns = [
    path("<str:token>/", views.order_link, name="order_link"),
    path("<str:token>/annuler/", views.order_link_cancel, name="order_link_cancel"),
]
