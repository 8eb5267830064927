from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "vitrine.search"
    verbose_name = "Search"
