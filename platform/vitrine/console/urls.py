from django.urls import path

from vitrine.console import views

urlpatterns = [
    path("", views.territory_list_view, name="console_home"),
    path("territoires/nouveau/", views.territory_provision_view, name="console_provision"),
    path("territoires/<slug:slug>/", views.territory_detail_view, name="console_territory"),
    path("territoires/<slug:slug>/identite/", views.territory_identity_view, name="console_territory_identity"),
    path("territoires/<slug:slug>/statut/", views.territory_status_view, name="console_territory_status"),
    path("territoires/<slug:slug>/domaines/", views.domain_add_view, name="console_domain_add"),
    path("territoires/<slug:slug>/exporter/", views.territory_export_view, name="console_territory_export"),
    path("territoires/<slug:slug>/archiver/", views.territory_archive_view, name="console_territory_archive"),
    path("territoires/<slug:slug>/desarchiver/", views.territory_unarchive_view, name="console_territory_unarchive"),
    path("territoires/<slug:slug>/supprimer/", views.territory_delete_view, name="console_territory_delete"),
    path("exports/<int:export_id>/", views.export_view, name="console_export"),
    path("exports/<int:export_id>/archive/", views.export_download_view, name="console_export_download"),
    path("creations/<int:job_id>/", views.job_view, name="console_job"),
    path("journal/", views.audit_view, name="console_audit"),
    path("connexions/", views.sign_ins_view, name="console_sign_ins"),
    path("connexions/debloquer/", views.sign_in_unlock_view, name="console_sign_in_unlock"),
]
