"""Template lookup per territory: tenants/<schema>/templates -> themes/<theme>/templates -> apps."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.template.loaders import cached, filesystem

from vitrine.theming.services import template_dirs


@lru_cache(maxsize=8192)
def _has_own_templates(tenants_dir: Path, schema_name: str) -> bool:
    """Whether tenants/<schema>/templates exists (read once per process: the folders come with a deploy)."""
    return (tenants_dir / schema_name / "templates").is_dir()


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
    """Django's cached loader, with one cache per set of template folders.

    The stock cached loader keys by template name only, so the first
    territory to render "base.html" would serve its version to every other.
    Territories without templates of their own find the same templates as their
    theme's: they share its compiled ones, so the cache grows with the themes and
    the few territories with their own folder, not with the number of territories
    (a worker that serves a thousand territories keeps a handful of copies).
    """

    def __init__(self, engine, loaders=None):
        super().__init__(
            engine,
            loaders or ["vitrine.theming.loaders.ThemeLoader", "django.template.loaders.app_directories.Loader"],
        )

    def cache_key(self, template_name, skip=None):
        key = _current_theme_key()
        if key is None:
            prefix = "public::"
        else:
            schema_name, theme = key
            own = _has_own_templates(settings.TENANTS_DIR, schema_name)
            prefix = f"{schema_name if own else ''}:{theme}:"
        return prefix + super().cache_key(template_name, skip)
