from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "vitrine.devtools"
    verbose_name = "Developer tools (demo, benchmarks)"
