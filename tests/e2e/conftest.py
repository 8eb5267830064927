"""Every test here drives the browser: Chromium is checked before anything starts, so without it
they are skipped (or, with VITRINE_REQUIRE_BROWSER=1, fail) before a web server is started."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _chromium_first(chromium):
    return chromium
