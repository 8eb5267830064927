from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "vitrine.imports"
    verbose_name = "Catalogue import and export"
