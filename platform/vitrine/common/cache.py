"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Vitrine caches only what it can recompute (routes, search results, rendered
fragments, rate-limit counters): with Redis down, pages must still be served,
slower, rather than answer 500. Each call waits at most the socket timeouts set
in the cache's OPTIONS; failures are logged, reads miss, writes are dropped.
"""

from __future__ import annotations

import functools
import logging

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
