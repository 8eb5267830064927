"""Whole shopper pages kept for anonymous visitors: per territory, bounded, versioned by the writes.

A page is kept (`page_cache` on its view) only when nothing on it belongs to the visitor: a GET by
someone not signed in, with no flash message waiting. What is personal on such a page is drawn with
a placeholder and filled in on every answer, the cached one included: the cart count in the header
(the visitor's session) and the CSRF token of a form that posts (the visitor's own, from their
cookie). Apps name those pieces with `personal_register`; templates draw them with `personal()`.

Keys: the territory's schema, its *pages generation*, this process's view of the territory (the
routing generation, so a process still holding the old branding never stores a page under the new
number), the language, the host and the full path. A write that changes what shoppers see calls
`pages_changed()` (the apps hook their models' saves and deletes, and call it where they write in
bulk); the generation lives in the shared cache, read on each cacheable request, so every process
sees the change on its next request. Redis unreachable: the generation cannot be read, and pages
are rendered, not served from a cache that may be stale.

Entries live in this process's memory (the "pages" cache: a bounded LocMemCache, MAX_ENTRIES) for
at most VITRINE_PAGE_CACHE_SECONDS: what depends on the clock ("open now", an announcement's start)
is at most that late.

Per request, what a view records for later (the visit counts) is replayed from the entry: apps
register a `Recorder`.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

PAGES_CACHE = "pages"
FRAGMENTS_CACHE = "fragments"
GENERATION_KEY = "vitrine:pages:generation:{schema}"
_RENDERING = "_vitrine_page_cache_rendering"
_NONCE = secrets.token_hex(12)  # placeholders are this process's own (so are its cached pages)


# --- What is personal on a page ------------------------------------------------------------------

_personal: dict[str, Callable[[HttpRequest], str]] = {}


def personal_register(name: str, fill: Callable[[HttpRequest], str]) -> None:
    """Name a piece of a page that belongs to the visitor, and how to draw it for a request."""
    _personal[name] = fill


def placeholder(name: str) -> str:
    return f"vitrine-personal-{name}-{_NONCE}"


def rendering_for_cache(request: HttpRequest | None) -> bool:
    """Whether this request's page is being drawn to be kept: personal pieces are placeholders."""
    return bool(getattr(request, _RENDERING, False))


def personal(request: HttpRequest | None, name: str, value: Any) -> Any:
    """`value`, or the placeholder of `name` when the page is being drawn to be kept."""
    return placeholder(name) if rendering_for_cache(request) else value


def context_processor(request: HttpRequest) -> dict:
    """While a page is drawn to be kept, `{% csrf_token %}` draws a placeholder (filled per visitor)."""
    return {"csrf_token": placeholder("csrf")} if rendering_for_cache(request) else {}


def _fill(request: HttpRequest, content: bytes) -> bytes:
    for name, fill in _personal.items():
        marker = placeholder(name).encode()
        if marker in content:
            content = content.replace(marker, str(fill(request)).encode())
    return content


personal_register("csrf", get_token)  # the visitor's own token (sets their CSRF cookie when missing)


# --- What a view records, replayed from the cache ---------------------------------------------------


class Recorder(Protocol):
    def begin(self) -> Any: ...
    def end(self, token: Any) -> Any: ...
    def replay(self, recorded: Any) -> None: ...


_recorders: list[Recorder] = []


def recorder_register(recorder: Recorder) -> None:
    _recorders.append(recorder)


# --- The version of a territory's pages ----------------------------------------------------------

_version_parts: list[Callable[[], Any]] = []


def version_part_register(part: Callable[[], Any]) -> None:
    """Something of this process's own that a page was drawn from (e.g. its routing generation)."""
    _version_parts.append(part)


def pages_generation(schema: str) -> int | None:
    """The territory's pages generation, or None when it cannot be read (Redis unreachable)."""
    shared = caches["shared"]
    key = GENERATION_KEY.format(schema=schema)
    value = shared.get(key)
    if value is None:
        # A random start, as _bump's: after Redis lost its keys, a number a process still holds pages
        # under (for up to a minute) is not handed out again.
        shared.add(key, secrets.randbelow(2**31) + 2, timeout=None)
        value = shared.get(key)
    return value


def pages_forget(schema: str) -> None:
    """Drop a territory's pages generation (the territory is gone)."""
    caches["shared"].delete(GENERATION_KEY.format(schema=schema))


def _bump(schema: str) -> None:
    shared = caches["shared"]
    key = GENERATION_KEY.format(schema=schema)
    try:
        shared.incr(key)
    except ValueError:  # not there (never read, or evicted): any new number will do
        shared.set(key, secrets.randbelow(2**31) + 2, timeout=None)


@dataclass
class _Pending:
    schemas: set[str] = field(default_factory=set)

    def __call__(self) -> None:
        for schema in self.schemas:
            _bump(schema)


def pages_changed(schema: str | None = None) -> None:
    """What shoppers see of a territory changed (its schema, by default the connection's): its
    cached pages are dropped, in every process, at once and again when the transaction commits
    (a page drawn by another process from the old rows in between is not kept)."""
    schema = schema or connection.schema_name
    if not schema or schema == getattr(settings, "PUBLIC_SCHEMA_NAME", "public"):
        return
    _bump(schema)
    if not connection.in_atomic_block:
        return
    # One callback per transaction, whatever the number of rows written (a rollback drops it).
    pending = next((f for _sids, f, *_ in connection.run_on_commit if isinstance(f, _Pending)), None)
    if pending is None:
        pending = _Pending()
        transaction.on_commit(pending)
    pending.schemas.add(schema)


def pages_changed_on_write(*models, schema_of: Callable[[Any], str] | None = None) -> None:
    """Drop a territory's pages whenever one of these models is saved or deleted (called by the
    owning app's ready(); `schema_of` for a row of the public schema that belongs to a territory).
    Not business logic, a cache: every way of saving a row is caught. Bulk writes send no signal:
    their services call pages_changed()."""

    def changed(sender, instance, **kwargs) -> None:
        pages_changed(schema=schema_of(instance) if schema_of else None)

    for model in models:
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"pagecache-save-{model._meta.label}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"pagecache-delete-{model._meta.label}")


# --- The cache of whole pages -------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    content: bytes
    content_type: str
    recorded: tuple


def _visitor_anonymous(request: HttpRequest) -> bool:
    """Nobody signed in and no flash message waiting (without a session cookie, no query)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    if getattr(request, "user", None) is None or request.user.is_authenticated:
        return False
    storage = getattr(request, "_messages", None)
    return storage is None or len(storage) == 0


def _key(request: HttpRequest, schema: str, generation: int) -> str:
    parts = [schema, str(generation), *(str(part()) for part in _version_parts)]
    parts += [getattr(request, "LANGUAGE_CODE", ""), request.get_host(), request.get_full_path()]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def page_cache(view):
    """Keep the view's 200 answers to anonymous visitors (see the module's docstring)."""

    @functools.wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = settings.VITRINE_PAGE_CACHE_SECONDS
        schema = getattr(connection, "schema_name", "")
        if not seconds or request.method != "GET" or not schema or not _visitor_anonymous(request):
            return view(request, *args, **kwargs)
        generation = pages_generation(schema)
        if generation is None:
            return view(request, *args, **kwargs)
        store = caches[PAGES_CACHE]
        key = _key(request, schema, generation)
        entry = store.get(key)
        if entry is not None:
            for recorder, recorded in zip(_recorders, entry.recorded):
                recorder.replay(recorded)
            response = HttpResponse(_fill(request, entry.content), content_type=entry.content_type)
            response["X-Page-Cache"] = "hit"
            return response
        tokens = [recorder.begin() for recorder in _recorders]
        setattr(request, _RENDERING, True)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
        finally:
            setattr(request, _RENDERING, False)
        recorded = tuple(recorder.end(token) for recorder, token in zip(_recorders, tokens))
        if response.streaming:
            return response
        if response.status_code == 200 and not response.cookies and not response.has_header("Cache-Control"):
            store.set(key, _Entry(response.content, response["Content-Type"], recorded), seconds)
            response["X-Page-Cache"] = "miss"
        response.content = _fill(request, response.content)
        return response

    return cached_view
