"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), never a downloaded browser.

Without /usr/bin/chromium the browser tests are skipped, unless VITRINE_REQUIRE_BROWSER=1
(set in CI), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection, connections

from vitrine.config.env import VAR_DIR

CHROMIUM = Path(os.environ.get("VITRINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = VAR_DIR / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
OPERATOR_PASSWORD = "e2e-operator-pass-1"


def _uses_database(item: pytest.Item) -> bool:
    """What pytest-django looks at to decide whether a session needs the test database."""
    return bool(item.get_closest_marker("django_db")) or bool(
        {"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )


@pytest.fixture(scope="session", autouse=True)
def _test_database_for_browser_only_sessions(
    request, django_test_environment, django_db_blocker, django_db_keepdb, django_db_createdb,
    django_db_modify_db_settings,
):
    """Create the test database when only browser tests were collected.

    pytest-django creates it only if some collected test uses `db` (or a django_db
    mark), and browser tests must not: they commit what the real web server and
    worker are to see. Without this, `pytest tests/e2e` would provision the
    session's territories into the development database named by DATABASE_URL.
    This autouse fixture runs before django_db_setup; when another test of the
    session already asks for the database it does nothing.
    """
    if any(_uses_database(item) for item in request.session.items):
        yield
        return
    from django.test.utils import setup_databases, teardown_databases

    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=request.config.option.verbose, interactive=False,
                                 aliases={"default"}, keepdb=keepdb)
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=request.config.option.verbose)


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
def playwright_driver(web_server) -> Iterator:
    """Playwright's driver; asks for web_server first, so the session's database work
    (test database, territories) is done before its asyncio loop starts."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _browser_missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver) -> Iterator:
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
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
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def _operator_create() -> object:
    from vitrine.accounts.models import User

    return User.objects.create_superuser(email=f"operator-{secrets.token_hex(4)}@vitrine.example.fr",
                                         password=OPERATOR_PASSWORD)


def _operator_delete(pk: int) -> None:
    from vitrine.accounts.models import User

    User.objects.filter(pk=pk).delete()


@pytest.fixture
def operator(orm):
    """A committed platform operator (console user in the public schema), deleted after the test."""
    user = orm(_operator_create)
    user.raw_password = OPERATOR_PASSWORD
    yield user
    orm(_operator_delete, user.pk)


def _territories_drop(slugs: list[str]) -> None:
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


def unique_slug(prefix: str = "e2e") -> str:
    return f"{prefix}{secrets.randbelow(10**8):08d}"


def label_of(page, field_name: str) -> str:
    """The visible text of the <label> of a Django form field (id_<name>), whatever the language."""
    return page.locator(f"label[for='id_{field_name}']").inner_text().strip()


def by_label(page, field_name: str):
    """The form control a user finds by its label (fails if the label is not tied to the control)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label_of(page, field_name))}\s*$"))
