"""The marketplace's identity and legal pages, under /espace/ (the territory team's area too).

The announcements are scheduled under /equipe/annonces/ (staff_announcements).
"""

from django.urls import path

from vitrine.backoffice import views

urlpatterns = [
    path("identite/", views.branding, name="branding"),
    path("textes-legaux/", views.legal_pages, name="legal_pages"),
    path("textes-legaux/<slug:kind>/", views.legal_page_edit, name="legal_page_edit"),
    path("textes-legaux/<slug:kind>/reinitialiser/", views.legal_page_reset_view, name="legal_page_reset"),
]
