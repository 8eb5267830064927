from django.urls import path

from vitrine.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_home, name="home"),
    path("modele.csv", views.template_download, {"extension": "csv"}, name="template_csv"),
    path("modele.xlsx", views.template_download, {"extension": "xlsx"}, name="template_xlsx"),
    path("export.csv", views.export_download, {"extension": "csv"}, name="export_csv"),
    path("export.xlsx", views.export_download, {"extension": "xlsx"}, name="export_xlsx"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/progression/", views.import_progress, name="progress"),
    path("<int:pk>/confirmer/", views.import_confirm, name="confirm"),
    path("<int:pk>/erreurs.csv", views.import_errors_csv, name="errors_csv"),
]
