"""Template lookup per territory: tenants/<schema>/templates -> themes/<theme>/templates -> apps."""

from django.db import connection
from django.template.loaders import cached, filesystem

from vitrine.theming.services import template_dirs


def _current_theme_key() -> tuple[str, str] | None:
    tenant = getattr(connection, "tenant", None)
    theme = getattr(tenant, "theme", None)
    if not theme:
        return None  # public schema: the console uses the apps' templates only
    return tenant.schema_name, theme


class ThemeLoader(filesystem.Loader):
    """Looks in the current territory's own folder, then in its theme pack."""

    def get_dirs(self):
        key = _current_theme_key()
        if key is None:
            return []
        schema_name, theme = key
        return template_dirs(schema_name=schema_name, theme=theme)


class ThemeAwareCachedLoader(cached.Loader):
    """Django's cached loader, with one cache per (territory, theme).

    The stock cached loader keys by template name only, so the first
    territory to render "base.html" would serve its version to every other.
    """

    def __init__(self, engine, loaders=None):
        super().__init__(
            engine,
            loaders or ["vitrine.theming.loaders.ThemeLoader", "django.template.loaders.app_directories.Loader"],
        )

    def cache_key(self, template_name, skip=None):
        key = _current_theme_key()
        prefix = f"{key[0]}:{key[1]}:" if key else "public::"
        return prefix + super().cache_key(template_name, skip)
