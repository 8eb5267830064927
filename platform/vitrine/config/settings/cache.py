"""Cache: Redis when REDIS_URL is set, otherwise files under var/cache (shared by processes).

"default" keys are prefixed with the current territory's schema
(django_tenants.cache.make_key); "shared" is the same store without the
prefix, for platform-wide keys such as the routing generation; "throttle" holds
the rate limits' counters, per territory too.
"""

from vitrine.config.env import VAR_DIR, env

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Redis down means slower pages, not errors (see vitrine.common.cache); each call
    # gives up after half a second rather than holding a request.
    _store = {
        "BACKEND": "vitrine.common.cache.TolerantRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
else:
    _store = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env("VITRINE_CACHE_DIR", default=str(VAR_DIR / "cache")),
    }
CACHES = {
    "default": {
        **_store,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
    "shared": {**_store, "KEY_PREFIX": "shared"},
    # This process's memory, bounded (LocMemCache culls a third when full): whole pages for anonymous
    # visitors (common.pagecache) and the cards' fragments (catalogue templates' {% cache %}). Keys
    # start with the territory's schema; pages are versioned by a generation in "shared".
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "vitrine-pages",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "TIMEOUT": 60,
        "OPTIONS": {"MAX_ENTRIES": env.int("VITRINE_PAGE_CACHE_ENTRIES", default=1_000)},
    },
    "fragments": {
        # VITRINE_FRAGMENT_CACHE_ENTRIES=0: no fragment kept (to measure what they save)
        "BACKEND": "django.core.cache.backends."
        + ("locmem.LocMemCache" if env.int("VITRINE_FRAGMENT_CACHE_ENTRIES", default=1) else "dummy.DummyCache"),
        "LOCATION": "vitrine-fragments",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": env.int("VITRINE_FRAGMENT_CACHE_ENTRIES", default=20_000)},
    },
    "throttle": {
        **_store,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        # Files: a folder of its own (each file cache culls its folder past MAX_ENTRIES), and no
        # default timeout, because the file cache's increment saves the key again with it (300 s
        # would cut an hourly window short); a counter's key names its window, so a stale one is
        # never read again.
        **(
            {}
            if REDIS_URL
            else {"LOCATION": f"{_store['LOCATION']}/throttle", "TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 10_000}}
        ),
    },
}

# Whole pages for anonymous visitors (common.pagecache): how long one is kept at most (what depends on
# the clock, "open now" or an announcement's start, is at most that late); 0 turns it off.
VITRINE_PAGE_CACHE_SECONDS = env.int("VITRINE_PAGE_CACHE_SECONDS", default=60)
