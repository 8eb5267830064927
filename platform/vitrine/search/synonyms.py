"""The territory's synonyms as the search uses them, kept per process (bounded) and never stale.

A search needs them before it writes its statement, so they cannot come back with it as the
category tree does. The statement returns their version (SYNONYMS_VERSION, a fingerprint of
the table) instead: when it differs from the one the synonyms used were read at, they are read
again and, if that changes this search's words, the statement runs again. A change made by
this process forgets its copy at once (synonym_add, synonym_delete); another process's copy is
caught by the version on its next search, at the cost of one more query then. While nothing
changes a search costs no query for them.
"""

from __future__ import annotations

import hashlib

from django.db import connection, transaction

from vitrine.search.cache import TerritoryCache
from vitrine.search.text import search_words

# A word's synonyms: each a phrase of folded words, all of which must be found.
Expansions = tuple[tuple[str, ...], ...]
SynonymTable = dict[str, Expansions]

# What changes the synonyms changes this; its value for no synonym is EMPTY_VERSION.
SYNONYMS_VERSION = (
    "(SELECT md5(coalesce(string_agg(key || '=' || expansion_key, ';' ORDER BY id), '')) FROM search_synonym)"
)
EMPTY_VERSION = hashlib.md5(b"", usedforsecurity=False).hexdigest()

_tables: TerritoryCache[SynonymTable] = TerritoryCache()


def synonyms_cached() -> tuple[str, SynonymTable]:
    """This process's copy of the territory's synonyms and its version; none yet counts as no synonym."""
    held = _tables.latest(connection.schema_name)
    if held is None:
        return EMPTY_VERSION, {}
    return str(held[0]), held[1]


def synonyms_load() -> tuple[str, SynonymTable]:
    """Read the territory's synonyms and their version (one query), and keep them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {SYNONYMS_VERSION}, NULL, NULL UNION ALL SELECT NULL, key, expansion_key FROM search_synonym"
        )
        rows = cursor.fetchall()
    version = next(row[0] for row in rows if row[0] is not None)
    table: dict[str, list[tuple[str, ...]]] = {}
    for _version, key, expansion in rows:
        if key is not None:
            words = tuple(search_words(expansion))
            if words:
                table.setdefault(key, []).append(words)
    loaded = {key: tuple(phrases) for key, phrases in table.items()}
    _tables.put(connection.schema_name, version, loaded)
    return version, loaded


def synonyms_forget_on_commit() -> None:
    """Drop this process's copy of the territory's synonyms once the change being made is committed."""
    schema = connection.schema_name
    transaction.on_commit(lambda: _tables.forget(schema))
