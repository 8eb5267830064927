from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "vitrine.shops"
    verbose_name = "Shops"
