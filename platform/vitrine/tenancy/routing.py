"""Host -> territory, from an in-process cache.

Every request needs its territory before anything else, so the lookup must
not cost a query once warm. Each process keeps a small dict of host -> entry
(misses included, so unknown hosts do not hit the database either). A write
to a territory or a domain clears the writing process's dict at once and bumps
a generation number in the shared cache; other processes look at that number
at most once per GENERATION_CHECK_SECONDS and drop their dict when it moved.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.core.cache import caches

from vitrine.tenancy.models import Domain, Territory

GENERATION_KEY = "vitrine:routing:generation"
GENERATION_CHECK_SECONDS = 1.0
MAX_ENTRIES = 10_000  # bounds memory against floods of random Host headers


@dataclass(frozen=True)
class Route:
    """Where a host leads: a territory, or nowhere (territory is None)."""

    territory: Territory | None


class _RouteCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self._memo: dict[tuple, object] = {}
        self._generation: int | None = None
        self._checked_at = 0.0

    def get(self, host: str) -> Route:
        self._check_generation()
        route = self._routes.get(host)
        if route is None:
            route = Route(territory=_territory_from_db(host))
            with self._lock:
                if len(self._routes) >= MAX_ENTRIES:
                    self._routes.clear()
                self._routes[host] = route
        return route

    def memo(self, key: tuple, compute):
        """A value derived from territories and domains, kept until routing is invalidated."""
        self._check_generation()
        try:
            return self._memo[key]
        except KeyError:  # (another thread may clear the memo at any time: never read it back)
            value = compute()
            with self._lock:
                if len(self._memo) >= MAX_ENTRIES:  # one per territory and kind: bounded like the routes
                    self._memo.clear()
                self._memo[key] = value
            return value

    def clear(self) -> None:
        with self._lock:
            self._routes.clear()
            self._memo.clear()

    def restart(self) -> None:
        """Forget every cached route and take the generation as it is now (a test starts from here: a
        change another test made a moment ago does not empty the cache in the middle of this one)."""
        self.clear()
        self._checked_at = 0.0
        self._check_generation()

    def _check_generation(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < GENERATION_CHECK_SECONDS:
            return
        self._checked_at = now
        generation = caches["shared"].get(GENERATION_KEY, default=0)
        if generation != self._generation:
            self._generation = generation
            self.clear()


def _territory_from_db(host: str) -> Territory | None:
    domain = Domain.objects.select_related("tenant").filter(domain=host).first()
    return domain.tenant if domain else None


routes = _RouteCache()


def territory_for_host(host: str) -> Territory | None:
    """Return the territory a host routes to, or None for an unknown host."""
    return routes.get(host.lower().rstrip(".")).territory


def routing_invalidate() -> None:
    """Forget every cached route, here at once and in other processes within a second."""
    routes.clear()
    shared = caches["shared"]
    try:
        generation = shared.incr(GENERATION_KEY)
    except ValueError:
        generation = 1
        shared.set(GENERATION_KEY, generation, timeout=None)
    # This process has just emptied its cache: it takes the new number now, rather than emptying
    # the cache a second time when it next looks at the number.
    routes._generation = generation
