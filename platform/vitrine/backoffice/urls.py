"""The territory team's area: /equipe/ (shops, categories, communes, moderation, order rules, search synonyms) and /espace/."""

from django.urls import path

from vitrine.backoffice import views, views_dashboard, views_reports

urlpatterns = [
    path("", views.staff_home, name="staff_home"),
    path("boutiques/nouvelle/", views.staff_shop_create, name="staff_shop_create"),
    path("boutiques/<int:pk>/", views.staff_shop_detail, name="staff_shop_detail"),
    path("boutiques/<int:pk>/valider/", views.staff_shop_approve, name="staff_shop_approve"),
    path("boutiques/<int:pk>/refuser/", views.staff_shop_refuse, name="staff_shop_refuse"),
    path("boutiques/<int:pk>/suspendre/", views.staff_shop_suspend, name="staff_shop_suspend"),
    path("boutiques/<int:pk>/reprendre/", views.staff_shop_resume, name="staff_shop_resume"),
    path("boutiques/<int:pk>/une/", views.staff_shop_feature, name="staff_shop_feature"),
    path("categories/", views.staff_categories, name="staff_categories"),
    path("categories/<int:pk>/", views.staff_category_edit, name="staff_category_edit"),
    path("categories/<int:pk>/deplacer/", views.staff_category_reorder, name="staff_category_reorder"),
    path("categories/<int:pk>/supprimer/", views.staff_category_delete, name="staff_category_delete"),
    path("communes/", views.staff_communes, name="staff_communes"),
    path("produits/<int:pk>/retirer/", views.staff_product_unpublish, name="staff_product_unpublish"),
    path("synonymes/", views.staff_synonyms, name="staff_synonyms"),
    path("synonymes/<int:pk>/supprimer/", views.staff_synonym_delete, name="staff_synonym_delete"),
    path("tableau-de-bord/", views_dashboard.staff_dashboard, name="staff_dashboard"),
    path(
        "tableau-de-bord/<slug:table>.<slug:extension>",
        views_dashboard.staff_dashboard_export,
        name="staff_dashboard_export",
    ),
    path("rapports/", views_reports.staff_reports, name="staff_reports"),
    path("journal/", views.staff_audit, name="staff_audit"),
    path("confinement/", views.staff_lockdown, name="staff_lockdown"),
    path("confinement/basculer/", views.staff_lockdown_switch, name="staff_lockdown_switch"),
    path("relances/", views.staff_nudges, name="staff_nudges"),
    path("annonces/", views.staff_announcements, name="staff_announcements"),
    path("annonces/<int:pk>/terminer/", views.staff_announcement_end, name="staff_announcement_end"),
    path("a-la-une/", views.staff_featured, name="staff_featured"),
    path("produits/<int:pk>/une/", views.staff_product_feature, name="staff_product_feature"),
    path("commandes/reglages/", views.staff_orders_settings, name="staff_orders_settings"),
    path("connexions/", views.staff_sign_ins, name="staff_sign_ins"),
    path("connexions/debloquer/", views.staff_sign_in_unlock, name="staff_sign_in_unlock"),
]
