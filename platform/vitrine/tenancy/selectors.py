"""Reads on the control plane."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from vitrine.tenancy.models import Announcement, Territory
from vitrine.tenancy.routing import routes
from vitrine.theming.services import territory_base_tokens, territory_logo_url, theme_load, theme_names


def territory_base_url(territory: Territory) -> str:
    """The territory's address as people type it, e.g. https://nancy.vitrine.fr.

    Uses the prefetched domains when the territory comes from territory_list().
    """
    domain = next((d for d in territory.domains.all() if d.is_primary), None)
    if domain is None:
        return ""
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{domain.domain}{port}"


def territory_base_url_cached(territory: Territory) -> str:
    """territory_base_url, remembered until a territory or domain changes (no query when warm)."""
    return routes.memo(("base_url", territory.schema_name), lambda: territory_base_url(territory))


def territory_page_url(territory: Territory, name: str, **kwargs) -> str:
    """A page of the territory (URL name and arguments) on its own primary address, for emails.

    Never the request's Host: a link sent by email must lead to the territory, whatever
    address or port the request that caused it came through.
    """
    return territory_base_url_cached(territory) + reverse(name, urlconf=settings.ROOT_URLCONF, kwargs=kwargs or None)


def url_absolute(url: str, *, base_url: str) -> str:
    """`url` as an absolute address: kept when it already is one (a bucket's), else under base_url."""
    if not url or url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return base_url.split("//", 1)[0] + url
    return base_url + (url if url.startswith("/") else "/" + url)


PREVIEW_TOKENS = ("color_primary", "color_header", "color_accent", "color_background", "color_text", "color_surface")


def identity_preview_context(territory: Territory | None = None, *, absolute: bool = False) -> dict:
    """What the identity pages' live preview starts from: each theme's colours, the territory's own and its images.

    `absolute`: image addresses on the territory's host (its uploads answer there only), for the console.
    """

    def url(address: str | None) -> str:
        if address and absolute and territory is not None and address.startswith(settings.MEDIA_URL):
            return territory_base_url(territory) + address
        return address or ""

    themes = {name: {k: v for k, v in theme_load(name).tokens.items() if k in PREVIEW_TOKENS} for name in theme_names()}
    data: dict = {"themes": themes, "theme": "", "base": None, "logo": "", "hero_image": "", "name": ""}
    if territory is not None:
        base = territory_base_tokens(territory)
        data |= {
            "theme": territory.theme,
            "base": {k: v for k, v in base.items() if k in PREVIEW_TOKENS},
            "logo": url(territory_logo_url(territory)),
            "hero_image": url(territory.hero_image.url if territory.hero_image else ""),
            "name": territory.name,
        }
    return {"data": data}


def announcements_current(territory, *, now=None) -> list:
    """The territory's announcements shown now (started, not ended), the latest started first."""
    now = now or timezone.now()
    return list(
        Announcement.objects.filter(territory=territory, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("-starts_at", "-id")
    )


def announcements_for_team(territory, *, now=None) -> dict[str, list]:
    """The territory's announcements by state: "current", "scheduled" (soonest first) and "past" (latest 20)."""
    now = now or timezone.now()
    states: dict[str, list] = {"current": [], "scheduled": [], "past": []}
    for announcement in Announcement.objects.filter(territory=territory).order_by("-starts_at", "-id")[:200]:
        states[announcement.state_at(now)].append(announcement)
    states["scheduled"].reverse()
    states["past"] = states["past"][:20]
    return states
