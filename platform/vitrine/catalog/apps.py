from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "vitrine.catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        # Apps are loaded: the models can be imported now.
        from vitrine.catalog.models import Category, Product, ProductPhoto, Variant
        from vitrine.common.pagecache import pages_changed_on_write

        # What shoppers see of the catalogue: a write drops the territory's cached pages.
        pages_changed_on_write(Category, Product, ProductPhoto, Variant)
