from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "vitrine.tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        # Apps are loaded: the models and the routing cache can be imported now.
        from vitrine.common import pagecache
        from vitrine.tenancy.models import Announcement, Territory
        from vitrine.tenancy.routing import routes
        from vitrine.tenancy.schema_migrations import migration_recorder_speedup

        # A cached page was drawn from this process's territory object (branding, lockdown, footer):
        # a process still holding the old one stores pages under its old routing generation.
        pagecache.version_part_register(lambda: routes._generation)
        pagecache.pages_changed_on_write(Territory, schema_of=lambda territory: territory.schema_name)
        pagecache.pages_changed_on_write(Announcement, schema_of=lambda row: row.territory.schema_name)
        # Django's migrate in one schema without scanning every territory's tables (schema_migrations).
        migration_recorder_speedup()
