from django.urls import path

from vitrine.theming import views

urlpatterns = [path("theme.css", views.theme_css, name="theme_css")]
