"""What shoppers browse: the home page, shops, storefronts, products, categories."""

from django.urls import path

from vitrine.catalog import views_public as views
from vitrine.catalog import views_seo

urlpatterns = [
    path("robots.txt", views_seo.robots_txt, name="robots_txt"),
    path("sitemap.xml", views_seo.sitemap_xml, name="sitemap_xml"),
    path("", views.home, name="home"),
    path("boutiques/", views.shop_list, name="shop_list"),
    path("boutiques/<slug:shop>/", views.shop_detail, name="shop_detail"),
    path("boutiques/<slug:shop>/<slug:product>/", views.product_detail, name="product_detail"),
    path("categories/<slug:slug>/", views.category_detail, name="category_detail"),
]
