from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "vitrine.notifications"
    verbose_name = "Notifications"
