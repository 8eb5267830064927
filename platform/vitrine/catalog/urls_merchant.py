"""The merchant's catalogue, under /pro/produits/."""

from django.urls import path

from vitrine.catalog import views_merchant as views

urlpatterns = [
    path("", views.products, name="merchant_products"),
    path("nouveau/", views.product_create, name="product_create"),
    path("rapide/", views.product_quick_add, name="product_quick_add"),
    path("variante/", views.product_variant_row, name="product_variant_row"),
    path("vitrine/apercu/", views.storefront_preview, name="storefront_preview"),
    path("<int:pk>/", views.product_edit, name="product_edit"),
    path("<int:pk>/apercu/", views.product_preview, name="product_preview"),
    path("<int:pk>/essai-panier/", views.product_try_add, name="product_try_add"),
    path("<int:pk>/photos/", views.product_photos_upload, name="product_photos_upload"),
    path("<int:pk>/photos/<int:photo_pk>/supprimer/", views.product_photo_delete, name="product_photo_delete"),
    path("<int:pk>/photos/<int:photo_pk>/deplacer/", views.product_photo_move, name="product_photo_move"),
    path("<int:pk>/photos/<int:photo_pk>/description/", views.product_photo_alt, name="product_photo_alt"),
]
