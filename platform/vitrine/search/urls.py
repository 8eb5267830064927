from django.urls import path

from vitrine.search import views

urlpatterns = [
    path("", views.search, name="search"),
]
