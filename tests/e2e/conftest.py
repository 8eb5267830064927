"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), never a downloaded browser.

Without /usr/bin/chromium the browser tests are skipped, unless VITRINE_REQUIRE_BROWSER=1
(set in CI), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

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


def _browser_missing(reason: str):
    if os.environ.get("VITRINE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (VITRINE_REQUIRE_BROWSER=1, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _browser_missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("the playwright package is not installed (pip install -e '.[dev]')")
    # Playwright's sync API keeps an asyncio loop in this thread; the Django ORM
    # calls made by the fixtures around the browser must still be allowed.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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


@pytest.fixture
def operator(django_db_blocker):
    """A committed platform operator (console user in the public schema), deleted after the test."""
    from vitrine.accounts.models import User

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        user = User.objects.create_superuser(email=f"operator-{secrets.token_hex(4)}@vitrine.example.fr",
                                             password=OPERATOR_PASSWORD)
    user.raw_password = OPERATOR_PASSWORD
    yield user
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        User.objects.filter(pk=user.pk).delete()


@pytest.fixture
def territories_to_drop(django_db_blocker):
    """Schema names a test creates (committed); their territories and schemas are dropped after it."""
    from vitrine.tenancy.models import Territory
    from vitrine.tenancy.routing import routing_invalidate

    slugs: list[str] = []
    yield slugs
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for territory in Territory.objects.filter(schema_name__in=slugs):
            territory.delete(force_drop=True)
        connection.set_schema_to_public()
        routing_invalidate()


def unique_slug(prefix: str = "e2e") -> str:
    return f"{prefix}{secrets.randbelow(10**8):08d}"


def label_of(page, field_name: str) -> str:
    """The visible text of the <label> of a Django form field (id_<name>), whatever the language."""
    return page.locator(f"label[for='id_{field_name}']").inner_text().strip()


def by_label(page, field_name: str):
    """The form control a user finds by its label (fails if the label is not tied to the control)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label_of(page, field_name))}\s*$"))
