from django.urls import path

from vitrine.console import views

urlpatterns = [
    path("", views.territory_list_view, name="console_home"),
    path("territoires/nouveau/", views.territory_provision_view, name="console_provision"),
    path("territoires/<slug:slug>/", views.territory_detail_view, name="console_territory"),
    path("territoires/<slug:slug>/statut/", views.territory_status_view, name="console_territory_status"),
    path("territoires/<slug:slug>/domaines/", views.domain_add_view, name="console_domain_add"),
    path("creations/<int:job_id>/", views.job_view, name="console_job"),
    path("journal/", views.audit_view, name="console_audit"),
    path("connexions/", views.sign_ins_view, name="console_sign_ins"),
    path("connexions/debloquer/", views.sign_in_unlock_view, name="console_sign_in_unlock"),
]
