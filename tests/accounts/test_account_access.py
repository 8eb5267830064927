"""Who reaches /compte/: every page needs a signed-in account of this territory, except the
ones a visitor needs (sign-in, sign-up, password reset, "account deleted"; the privacy notice is
a legal page now, /confidentialite/).

The URLs are found by walking the territory URLconf: a page added under /compte/ tomorrow
is expected to need an account unless it is added to PUBLIC here.
"""

from __future__ import annotations

import pytest
from accounts_helpers import client_on, order_place_for
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_tenants.utils import tenant_context

from vitrine.testing.factories import UserFactory

PUBLIC = {
    "login",
    "logout",
    "sign_up",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "account_deleted",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), entry


ACCOUNT_URLS = sorted(
    (entry.name, route)
    for route, entry in _walk(get_resolver("vitrine.config.urls_territory").url_patterns)
    if route.startswith("compte/")
)
PRIVATE = [name for name, _route in ACCOUNT_URLS if name not in PUBLIC]


def _path(name: str, order_id: int) -> str:
    kwargs = {"order_id": order_id} if "<int:order_id>" in dict(ACCOUNT_URLS)[name] else None
    return reverse(name, urlconf="vitrine.config.urls_territory", kwargs=kwargs)


def test_the_walk_sees_the_account_pages():
    assert {
        "account",
        "account_orders",
        "account_order",
        "account_order_cancel",
        "account_delete",
        "account_data",
        "password_change",
        "sign_up",
    } <= {name for name, _route in ACCOUNT_URLS}


@pytest.fixture
def claire_and_her_order(in_nancy, shop):
    claire = UserFactory(full_name="Claire Blaison")
    return claire, order_place_for(claire, shop)


@pytest.mark.parametrize("name", PRIVATE)
def test_account_pages_need_an_account_of_this_territory(name, claire_and_her_order, nancy, limoges):
    claire, order = claire_and_her_order
    path = _path(name, order.pk)
    # a visitor is sent to sign in, reading or writing
    visitor = client_on(nancy)
    for response in (visitor.get(path), visitor.post(path, {"password": "x", "full_name": "Pirate"})):
        assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/?next="), path
    # signed in, Claire gets her page (a POST-only action answers 405 to a GET)
    assert client_on(nancy, claire).get(path).status_code in (200, 405), path
    # her Nancy session means nothing on Limoges' host: sent to sign in there, nothing changed
    elsewhere = client_on(limoges)
    elsewhere.cookies = client_on(nancy, claire).cookies
    for response in (elsewhere.get(path), elsewhere.post(path, {"password": "x", "full_name": "Pirate"})):
        assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/?next="), path
    with tenant_context(nancy):
        claire.refresh_from_db()
        order.refresh_from_db()
        assert claire.full_name == "Claire Blaison" and order.status == "placed"


@pytest.mark.parametrize("name", sorted(PUBLIC - {"logout", "password_reset_confirm"}))
def test_visitors_reach_the_public_account_pages(name, nancy):
    assert client_on(nancy).get(_path(name, 0)).status_code == 200
