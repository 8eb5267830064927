from django.apps import AppConfig


class PaymentsInboxConfig(AppConfig):
    name = "vitrine.payments.inbox"
    label = "payments_inbox"
    verbose_name = "Stripe events"
