from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "vitrine.metrics"
    verbose_name = "Visits and searches, counted"

    def ready(self) -> None:
        # Apps are loaded: the counting module and the page cache can be imported now.
        from vitrine.common import pagecache
        from vitrine.metrics.counting import PageCounts

        # A page served from the cache counts as the view that drew it counted.
        pagecache.recorder_register(PageCounts())
