from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "vitrine.privacy"
    verbose_name = "A person's data (GDPR)"
