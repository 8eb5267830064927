from django.db import connection
from django.http import HttpRequest

from vitrine.theming.services import (
    static_prefixes,
    territory_logo_url,
    territory_stylesheet,
    territory_tokens,
    theme_load,
)


def theme(request: HttpRequest) -> dict:
    """The current territory's theme for templates (nothing on the console)."""
    territory = getattr(request, "tenant", None)
    if territory is None or not getattr(territory, "theme", None):
        return {}
    tokens = territory_tokens(territory)
    return {
        "territory": territory,
        "theme": theme_load(territory.theme),
        "theme_tokens": tokens,
        "theme_css_version": territory_stylesheet(territory, tokens=tokens).version,
        "theme_static_prefix": static_prefixes(territory)[-1],
        "logo_url": territory_logo_url(territory),
        "schema_name": connection.schema_name,
    }
