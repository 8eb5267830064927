from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "vitrine.catalog"
    verbose_name = "Catalogue"
