from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "vitrine.audit"
    verbose_name = "A territory's audit trail"
