from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "vitrine.orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # Apps are loaded: the views' session key and the cache can be imported now.
        from vitrine.common import pagecache
        from vitrine.orders.models import PickupSettings
        from vitrine.orders.views import SESSION_COUNT

        # The header's cart count on a page cached whole: the visitor's own, from their session.
        pagecache.personal_register("cart_count", lambda request: request.session.get(SESSION_COUNT, 0))
        # A shop's pickup settings draw its pickup hours on the storefront in lockdown mode.
        pagecache.pages_changed_on_write(PickupSettings)
