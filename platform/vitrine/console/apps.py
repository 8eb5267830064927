from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "vitrine.console"
    verbose_name = "Super-admin console"
