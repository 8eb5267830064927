"""The legal pages, at French addresses people expect: /mentions-legales/, /cgu/, ..."""

from django.urls import path

from vitrine.legal import views

urlpatterns = [
    path("mentions-legales/", views.legal_page, {"kind": "mentions"}, name="legal_mentions"),
    path("cgu/", views.legal_page, {"kind": "cgu"}, name="legal_cgu"),
    path("confidentialite/", views.legal_page, {"kind": "confidentialite"}, name="legal_privacy"),
    path("accessibilite/", views.legal_page, {"kind": "accessibilite"}, name="legal_accessibility"),
]
