from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vitrine.accounts"
    verbose_name = "Accounts"
