from django.urls import path

from vitrine.territory import views

urlpatterns = [
    path("", views.home, name="home"),
    path("espace/identite/", views.branding, name="branding"),
    path("espace/annonce/", views.announcement, name="announcement"),
]
