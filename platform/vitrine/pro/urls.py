"""The merchant area's front door, under /pro/."""

from django.urls import path

from vitrine.pro import views

urlpatterns = [
    path("", views.merchant_home, name="merchant_home"),
    path("rejoindre/", views.shop_apply_view, name="shop_apply"),
    path("statistiques/", views.merchant_statistics, name="merchant_statistics"),
]
