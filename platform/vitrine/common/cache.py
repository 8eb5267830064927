"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Vitrine caches only what it can recompute (routes, search results, rendered
fragments, rate-limit counters): with Redis down, pages must still be served,
slower, rather than answer 500. Each call waits at most the socket timeouts set
in the cache's OPTIONS; failures are logged, reads miss, writes are dropped.
"""

from __future__ import annotations

import functools
import logging
import re

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _tolerant(method_name: str, fallback):
    method = getattr(RedisCache, method_name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except _UNREACHABLE as exc:
            logger.warning("Cache unreachable (%s): %s skipped", exc.__class__.__name__, method_name)
            return fallback(*args, **kwargs)

    return call


def _default(key, default=None, *args, **kwargs):
    return default


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def territory_keys_delete(schema: str, *, aliases: tuple[str, ...] = ("default", "throttle")) -> int:
    """Delete a territory's keys from Redis: what was cached for it and its rate-limit counters
    (django_tenants' make_key starts each key with the schema). Returns how many.

    Nothing with the file cache (development): its keys are hashed, and its entries expire.
    """
    from django.core.cache import caches  # settings read when called, not on import

    deleted, seen = 0, set()
    for alias in aliases:
        store = caches[alias]
        # The whole prefix make_key writes (schema, then the alias's own prefix), never the schema
        # alone: "shared:*" would be another alias's keys.
        pattern = _glob_escape(f"{schema}:{store.key_prefix}:") + "*"
        if not isinstance(store, RedisCache) or (tuple(store._servers), pattern) in seen:
            continue
        seen.add((tuple(store._servers), pattern))
        try:
            client = store._cache.get_client(write=True)
            batch: list[bytes] = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) == 500:
                    deleted += client.unlink(*batch)
                    batch = []
            if batch:
                deleted += client.unlink(*batch)
        except _UNREACHABLE as exc:  # what is left expires (pages, counters) or is never read again
            logger.warning(
                "Cache unreachable (%s): the keys of %s were not all deleted", exc.__class__.__name__, schema
            )
    return deleted


class TolerantRedisCache(RedisCache):
    """RedisCache whose calls miss (reads) or do nothing (writes) while Redis is unreachable."""

    get = _tolerant("get", _default)
    get_many = _tolerant("get_many", lambda *a, **k: {})
    has_key = _tolerant("has_key", lambda *a, **k: False)
    set = _tolerant("set", lambda *a, **k: None)
    add = _tolerant("add", lambda *a, **k: False)
    touch = _tolerant("touch", lambda *a, **k: False)
    set_many = _tolerant("set_many", lambda data, *a, **k: list(data))
    delete = _tolerant("delete", lambda *a, **k: False)
    delete_many = _tolerant("delete_many", lambda *a, **k: None)
    clear = _tolerant("clear", lambda *a, **k: False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _UNREACHABLE as exc:
            # Counters (rate limits) fail open: a client is not refused because Redis is down.
            logger.warning("Cache unreachable (%s): incr skipped", exc.__class__.__name__)
            return delta
