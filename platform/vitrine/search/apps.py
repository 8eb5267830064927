from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "vitrine.search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Apps are loaded: the models can be imported now.
        from vitrine.common.pagecache import pages_changed_on_write
        from vitrine.search.models import Synonym

        # A synonym changes what searches find: a write drops the territory's cached pages.
        pages_changed_on_write(Synonym)
