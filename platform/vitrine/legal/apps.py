from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "vitrine.legal"
    verbose_name = "Legal and trust pages"
