"""Count what shoppers look at without a database query in the request, and without tracking anyone.

A view calls `count(kind=..., shop_id=..., key=...)` with what it already has in hand. During a
request the calls are held on the request (a context variable set by CountingMiddleware); when
the response is a 200 to a GET from something that is not a crawler, they are added to the
territory's buffer in one Redis round trip (a pipeline of HINCRBY), or to this process's memory
when no Redis is configured (local development). A Celery beat task moves each territory's buffer
into DailyCount (services.daily_counts_flush). A call made outside any request (a shell, a task)
goes to the buffer at once (and is written by the next flush).

Nothing about the person is kept: not their address, not their user agent (read once, here, to
leave crawlers out, and never stored), no cookie. A count is (the territory's day, kind, shop, key).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import Counter
from contextvars import ContextVar
from datetime import date, datetime
from zoneinfo import ZoneInfo

import redis
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

KINDS = frozenset({"page", "storefront", "product", "search", "search_empty", "search_shop"})
KEY_LENGTH = 200  # DailyCount.key
# Past this many distinct rows waiting in a territory's buffer, a flush is asked for at once
# (rather than at the next beat).
FLUSH_AT = 5_000
# Without Redis (one process's memory): how old the oldest waiting count may get before the
# process writes its buffer itself, at the end of a request.
MEMORY_FLUSH_SECONDS = 60.0

# Crawlers, link previews, monitors, scripts and headless browsers. Real browsers always send a
# user agent; none at all is a script.
BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|scrap|fetch|preview|monitor|check|scan|archiv|feed|headless|phantom|"
    r"lighthouse|pagespeed|gtmetrix|pingdom|uptime|python|curl|wget|httpie|java/|go-http|okhttp|"
    r"axios|node-fetch|libwww|perl|ruby|php/|facebookexternalhit|embedly|whatsapp|telegram|"
    r"discord|skype|slack|yandex|baidu|duckduck|bingpreview|applebot|petal|semrush|ahrefs|mj12",
    re.IGNORECASE,
)

Row = tuple[str, str, int | None, str]  # (day ISO, kind, shop_id, key)

_pending: ContextVar[list[Row] | None] = ContextVar("vitrine_metrics_pending", default=None)


def is_bot(user_agent: str) -> bool:
    """Whether a user agent is a crawler, a script or a headless browser (it is not counted)."""
    return not user_agent or BOT_USER_AGENT.search(user_agent) is not None


def territory_day() -> date:
    """Today in the current territory's time zone (the tenant on the connection: no query)."""
    zone = getattr(getattr(connection, "tenant", None), "time_zone", None) or "Europe/Paris"
    return datetime.now(ZoneInfo(zone)).date()


def count(*, kind: str, shop_id: int | None = None, key: str = "") -> None:
    """Count one sight of `kind` (and shop, key) today; kept for the end of the request, or buffered now."""
    if kind not in KINDS:
        raise ValueError(f"Unknown count kind: {kind}")
    row: Row = (territory_day().isoformat(), kind, shop_id, str(key)[:KEY_LENGTH])
    pending = _pending.get()
    if pending is not None:
        pending.append(row)
    else:
        buffer_add(schema_name=connection.schema_name, rows=[row])  # type: ignore[attr-defined]


def request_begin() -> object:
    """Start holding counts for the current request; returns the token request_end takes."""
    return _pending.set([])


def request_end(token, *, keep: bool) -> bool:
    """Add the request's counts to the buffer when `keep` (a 200 to a GET from a person), else drop them.

    Returns whether the buffer should be flushed now (see buffer_add).
    """
    rows = _pending.get()
    _pending.reset(token)
    if keep and rows:
        return buffer_add(schema_name=connection.schema_name, rows=rows)  # type: ignore[attr-defined]
    return False


class PageCounts:
    """The counts a view made, kept with its page in the page cache (common.pagecache) and counted
    again, for today, each time the page is served from there."""

    def begin(self) -> int:
        pending = _pending.get()
        return len(pending) if pending is not None else 0

    def end(self, start: int) -> tuple[tuple[str, int | None, str], ...]:
        pending = _pending.get() or []
        return tuple((kind, shop_id, key) for _day, kind, shop_id, key in pending[start:])

    def replay(self, recorded: tuple[tuple[str, int | None, str], ...]) -> None:
        for kind, shop_id, key in recorded:
            count(kind=kind, shop_id=shop_id, key=key)


# --- The buffer: Redis when configured, else this process's memory ---------------------------


def _field(row: Row) -> str:
    return json.dumps(row, separators=(",", ":"))


def _row(field: str | bytes) -> Row:
    day, kind, shop_id, key = json.loads(field)
    return (day, kind, shop_id, key)


class RedisBuffer:
    """One hash per territory: field = the row as JSON, value = how many. Taken by RENAME."""

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)

    @staticmethod
    def key(schema_name: str) -> str:
        return f"vitrine:metrics:buffer:{schema_name}"

    @staticmethod
    def taking_key(schema_name: str) -> str:
        return f"vitrine:metrics:taking:{schema_name}"

    @staticmethod
    def asked_key(schema_name: str) -> str:
        return f"vitrine:metrics:flush-asked:{schema_name}"

    def add(self, schema_name: str, rows: list[Row]) -> int:
        """Add the rows in one round trip; returns how many distinct rows wait now."""
        key = self.key(schema_name)
        pipe = self.client.pipeline(transaction=False)
        for row, n in Counter(rows).items():
            pipe.hincrby(key, _field(row), n)
        pipe.hlen(key)
        return int(pipe.execute()[-1])

    def take(self, schema_name: str) -> dict[Row, int]:
        """What waits, moved aside (a flush that failed left its batch aside: that batch comes first)."""
        taking = self.taking_key(schema_name)
        if not self.client.exists(taking):
            try:
                self.client.rename(self.key(schema_name), taking)
            except redis.ResponseError as exc:  # "no such key": nothing waits
                if "no such key" in str(exc).lower():
                    return {}
                raise
        return {_row(field): int(n) for field, n in self.client.hgetall(taking).items()}

    def taken(self, schema_name: str) -> None:
        """The batch is in the database: forget it."""
        self.client.delete(self.taking_key(schema_name))

    def discard(self, schema_name: str) -> None:
        self.client.delete(self.key(schema_name), self.taking_key(schema_name), self.asked_key(schema_name))

    def flush_requested(self, schema_name: str) -> bool:
        """True once per minute per territory: whether this caller should ask for a flush."""
        return bool(self.client.set(self.asked_key(schema_name), 1, nx=True, ex=60))


class MemoryBuffer:
    """This process's memory (no Redis: local development). Flushed by the process itself."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows: dict[str, Counter[Row]] = {}
        self.since: dict[str, float] = {}
        self.taking: dict[str, Counter[Row]] = {}

    def add(self, schema_name: str, rows: list[Row]) -> int:
        with self.lock:
            waiting = self.rows.setdefault(schema_name, Counter())
            waiting.update(rows)
            self.since.setdefault(schema_name, time.monotonic())
            return len(waiting)

    def take(self, schema_name: str) -> dict[Row, int]:
        with self.lock:
            if schema_name not in self.taking:
                self.taking[schema_name] = self.rows.pop(schema_name, Counter())
                self.since.pop(schema_name, None)
            return dict(self.taking[schema_name])

    def taken(self, schema_name: str) -> None:
        with self.lock:
            self.taking.pop(schema_name, None)

    def discard(self, schema_name: str) -> None:
        with self.lock:
            self.rows.pop(schema_name, None)
            self.since.pop(schema_name, None)
            self.taking.pop(schema_name, None)

    def due(self, schema_name: str) -> bool:
        """Whether the oldest waiting count is older than MEMORY_FLUSH_SECONDS."""
        since = self.since.get(schema_name)
        return since is not None and time.monotonic() - since >= MEMORY_FLUSH_SECONDS


_buffer: RedisBuffer | MemoryBuffer | None = None


def buffer() -> RedisBuffer | MemoryBuffer:
    """The process's buffer (made on first use, from settings.REDIS_URL)."""
    global _buffer
    if _buffer is None:
        url = getattr(settings, "REDIS_URL", "")
        _buffer = RedisBuffer(url) if url else MemoryBuffer()
    return _buffer


def buffer_add(*, schema_name: str, rows: list[Row]) -> bool:
    """Add counts to the territory's buffer; True when it should be flushed now. Never fails a page."""
    if not rows or schema_name == "public":
        return False
    store = buffer()
    try:
        waiting = store.add(schema_name, rows)
        if isinstance(store, RedisBuffer):
            return waiting >= FLUSH_AT and store.flush_requested(schema_name)
    except Exception as exc:  # Redis unreachable: these counts are lost, the page is served
        logger.warning("Visit counts dropped (%s): %s rows", exc.__class__.__name__, len(rows))
        return False
    # No Redis: no worker can reach this process's memory, so the process writes it itself.
    return waiting >= FLUSH_AT or store.due(schema_name)


def buffer_discard(*, schema_name: str) -> None:
    """Forget what waits for a territory (tests start from nothing)."""
    buffer().discard(schema_name)
