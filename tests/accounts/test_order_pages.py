"""A shopper's order history and order detail: their own orders only, status, pickup code, cancelling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from accounts_helpers import client_on, order_place_for
from django.utils import timezone

from vitrine.catalog.models import Product
from vitrine.orders.lifecycle import order_accept, order_mark_collected, order_mark_ready, order_refuse
from vitrine.orders.models import Order
from vitrine.testing.factories import UserFactory

S = Order.Status
# session, account, then the page's own: count + one page of orders with their shop
HISTORY_QUERIES = 4
# session, account, then the order with its shop and commune, its lines, its history
DETAIL_QUERIES = 5


@pytest.fixture
def merchant(shop):
    return shop.members.get().user


def test_the_history_lists_only_my_orders_newest_first(shop, shopper):
    # given: two orders of mine (the second a day later), and someone else's
    first = order_place_for(shopper, shop, title="Bague argent")
    Order.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=1))
    second = order_place_for(shopper, shop, title="Collier perles")
    other = order_place_for(UserFactory(full_name="Paul Martin"), shop, title="Broche")
    # when
    page = client_on(shop_territory(), shopper).get("/compte/commandes/").content.decode()
    # then: mine, newest first, with shop, status, total; not Paul's
    links = re.findall(r'href="/compte/commandes/(\d+)/"', page)
    assert links == [str(second.pk), str(first.pk)]
    assert str(other.pk) not in links
    assert "Bijouterie Stanislas" in page and "Passée" in page
    assert "24,90\xa0€" in page


def test_the_history_is_paginated_in_a_fixed_number_of_queries(shop, shopper, django_assert_num_queries):
    # given: 12 orders
    for n in range(12):
        order_place_for(shopper, shop, title=f"Produit {n}")
    client = client_on(shop_territory(), shopper)
    client.get("/compte/")  # the host's route is cached from now on
    # when / then: 10 on the first page, 2 on the second, in the same number of queries (none per order)
    with django_assert_num_queries(HISTORY_QUERIES):
        first = client.get("/compte/commandes/").content.decode()
    with django_assert_num_queries(HISTORY_QUERIES):
        second = client.get("/compte/commandes/?page=2").content.decode()
    assert len(re.findall(r'href="/compte/commandes/\d+/"', first)) == 10
    assert len(re.findall(r'href="/compte/commandes/\d+/"', second)) == 2
    assert "Page 2 sur 2" in second


def test_the_detail_page_makes_a_fixed_number_of_queries(shop, shopper, merchant, django_assert_num_queries):
    # given: an order with three events
    order = order_place_for(shopper, shop)
    order_accept(order=order, actor=merchant)
    order_mark_ready(order=order, actor=merchant)
    client = client_on(shop_territory(), shopper)
    client.get("/compte/")  # the host's route is cached from now on
    # then
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(f"/compte/commandes/{order.pk}/")


def test_the_detail_shows_status_pickup_code_qr_and_history(shop, shopper, merchant):
    # given: an order the shop accepted
    order = order_place_for(shopper, shop, quantity=2)
    order_accept(order=order, actor=merchant)
    # when
    page = client_on(shop_territory(), shopper).get(f"/compte/commandes/{order.pk}/").content.decode()
    # then
    assert "Acceptée" in page and "La boutique a accepté votre commande et la prépare." in page
    assert order.pickup_code in page and 'class="pickup-qr"' in page
    assert "12 rue Saint-Dizier" in page and 'href="tel:0383000000"' in page
    assert "2 × Bague argent" in page and "49,80" in page
    history = page[page.index("order-history") :]
    assert history.index("Passée") < history.index("Acceptée")
    assert "Annuler cette commande" in page


def test_a_collected_order_no_longer_shows_its_code(shop, shopper, merchant):
    order = order_place_for(shopper, shop)
    for step in (order_accept, order_mark_ready, order_mark_collected):
        step(order=order, actor=merchant)
    page = client_on(shop_territory(), shopper).get(f"/compte/commandes/{order.pk}/").content.decode()
    assert "Vous avez retiré cette commande." in page
    assert order.pickup_code not in page and "pickup-qr" not in page
    assert "Annuler cette commande" not in page


def test_a_refused_order_shows_the_shops_reason(shop, shopper, merchant):
    order = order_place_for(shopper, shop)
    order_refuse(order=order, actor=merchant, reason="Plus en stock, désolés !")
    page = client_on(shop_territory(), shopper).get(f"/compte/commandes/{order.pk}/").content.decode()
    assert "Refusée par la boutique" in page and "Plus en stock, désolés !" in page


def test_someone_elses_order_is_not_found(shop, shopper):
    # given: Paul's order
    other = order_place_for(UserFactory(full_name="Paul Martin"), shop)
    client = client_on(shop_territory(), shopper)
    # when / then: neither readable nor cancellable by Claire
    assert client.get(f"/compte/commandes/{other.pk}/").status_code == 404
    assert client.post(f"/compte/commandes/{other.pk}/annuler/").status_code == 404
    other.refresh_from_db()
    assert other.status == S.PLACED


def test_i_cancel_my_order_and_its_stock_goes_back(shop, shopper):
    # given
    order = order_place_for(shopper, shop, quantity=2, stock=5)
    product_id = order.lines.get().product_id
    # when
    response = client_on(shop_territory(), shopper).post(f"/compte/commandes/{order.pk}/annuler/", follow=True)
    # then
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert Product.objects.get(pk=product_id).stock == 5
    page = response.content.decode()
    assert "Votre commande chez Bijouterie Stanislas est annulée." in page
    assert "Cette commande est annulée. Vous ne payez rien." in page
    assert order.events.last().actor_id == shopper.pk


def test_a_ready_order_can_no_longer_be_cancelled(shop, shopper, merchant):
    # given: the shop has prepared it
    order = order_place_for(shopper, shop)
    order_accept(order=order, actor=merchant)
    order_mark_ready(order=order, actor=merchant)
    client = client_on(shop_territory(), shopper)
    # then: no cancel button
    assert "Annuler cette commande" not in client.get(f"/compte/commandes/{order.pk}/").content.decode()
    # when: posted anyway (an old tab)
    page = client.post(f"/compte/commandes/{order.pk}/annuler/", follow=True).content.decode()
    # then: the state machine's French error, nothing changed
    assert "Cette commande est « Prête à retirer » : elle ne peut pas devenir « Annulée »." in page.replace("\xa0", " ")
    order.refresh_from_db()
    assert order.status == S.READY


def test_order_pages_need_an_account(shop, shopper):
    order = order_place_for(shopper, shop)
    client = client_on(shop_territory())
    for path in ("/compte/commandes/", f"/compte/commandes/{order.pk}/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/?next=")


def shop_territory():
    from django.db import connection

    return connection.tenant
