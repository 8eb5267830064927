"""The marketplace's identity and announcement, under /espace/ (the territory team's area too)."""

from django.urls import path

from vitrine.backoffice import views

urlpatterns = [
    path("identite/", views.branding, name="branding"),
    path("annonce/", views.announcement, name="announcement"),
]
