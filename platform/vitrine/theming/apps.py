from django.apps import AppConfig


class ThemingConfig(AppConfig):
    name = "vitrine.theming"
    verbose_name = "Theming"
