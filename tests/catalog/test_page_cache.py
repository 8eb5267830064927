"""Whole shopper pages cached for anonymous visitors (common.pagecache): what a write changes shows
on the next request, and nothing personal is ever served to someone else."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.services import ProductData, product_photo_add, product_unpublish_by_staff, product_update
from vitrine.shops.moderation import shop_suspend
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory
from vitrine.testing.helpers import client_on, host_client


def _nancy() -> Client:
    return host_client("nancy.localhost")


def _twice(path: str, client: Client | None = None):
    """The page drawn (a miss), then the same page asked again: (first, second)."""
    first = (client or _nancy()).get(path)
    second = (client or _nancy()).get(path)
    return first, second


@pytest.fixture
def product(nancy):
    with tenant_context(nancy):
        return ProductFactory(title="Bague Stanislas", price="89.90", stock=5)


def _path(product) -> str:
    return f"/boutiques/{product.shop.slug}/{product.slug}/"


def test_an_anonymous_visitor_gets_the_page_from_the_cache_the_second_time(nancy, product, django_assert_num_queries):
    # given a storefront drawn once for an anonymous visitor
    path = f"/boutiques/{product.shop.slug}/"
    first = _nancy().get(path)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"

    # when another anonymous visitor asks for it: no query at all (no session, no catalogue)
    with django_assert_num_queries(0):
        second = _nancy().get(path)

    # then they get the same page, from the cache
    assert second.status_code == 200 and second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Bague Stanislas" in second.text


@pytest.mark.parametrize("page", ["/", "/boutiques/", "storefront", "product", "category", "/recherche/?q=bague"])
def test_every_shopper_page_is_cached_for_anonymous_visitors(nancy, product, page):
    path = {
        "storefront": f"/boutiques/{product.shop.slug}/",
        "product": _path(product),
        "category": f"/categories/{product.category.slug}/",
    }.get(page, page)
    first, second = _twice(path)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")


def test_a_price_change_shows_on_the_next_request(nancy, product):
    # given the product page and the storefront, cached
    storefront = f"/boutiques/{product.shop.slug}/"
    for path in (_path(product), storefront, "/recherche/?q=bague"):
        _twice(path)
        assert "89,90" in _nancy().get(path).text

    # when the merchant changes the price
    with tenant_context(nancy):
        data = ProductData(title=product.title, price="74,50", category_id=product.category_id, stock="5")
        product_update(product=product, data=data, actor=product.shop.owner_user)

    # then every page shows the new price at once
    for path in (_path(product), storefront, "/recherche/?q=bague"):
        text = _nancy().get(path).text
        assert "74,50" in text and "89,90" not in text, path


def test_a_new_photo_shows_on_the_next_request(nancy, product, media, png_upload):
    _twice(_path(product))
    assert (
        "<img" not in re.search(r'<div class="product-gallery">(.*?)</div>', _nancy().get(_path(product)).text, re.S)[1]
    )

    with tenant_context(nancy):
        photo = product_photo_add(product=product, upload=png_upload(), actor=product.shop.owner_user)

    gallery = re.search(r'<div class="product-gallery">(.*?)</div>', _nancy().get(_path(product)).text, re.S)[1]
    assert photo.image.url in gallery


def test_an_unpublished_product_is_gone_on_the_next_request(nancy, product):
    storefront = f"/boutiques/{product.shop.slug}/"
    _twice(_path(product))
    _twice(storefront)

    with tenant_context(nancy):
        product_unpublish_by_staff(product=product, actor=UserFactory(role=User.Role.TERRITORY_STAFF), reason="Doublon")

    assert _nancy().get(_path(product)).status_code == 404
    assert "Bague Stanislas" not in _nancy().get(storefront).text


def test_a_suspended_shop_is_gone_on_the_next_request(nancy, product):
    storefront = f"/boutiques/{product.shop.slug}/"
    for path in (storefront, "/boutiques/", _path(product)):
        _twice(path)
    assert product.shop.name in _nancy().get("/boutiques/").text

    with tenant_context(nancy):
        shop_suspend(shop=product.shop, actor=UserFactory(role=User.Role.TERRITORY_STAFF), reason="Fermeture")

    assert _nancy().get(storefront).status_code == 404
    assert _nancy().get(_path(product)).status_code == 404
    assert product.shop.name not in _nancy().get("/boutiques/").text


def test_a_branding_change_shows_on_the_next_request(nancy, product, django_capture_on_commit_callbacks):
    from vitrine.backoffice.services import territory_branding_update
    from vitrine.tenancy.branding import IdentityChange

    _twice("/")
    _twice(_path(product))
    assert "Achetez Grand Nancy" in _nancy().get("/").text
    try:
        with tenant_context(nancy), django_capture_on_commit_callbacks(execute=True):
            territory_branding_update(
                territory=nancy,
                actor=UserFactory(role=User.Role.TERRITORY_ADMIN),
                change=IdentityChange(name="Nancy Boutiques", primary_color="#0B3D91"),
            )
        for path in ("/", _path(product)):
            text = _nancy().get(path).text
            assert "Nancy Boutiques" in text and "Achetez Grand Nancy" not in text, path
    finally:
        nancy.refresh_from_db()


def test_a_signed_in_person_never_gets_nor_leaves_a_cached_page(nancy, product):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    staff_client = client_on(nancy, staff)
    storefront = f"/boutiques/{product.shop.slug}/"

    # given the anonymous page cached
    _twice(storefront)
    # when a member of the team asks for it: their own page, not the anonymous one, and not kept
    signed_in = staff_client.get(storefront)
    assert "X-Page-Cache" not in signed_in
    assert "Espace équipe" in signed_in.text or "/equipe/" in signed_in.text
    # then anonymous visitors still get theirs, without the team's menu
    anonymous = _nancy().get(storefront)
    assert anonymous["X-Page-Cache"] == "hit" and "/equipe/" not in anonymous.text


def test_each_visitor_sees_their_own_cart_count_on_a_cached_page(nancy, product):
    storefront = f"/boutiques/{product.shop.slug}/"
    _twice(storefront)
    assert re.search(r'class="cart-link"[^>]*>Panier \(0\)', _nancy().get(storefront).text)

    # given a visitor who put two rings in their cart
    shopper = _nancy()
    page = shopper.get(_path(product))
    assert page.status_code == 200
    added = shopper.post(f"/panier/ajouter/{product.pk}/", {"quantity": "2"}, follow=True)
    assert added.status_code == 200 and "Bague Stanislas" in added.text  # the "added" message, read

    # when they and another visitor open the cached storefront
    theirs, someone_else = shopper.get(storefront), _nancy().get(storefront)

    # then each sees their own count
    assert theirs["X-Page-Cache"] == "hit" and someone_else["X-Page-Cache"] == "hit"
    assert re.search(r'class="cart-link"[^>]*>Panier \(2\)', theirs.text)
    assert re.search(r'class="cart-link"[^>]*>Panier \(0\)', someone_else.text)
    assert "vitrine-personal" not in theirs.text + someone_else.text


def test_a_cached_product_page_carries_each_visitors_own_csrf_token_which_works(nancy, product):
    # given the product page cached
    _twice(_path(product))

    # when two visitors, with CSRF checks on as in a browser, open it
    visitors = [Client(HTTP_HOST="nancy.localhost", enforce_csrf_checks=True) for _ in range(2)]
    tokens = []
    for visitor in visitors:
        page = visitor.get(_path(product))
        assert page["X-Page-Cache"] == "hit"
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1])

    # then each token is theirs (their own cookie's), and adding to the cart with it works
    assert tokens[0] != tokens[1] and all("vitrine-personal" not in token for token in tokens)
    for visitor, token in zip(visitors, tokens):
        added = visitor.post(f"/panier/ajouter/{product.pk}/", {"quantity": "1", "csrfmiddlewaretoken": token})
        assert added.status_code in (302, 303), added.status_code
    # and another visitor's token is refused
    stranger = Client(HTTP_HOST="nancy.localhost", enforce_csrf_checks=True)
    stranger.get(_path(product))
    refused = stranger.post(f"/panier/ajouter/{product.pk}/", {"quantity": "1", "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403


def test_a_flash_message_is_shown_and_the_page_with_it_is_not_kept(nancy, product):
    storefront = f"/boutiques/{product.shop.slug}/"
    _twice(storefront)
    # given a visitor with a message waiting ("added to your cart")
    shopper = _nancy()
    shopper.post(f"/panier/ajouter/{product.pk}/", {"quantity": "1"})

    # when they open the cached storefront: the page is drawn for them, with their message
    theirs = shopper.get(storefront)
    assert 'class="messages"' in theirs.text and "X-Page-Cache" not in theirs

    # then nobody else ever gets it
    assert 'class="messages"' not in _nancy().get(storefront).text
    assert 'class="messages"' not in shopper.get(storefront).text  # read once


def test_english_visitors_get_english_pages_and_french_ones_french(nancy, product):
    _twice("/")
    english = _nancy()
    english.cookies["django_language"] = "en"
    assert 'lang="en"' in english.get("/").text
    assert 'lang="fr"' in _nancy().get("/").text


def test_the_language_switch_is_a_link_that_sets_the_cookie_and_comes_back(nancy, product):
    page = _nancy().get(_path(product)).text
    link = re.search(r'<p class="language-switch"><a href="([^"]+)"', page)[1].replace("&amp;", "&")
    visitor = _nancy()
    answer = visitor.get(link)
    assert answer.status_code == 302 and answer["Location"] == _path(product)
    assert visitor.cookies["django_language"].value == "en"
    assert 'lang="en"' in visitor.get(_path(product)).text
    # another site cannot send the visitor elsewhere through it
    outside = visitor.get("/langue/", {"language": "fr", "next": "https://evil.example/"})
    assert outside.status_code == 302 and not outside["Location"].startswith("https://evil")


def test_territories_never_get_each_others_cached_pages(nancy, limoges):
    with tenant_context(nancy):
        ShopFactory(name="Bijouterie Stanislas")
    with tenant_context(limoges):
        ShopFactory(name="Porcelaine de Limoges")
    nancy_page = _twice("/boutiques/")[1]
    limoges_client = host_client("limoges.localhost")
    limoges_page = limoges_client.get("/boutiques/")
    assert "Bijouterie Stanislas" in nancy_page.text and "Porcelaine" not in nancy_page.text
    assert "Porcelaine de Limoges" in limoges_page.text and "Stanislas" not in limoges_page.text
    assert limoges_page["X-Page-Cache"] == "miss"


def test_visits_served_from_the_cache_are_counted(nancy, product):
    from vitrine.metrics import counting

    storefront = f"/boutiques/{product.shop.slug}/"
    counted: list = []
    original = counting.buffer_add

    def spy(*, schema_name, rows):
        counted.extend(rows)
        return original(schema_name=schema_name, rows=rows)

    counting.buffer_add = spy
    try:
        browser = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"}
        first = _nancy().get(storefront, **browser)
        second = _nancy().get(storefront, **browser)
    finally:
        counting.buffer_add = original
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    storefront_counts = [row for row in counted if row[1] == "storefront" and row[2] == product.shop_id]
    assert len(storefront_counts) == 2


def test_without_the_shared_cache_pages_are_drawn_not_served_stale(nancy, product, settings):
    # given Redis unreachable: the generation cannot be read
    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "vitrine.common.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    first, second = _twice(_path(product))
    assert (first.status_code, second.status_code) == (200, 200)
    assert "X-Page-Cache" not in second
