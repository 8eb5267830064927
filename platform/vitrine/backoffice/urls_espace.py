"""The marketplace's identity, announcement and legal pages, under /espace/ (the territory team's area too)."""

from django.urls import path

from vitrine.backoffice import views

urlpatterns = [
    path("identite/", views.branding, name="branding"),
    path("annonce/", views.announcement, name="announcement"),
    path("textes-legaux/", views.legal_pages, name="legal_pages"),
    path("textes-legaux/<slug:kind>/", views.legal_page_edit, name="legal_page_edit"),
    path("textes-legaux/<slug:kind>/reinitialiser/", views.legal_page_reset_view, name="legal_page_reset"),
]
