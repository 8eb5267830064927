from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "vitrine.territory"
    verbose_name = "Territory site"
