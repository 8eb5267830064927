from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "vitrine.shops"
    verbose_name = "Shops"

    def ready(self) -> None:
        # Apps are loaded: the models can be imported now.
        from vitrine.common.pagecache import pages_changed_on_write
        from vitrine.shops.models import ClosingPeriod, Commune, OpeningRange, Shop, ShopPhoto

        # What shoppers see of the shops: a write drops the territory's cached pages.
        pages_changed_on_write(ClosingPeriod, Commune, OpeningRange, Shop, ShopPhoto)
