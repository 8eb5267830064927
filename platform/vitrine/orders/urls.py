"""The cart and checkout, under /panier/."""

from django.urls import path

from vitrine.orders import views

urlpatterns = [
    path("", views.cart_detail, name="cart"),
    path("ajouter/<int:product_id>/", views.cart_add, name="cart_add"),
    path("ligne/<int:line_id>/", views.cart_line_update, name="cart_line_update"),
    # "commande/" (name "checkout"): the payments app's route (config.urls_territory), which calls
    # views.checkout_page with the online payment step when it is on.
    path("commande/<uuid:key>/", views.checkout_done, name="checkout_done"),
    path("commande/<uuid:key>/annuler/<int:order_id>/", views.order_cancel, name="order_cancel"),
]
