"""A person's data and the deletion of their account, under /compte/."""

from django.urls import path

from vitrine.privacy import views

urlpatterns = [
    path("supprimer/", views.account_delete, name="account_delete"),
    path("supprime/", views.account_deleted, name="account_deleted"),
    path("donnees/", views.account_data, name="account_data"),
]
