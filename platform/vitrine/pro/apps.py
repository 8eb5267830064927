from django.apps import AppConfig


class ProConfig(AppConfig):
    name = "vitrine.pro"
    verbose_name = "Merchant area's front door"
