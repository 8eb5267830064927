from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "vitrine.metrics"
    verbose_name = "Visits and searches, counted"
