"""The territory's public monthly reports: /rapport/, /rapport/YYYY-MM/, /rapport/YYYY-MM.csv."""

from django.urls import path, re_path

from vitrine.backoffice import views_reports

urlpatterns = [
    path("", views_reports.public_reports, name="public_reports"),
    re_path(r"^(?P<month>\d{4}-\d{2})/$", views_reports.public_report, name="public_report"),
    re_path(r"^(?P<month>\d{4}-\d{2})\.csv$", views_reports.public_report_csv, name="public_report_csv"),
]
