"""Per-process caches of what the search derives from a territory's small tables, bounded.

One process may serve every territory (1,000 and more): a plain dict keyed by schema would
keep each one's tree and words for ever. These keep the territories used most recently.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

# Territories whose category tree (or names' words) a process keeps. Past it, the territory
# used least recently is dropped, and rebuilt (one query) on its next search.
TERRITORIES_CACHED = 256

V = TypeVar("V")


class TerritoryCache(Generic[V]):
    """Values keyed by schema, each stored with the version of the content it was built from.

    `get()` answers only for the version asked (a fingerprint of the content, which the
    caller reads from the database: an edit changes it, so a value is never served stale);
    beyond `max_entries` territories, the least recently used is evicted. Thread-safe.
    Values are never None: None means "build it".
    """

    def __init__(self, max_entries: int = TERRITORIES_CACHED):
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[Hashable, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, schema: str, version: Hashable) -> V | None:
        """The schema's value if it was built from `version`, else None; marks it recently used."""
        with self._lock:
            entry = self._entries.get(schema)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(schema)
            return entry[1]

    def latest(self, schema: str) -> tuple[Hashable, V] | None:
        """The schema's value with the version it was built from, whatever it is; marks it recently used."""
        with self._lock:
            entry = self._entries.get(schema)
            if entry is None:
                return None
            self._entries.move_to_end(schema)
            return entry

    def forget(self, schema: str) -> None:
        with self._lock:
            self._entries.pop(schema, None)

    def put(self, schema: str, version: Hashable, value: V) -> None:
        """Keep `value` for the schema (replacing another version's), evicting the oldest if full."""
        with self._lock:
            self._entries[schema] = (version, value)
            self._entries.move_to_end(schema)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def schemas(self) -> list[str]:
        """The schemas held, least recently used first."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
