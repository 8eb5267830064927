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
import uuid
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import redis
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

KINDS = frozenset({"page", "storefront", "product", "search", "search_empty", "search_shop"})
KEY_LENGTH = 200  # DailyCount.key
# A search's words are kept shorter (the search cleans them first: search.text.counted_search_key).
SEARCH_KINDS = frozenset({"search", "search_empty"})
SEARCH_KEY_LENGTH = 60
# Past this many distinct rows waiting in a territory's buffer, a flush is asked for at once
# (rather than at the next beat).
FLUSH_AT = 5_000
# Without Redis (one process's memory): how old the oldest waiting count may get before the
# process writes its buffer itself, at the end of a request.
MEMORY_FLUSH_SECONDS = 60.0
# A flush holds its territory's lock at most this long (20,000 rows take under a second): two
# flushes never write at once; a flush that died frees the territory when its lock expires.
FLUSH_LOCK_SECONDS = 120
# A batch that failed this many flushes is set aside (a dead letter, kept DEAD_LETTER_SECONDS for
# someone to look at) so that counting goes on.
MAX_ATTEMPTS = 5
DEAD_LETTER_SECONDS = 30 * 24 * 3600
# After Redis failed to answer, this process leaves it alone this long (counts held in memory).
BREAKER_SECONDS = 30.0

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
    key = str(key)[: SEARCH_KEY_LENGTH if kind in SEARCH_KINDS else KEY_LENGTH]
    row: Row = (territory_day().isoformat(), kind, shop_id, key)
    pending = _pending.get()
    if pending is not None:
        pending.append(row)
    else:
        buffer_add(schema_name=connection.schema_name, rows=[row])  # type: ignore[attr-defined]


def request_begin() -> object:
    """Start holding counts for the current request; returns the token request_end takes."""
    return _pending.set([])


def has_pending() -> bool:
    """Whether the current request made any count (the middleware asks nothing more of the others)."""
    return bool(_pending.get())


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


@dataclass(frozen=True)
class Batch:
    """A territory's waiting counts, set aside for one flush.

    `id` names the batch until it is written (the database records it with the counts, so a batch
    written once is never written again); `attempt` is this flush's try at it, from 1.
    """

    id: str
    rows: dict[Row, int]
    attempt: int


# Atomic in Redis: set the buffer aside (unless a batch already waits there: it comes first),
# name it, count this attempt. KEYS: buffer, taking, taking id, attempts; ARGV: a new batch id.
_TAKE = """
if redis.call('exists', KEYS[2]) == 0 then
  if redis.call('exists', KEYS[1]) == 0 then return false end
  redis.call('rename', KEYS[1], KEYS[2])
  redis.call('set', KEYS[3], ARGV[1])
  redis.call('del', KEYS[4])
end
if redis.call('exists', KEYS[3]) == 0 then redis.call('set', KEYS[3], ARGV[1]) end
local attempt = redis.call('incr', KEYS[4])
return {redis.call('get', KEYS[3]), attempt, redis.call('hgetall', KEYS[2])}
"""
# Forget the batch set aside, if it is still this one. KEYS: taking, taking id, attempts; ARGV: batch id.
_TAKEN = """
if redis.call('get', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('del', KEYS[1], KEYS[2], KEYS[3])
return 1
"""
# Move the batch set aside to its dead-letter key, if it is still this one.
# KEYS: taking, taking id, attempts, dead letter; ARGV: batch id, seconds the dead letter is kept.
_SET_ASIDE = """
if redis.call('get', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('rename', KEYS[1], KEYS[4])
redis.call('expire', KEYS[4], tonumber(ARGV[2]))
redis.call('del', KEYS[2], KEYS[3])
return 1
"""
# Release a lock only if it is still ours (it may have expired and been taken by another flush).
_UNLOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisBuffer:
    """One hash per territory: field = the row as JSON, value = how many. Taken by RENAME.

    A circuit breaker keeps an unreachable Redis from slowing every page: after a failure, this
    process leaves Redis alone for BREAKER_SECONDS and holds the counts in its own memory (`held`),
    added to Redis with the first counts after it.
    """

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.skip_until = 0.0  # time.monotonic() before which Redis is not tried (the breaker is open)
        self.held = MemoryBuffer()
        self._take = self.client.register_script(_TAKE)
        self._taken = self.client.register_script(_TAKEN)
        self._set_aside = self.client.register_script(_SET_ASIDE)
        self._unlock = self.client.register_script(_UNLOCK)

    @staticmethod
    def key(schema_name: str) -> str:
        return f"vitrine:metrics:buffer:{schema_name}"

    @staticmethod
    def taking_key(schema_name: str) -> str:
        return f"vitrine:metrics:taking:{schema_name}"

    @staticmethod
    def taking_id_key(schema_name: str) -> str:
        return f"vitrine:metrics:taking-id:{schema_name}"

    @staticmethod
    def attempts_key(schema_name: str) -> str:
        return f"vitrine:metrics:taking-attempts:{schema_name}"

    def taking_keys(self, schema_name: str) -> list[str]:
        """The batch set aside for writing, its id and its attempts: the keys every step of a flush moves."""
        return [self.taking_key(schema_name), self.taking_id_key(schema_name), self.attempts_key(schema_name)]

    @staticmethod
    def dead_key(schema_name: str, batch_id: str) -> str:
        return f"vitrine:metrics:dead:{schema_name}:{batch_id}"

    @staticmethod
    def asked_key(schema_name: str) -> str:
        return f"vitrine:metrics:flush-asked:{schema_name}"

    @staticmethod
    def lock_key(schema_name: str) -> str:
        return f"vitrine:metrics:flush-lock:{schema_name}"

    def add(self, schema_name: str, rows: Counter[Row]) -> int:
        """Add the rows in one round trip; returns how many distinct rows wait now."""
        key = self.key(schema_name)
        pipe = self.client.pipeline(transaction=False)
        for row, n in rows.items():
            pipe.hincrby(key, _field(row), n)
        pipe.hlen(key)
        return int(pipe.execute()[-1])

    def lock(self, schema_name: str) -> str | None:
        """The territory's flush lock (a token to give back to unlock), or None while another flush holds it."""
        token = uuid.uuid4().hex
        return token if self.client.set(self.lock_key(schema_name), token, nx=True, ex=FLUSH_LOCK_SECONDS) else None

    def unlock(self, schema_name: str, token: str) -> None:
        self._unlock(keys=[self.lock_key(schema_name)], args=[token])

    def take(self, schema_name: str) -> Batch | None:
        """What waits, set aside and named (a batch a failed flush left aside comes first); None: nothing."""
        keys = [
            self.key(schema_name),
            *self.taking_keys(schema_name),
        ]
        found = self._take(keys=keys, args=[uuid.uuid4().hex])
        if not found:
            return None
        batch_id, attempt, flat = found
        rows = {_row(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}
        return Batch(id=batch_id.decode() if isinstance(batch_id, bytes) else batch_id, rows=rows, attempt=int(attempt))

    def taken(self, schema_name: str, batch_id: str) -> None:
        """The batch is in the database: forget it."""
        keys = self.taking_keys(schema_name)
        self._taken(keys=keys, args=[batch_id])

    def set_aside(self, schema_name: str, batch_id: str) -> str:
        """Move a batch that keeps failing to its dead-letter key (kept DEAD_LETTER_SECONDS); returns the key."""
        dead = self.dead_key(schema_name, batch_id)
        keys = [*self.taking_keys(schema_name), dead]
        self._set_aside(keys=keys, args=[batch_id, DEAD_LETTER_SECONDS])
        return dead

    def dead_letters(self, schema_name: str) -> dict[str, dict[Row, int]]:
        """The batches set aside for good, by key."""
        return {
            key.decode(): {_row(field): int(n) for field, n in self.client.hgetall(key).items()}
            for key in self.client.scan_iter(match=self.dead_key(schema_name, "*"))
        }

    def discard(self, schema_name: str) -> None:
        self.client.delete(
            self.key(schema_name),
            *self.taking_keys(schema_name),
            self.asked_key(schema_name),
            self.lock_key(schema_name),
            *self.client.scan_iter(match=self.dead_key(schema_name, "*")),
        )
        self.held.discard(schema_name)

    def flush_requested(self, schema_name: str) -> bool:
        """True once per minute per territory: whether this caller should ask for a flush."""
        return bool(self.client.set(self.asked_key(schema_name), 1, nx=True, ex=60))


class MemoryBuffer:
    """This process's memory (no Redis: local development). Flushed by the process itself."""

    def __init__(self):
        self.mutex = threading.Lock()
        self.rows: dict[str, Counter[Row]] = {}
        self.since: dict[str, float] = {}
        self.taking: dict[str, Batch] = {}
        self.dead: dict[str, dict[Row, int]] = {}
        self.flushing: dict[str, str] = {}

    def add(self, schema_name: str, rows: Counter[Row]) -> int:
        with self.mutex:
            waiting = self.rows.setdefault(schema_name, Counter())
            waiting.update(rows)
            self.since.setdefault(schema_name, time.monotonic())
            return len(waiting)

    def pop(self, schema_name: str) -> Counter[Row]:
        """What waits, removed (the counts held while Redis was skipped, on their way to Redis)."""
        with self.mutex:
            self.since.pop(schema_name, None)
            return self.rows.pop(schema_name, Counter())

    def size(self, schema_name: str) -> int:
        return len(self.rows.get(schema_name, ()))

    def lock(self, schema_name: str) -> str | None:
        with self.mutex:
            if schema_name in self.flushing:
                return None
            token = self.flushing[schema_name] = uuid.uuid4().hex
            return token

    def unlock(self, schema_name: str, token: str) -> None:
        with self.mutex:
            if self.flushing.get(schema_name) == token:
                del self.flushing[schema_name]

    def take(self, schema_name: str) -> Batch | None:
        with self.mutex:
            batch = self.taking.get(schema_name)
            if batch is None:
                rows = self.rows.pop(schema_name, None)
                self.since.pop(schema_name, None)
                if not rows:
                    return None
                batch = Batch(id=uuid.uuid4().hex, rows=dict(rows), attempt=0)
            batch = self.taking[schema_name] = Batch(id=batch.id, rows=batch.rows, attempt=batch.attempt + 1)
            return batch

    def taken(self, schema_name: str, batch_id: str) -> None:
        with self.mutex:
            if (batch := self.taking.get(schema_name)) is not None and batch.id == batch_id:
                del self.taking[schema_name]

    def set_aside(self, schema_name: str, batch_id: str) -> str:
        with self.mutex:
            batch = self.taking.pop(schema_name)
            name = f"{schema_name}:{batch_id}"
            self.dead[name] = batch.rows
            return name

    def dead_letters(self, schema_name: str) -> dict[str, dict[Row, int]]:
        return {name: rows for name, rows in self.dead.items() if name.startswith(f"{schema_name}:")}

    def discard(self, schema_name: str) -> None:
        with self.mutex:
            self.rows.pop(schema_name, None)
            self.since.pop(schema_name, None)
            self.taking.pop(schema_name, None)
            self.flushing.pop(schema_name, None)
            for name in [name for name in self.dead if name.startswith(f"{schema_name}:")]:
                del self.dead[name]

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
    if isinstance(store, RedisBuffer):
        return _redis_add(store, schema_name, Counter(rows))
    waiting = store.add(schema_name, Counter(rows))
    # No Redis: no worker can reach this process's memory, so the process writes it itself.
    return waiting >= FLUSH_AT or store.due(schema_name)


def _redis_add(store: RedisBuffer, schema_name: str, rows: Counter[Row]) -> bool:
    """Add to Redis, with what was held while it was skipped; on failure, hold them and skip Redis a while."""
    if time.monotonic() < store.skip_until:
        _hold(store, schema_name, rows)
        return False
    rows.update(store.held.pop(schema_name))
    try:
        waiting = store.add(schema_name, rows)
    except Exception as exc:  # Redis unreachable: the counts wait in this process, the page is served
        store.skip_until = time.monotonic() + BREAKER_SECONDS
        logger.warning(
            "Visit counts: Redis unreachable (%s), not tried again for %s s; counts held in this process",
            exc.__class__.__name__,
            BREAKER_SECONDS,
        )
        _hold(store, schema_name, rows)
        return False
    try:
        return waiting >= FLUSH_AT and store.flush_requested(schema_name)
    except Exception:  # the counts are in; only the early flush is not asked for (beat will come)
        return False


def _hold(store: RedisBuffer, schema_name: str, rows: Counter[Row]) -> None:
    """Keep counts in this process's memory while Redis is skipped, up to FLUSH_AT distinct rows a territory."""
    if store.held.size(schema_name) + len(rows) > FLUSH_AT:
        logger.warning("Visit counts dropped (Redis unreachable, memory full): %s rows", sum(rows.values()))
        return
    store.held.add(schema_name, rows)


def buffer_discard(*, schema_name: str) -> None:
    """Forget what waits for a territory (tests start from nothing)."""
    buffer().discard(schema_name)
