"""The merchant area, under /pro/ (products and import have their own modules)."""

from django.urls import path

from vitrine.shops import views_merchant as views

urlpatterns = [
    path("boutique/", views.shop_profile, name="shop_profile"),
    path("boutique/photos/", views.shop_photo_add_view, name="shop_photo_add"),
    path("boutique/photos/<int:pk>/", views.shop_photo_edit, name="shop_photo_edit"),
    path("boutique/photos/<int:pk>/supprimer/", views.shop_photo_delete_view, name="shop_photo_delete"),
    path("horaires/", views.shop_hours, name="shop_hours"),
    path("horaires/fermetures/", views.shop_closing_add_view, name="shop_closing_add"),
    path("horaires/fermetures/<int:pk>/supprimer/", views.shop_closing_delete, name="shop_closing_delete"),
    path("equipe/", views.shop_team, name="shop_team"),
    path("equipe/<int:pk>/retirer/", views.shop_team_remove, name="shop_team_remove"),
]
