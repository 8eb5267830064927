from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "vitrine.orders"
    verbose_name = "Orders"
