from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "vitrine.tenancy"
    verbose_name = "Tenancy"
