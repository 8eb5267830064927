from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "vitrine.backoffice"
    verbose_name = "Territory team's area"
