from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "vitrine.common"
    verbose_name = "Common"
