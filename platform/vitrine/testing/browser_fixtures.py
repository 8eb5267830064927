"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), never a downloaded browser.

A pytest plugin (`-p vitrine.testing.browser_fixtures` in pyproject's addopts), so the browser
tests of every folder share one set of fixtures.

Without /usr/bin/chromium the browser tests are skipped, unless VITRINE_REQUIRE_BROWSER=1
(set in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection, connections

CHROMIUM = Path(os.environ.get("VITRINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
OPERATOR_PASSWORD = "e2e-operator-pass-1"


def _browser_missing(reason: str):
    if os.environ.get("VITRINE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (VITRINE_REQUIRE_BROWSER=1, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def orm(django_db_setup, django_db_blocker) -> Iterator[Callable]:
    """`orm(fn, *args)`: run Django ORM code, committed, where the browser tests can use it.

    Playwright's sync API keeps an asyncio loop running in the test thread. There
    Django refuses ORM calls (SynchronousOnlyOperation), and asgiref would hand out
    a different, never-closed connection per context. So the ORM work of browser
    tests runs in this one helper thread instead: its own connection, in
    autocommit (the web server and the worker see its rows at once), on the public
    schema, closed at the end of the session.
    """
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="e2e-orm")

    def call(fn: Callable, *args, **kwargs):
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            try:
                return fn(*args, **kwargs)
            finally:
                connection.set_schema_to_public()

    def run(fn: Callable, *args, **kwargs):
        return executor.submit(call, fn, *args, **kwargs).result()

    yield run
    executor.submit(connections.close_all).result()
    executor.shutdown()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, checked before anything starts (no web server for skipped tests)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _browser_missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        # Only checks it is there (a dev dependency): the browser fixture imports what it uses.
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _browser_missing("the playwright package is not installed (pip install -e '.[dev]')")
    return CHROMIUM


@pytest.fixture(scope="module")
def playwright_driver(chromium, web_server) -> Iterator:
    """Playwright's driver, for one test module at a time.

    While it runs, an asyncio loop is running in this thread, and Django refuses
    ORM calls here: module scope stops it before the next module's tests (which
    may use the ORM directly). It asks for web_server first, so the session's
    database work (test database, territories) happens before the loop starts.
    """
    # Playwright is a dev dependency, loaded only when a browser test asks for a browser.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver, chromium) -> Iterator:
    browser = playwright_driver.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _context(browser, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(15_000)
    return context


@pytest.fixture
def page(browser) -> Iterator:
    """A desktop-sized tab in a fresh context (no cookies shared between tests)."""
    context = _context(browser, viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser) -> Iterator:
    """A phone-sized tab (390×844, touch, 3× pixels) in a fresh context."""
    context = _context(browser, viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def base_url(web_server):
    """`base_url("nancy")` -> http://nancy.localhost:<port>/ (Chromium resolves *.localhost itself)."""

    def url(host: str, path: str = "/") -> str:
        return f"http://{host}.localhost:{web_server}{path}"

    return url


@pytest.fixture(scope="session")
def screenshot():
    """`screenshot(page, "home-nancy")` saves a full-page PNG under var/screenshots/."""
    # Imported here, not at the top: this plugin loads before pytest-django picks the settings,
    # and vitrine.config would set DJANGO_SETTINGS_MODULE to the local settings.
    from vitrine.config.env import VAR_DIR

    screenshots = VAR_DIR / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = screenshots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def _operator_create() -> object:
    # This plugin loads before Django is set up (pytest -p): models are imported when used.
    from vitrine.accounts.models import User

    return User.objects.create_superuser(
        email=f"operator-{secrets.token_hex(4)}@vitrine.example.fr", password=OPERATOR_PASSWORD
    )


def _operator_delete(pk: int) -> None:
    # This plugin loads before Django is set up (pytest -p): models are imported when used.
    from vitrine.accounts.models import User
    from vitrine.console.services import console_user_delete

    console_user_delete(user=User.objects.get(pk=pk))


@pytest.fixture
def operator(orm):
    """A committed platform operator (console user in the public schema), deleted after the test."""
    user = orm(_operator_create)
    user.raw_password = OPERATOR_PASSWORD
    # This plugin loads before Django is set up (pytest -p): models are imported when used.
    from vitrine.testing.two_factor import totp_code_for

    user.totp_code = lambda: orm(totp_code_for, "public", user.email)  # its authenticator app
    user.totp_code()  # made now: signing in asks for a code, not a setup
    yield user
    orm(_operator_delete, user.pk)


def _territories_drop(slugs: list[str]) -> None:
    # This plugin loads before Django is set up (pytest -p): models are imported when used.
    from vitrine.tenancy.models import Territory
    from vitrine.tenancy.routing import routing_invalidate

    for territory in Territory.objects.filter(schema_name__in=slugs):
        territory.delete(force_drop=True)
        connection.set_schema_to_public()
    routing_invalidate()


@pytest.fixture
def territories_to_drop(orm):
    """Schema names a test creates (committed); their territories and schemas are dropped after it."""
    slugs: list[str] = []
    yield slugs
    orm(_territories_drop, slugs)


@pytest.fixture
def phone_pages(browser) -> Iterator[Callable]:
    """`phone_pages()` opens one more phone tab in a context of its own (another person's cookies)."""
    contexts = []

    def open_page():
        contexts.append(_context(browser, viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True))
        return contexts[-1].new_page()

    yield open_page
    for context in contexts:
        context.close()
