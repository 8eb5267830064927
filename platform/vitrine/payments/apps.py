from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "vitrine.payments"
    verbose_name = "Online payment"
