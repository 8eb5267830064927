"""The merchant's order board: new orders stand out, one tap per step, find at the counter; own shop only."""

import re
import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from orders_helpers import client_on, shop_open_every_day

from vitrine.common.french import date_short
from vitrine.orders.cart import cart_add
from vitrine.orders.checkout import Guest, order_place
from vitrine.orders.models import Cart, Order
from vitrine.orders.selectors import checkout_slots
from vitrine.testing.factories import ProductFactory


def order_make(shop, name="Claire Blaison", slot_index=0):
    product = ProductFactory(shop=shop, stock=5)
    cart = Cart.objects.create()
    cart_add(cart=cart, product_id=product.pk, quantity=1)
    (order,) = order_place(
        cart=cart,
        guest=Guest(name=name, email="c@example.fr", phone="0612345678"),
        slots={shop.pk: checkout_slots(shop=shop)[slot_index].starts_at},
        idempotency_key=uuid.uuid4(),
    )
    return order


def card(order) -> str:
    """How an order shows on the board (the search box echoes what was typed, so look for the card)."""
    return f'<span class="board-code">{order.pickup_code}</span>'


def test_the_merchant_accepts_marks_ready_and_collected_in_one_tap_each(nancy):
    # given
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Bijouterie Stanislas")
        order = order_make(shop)
    merchant = client_on(nancy, shop.owner_user)
    # when / then: the new order stands out
    page = merchant.get("/pro/commandes/").content.decode()
    assert "is-new" in page and order.pickup_code in page and "1 nouvelle commande à accepter" in page
    for action, status in (("accepter", "accepted"), ("prete", "ready"), ("retiree", "collected")):
        response = merchant.post(f"/pro/commandes/{order.pk}/{action}/")
        assert response.status_code == 302
        with tenant_context(nancy):
            assert Order.objects.get(pk=order.pk).status == status


def test_refusing_without_a_reason_changes_nothing(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        order = order_make(shop)
    merchant = client_on(nancy, shop.owner_user)
    page = merchant.post(f"/pro/commandes/{order.pk}/refuser/", {"reason": ""}, follow=True).content.decode()
    assert "Indiquez au client pourquoi" in page
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == "placed"
    merchant.post(f"/pro/commandes/{order.pk}/refuser/", {"reason": "Rupture"})
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == "refused"


def test_an_illegal_step_shows_the_error(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        order = order_make(shop)
    page = client_on(nancy, shop.owner_user).post(f"/pro/commandes/{order.pk}/retiree/", follow=True).content.decode()
    assert "ne peut pas devenir" in page


def test_at_the_counter_the_merchant_finds_an_order_by_name_or_code(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        blaison = order_make(shop, name="Claire Blaison")
        other = order_make(shop, name="Paul Martin")
    merchant = client_on(nancy, shop.owner_user)
    by_name = merchant.get("/pro/commandes/", {"q": "blaison"}).content.decode()
    assert card(blaison) in by_name and card(other) not in by_name
    by_code = merchant.get("/pro/commandes/", {"q": other.pickup_code.lower()}).content.decode()
    assert card(other) in by_code and card(blaison) not in by_code


def test_another_shops_orders_are_unreachable(nancy):
    # given two shops of the same territory
    with tenant_context(nancy):
        mine, theirs = shop_open_every_day(), shop_open_every_day()
        their_order = order_make(theirs, name="Cliente Voisine")
    merchant = client_on(nancy, mine.owner_user)
    # when / then: not listed, not found, not actionable
    assert their_order.pickup_code not in merchant.get("/pro/commandes/").content.decode()
    assert card(their_order) not in merchant.get("/pro/commandes/", {"q": their_order.pickup_code}).content.decode()
    assert merchant.post(f"/pro/commandes/{their_order.pk}/accepter/").status_code == 404
    with tenant_context(nancy):
        assert Order.objects.get(pk=their_order.pk).status == "placed"


def test_a_shopper_cannot_open_the_board(nancy, shopper):
    assert client_on(nancy, shopper).get("/pro/commandes/").status_code == 403
    assert client_on(nancy).get("/pro/commandes/").status_code == 302


def test_a_nancy_order_is_unreachable_from_a_limoges_shop(nancy, limoges):
    # cross-territory: the same order id on Limoges' host is another schema's (or nothing)
    with tenant_context(nancy):
        order = order_make(shop_open_every_day())
    with tenant_context(limoges):
        limoges_shop = shop_open_every_day()
    merchant = client_on(limoges, limoges_shop.owner_user)
    assert card(order) not in merchant.get("/pro/commandes/", {"q": order.pickup_code}).content.decode()
    assert merchant.post(f"/pro/commandes/{order.pk}/accepter/").status_code == 404
    with tenant_context(nancy):
        assert Order.objects.get(pk=order.pk).status == "placed"


def test_new_orders_stand_out_in_the_title_and_the_board_refreshes_itself(nancy):
    # given two new orders
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Bijouterie Stanislas")
        order_make(shop, name="Claire Blaison"), order_make(shop, name="Paul Martin", slot_index=1)
    merchant = client_on(nancy, shop.owner_user)
    # when the merchant opens the board
    page = merchant.get("/pro/commandes/").content.decode()
    # then the count is in the title, each new order carries a "Nouvelle" badge, and the live part polls every 20 s
    assert "<title>(2) Commandes · Bijouterie Stanislas</title>" in page
    assert page.count('<span class="board-new-badge">Nouvelle</span>') == 2
    assert 'hx-get="/pro/commandes/" hx-trigger="every 20s"' in page
    assert 'src="/static/orders/board.js"' in page and 'src="/static/vendor/htmx.min.js"' in page
    # without JavaScript: a plain refresh link; the sound toggle only shows once the script runs
    assert '<a class="board-refresh" href="/pro/commandes/">Actualiser</a>' in page
    assert 'id="board-sound" hidden' in page and 'data-on="Son : activé"' in page
    assert 'aria-live="polite" data-message="Nouvelle commande"' in page


def test_htmx_gets_the_live_part_alone(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        order = order_make(shop)
    merchant = client_on(nancy, shop.owner_user)
    response = merchant.get("/pro/commandes/", HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert "<html" not in fragment and "board-search" not in fragment
    assert 'data-new-count="1"' in fragment and card(order) in fragment
    # once accepted, the next refresh counts no new order
    merchant.post(f"/pro/commandes/{order.pk}/accepter/")
    assert 'data-new-count="0"' in merchant.get("/pro/commandes/", HTTP_HX_REQUEST="true").content.decode()


def test_search_results_do_not_refresh_under_the_merchants_eyes(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        order = order_make(shop)
    page = client_on(nancy, shop.owner_user).get("/pro/commandes/", {"q": order.pickup_code}).content.decode()
    assert card(order) in page and "hx-trigger" not in page and "board.js" not in page


def test_the_live_part_shows_only_the_merchants_own_shop(nancy):
    with tenant_context(nancy):
        mine, theirs = shop_open_every_day(), shop_open_every_day()
        their_order = order_make(theirs, name="Cliente Voisine")
    fragment = client_on(nancy, mine.owner_user).get("/pro/commandes/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-new-count="0"' in fragment and their_order.pickup_code not in fragment


def test_the_board_and_its_refresh_cost_the_same_queries_for_2_or_10_orders(nancy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from orders_helpers import order_row

    # given two shops, one with 2 orders and one with 10 (new ones, and today's accepted ones)
    with tenant_context(nancy):
        small, big = shop_open_every_day(), shop_open_every_day()
        for shop, n in ((small, 2), (big, 10)):
            for i in range(n):
                order_row(shop, status="placed" if i % 2 else "accepted", pickup=timezone.now())

    def queries(shop, **headers) -> int:
        client = client_on(nancy, shop.owner_user)
        client.get("/pro/commandes/", **headers)
        with CaptureQueriesContext(connection) as context:
            client.get("/pro/commandes/", **headers)
        return len(context.captured_queries)

    # then: session, user, membership, the board's orders, their lines
    assert queries(small) == queries(big) == 5
    assert queries(small, HTTP_HX_REQUEST="true") == queries(big, HTTP_HX_REQUEST="true") == 5


def test_orders_of_other_days_stay_on_the_board_until_collected(nancy):
    from datetime import timedelta

    from django.utils import timezone
    from orders_helpers import order_row

    # given an order accepted for tomorrow, one ready since two days, one collected yesterday
    with tenant_context(nancy):
        shop = shop_open_every_day()
        now = timezone.now()
        tomorrow = order_row(shop, name="Demain Matin", status="accepted", pickup=now + timedelta(days=1))
        late = order_row(shop, name="Retard Client", status="ready", pickup=now - timedelta(days=2))
        done = order_row(shop, name="Déjà Venu", status="collected", pickup=now - timedelta(days=1))
    # when
    page = client_on(nancy, shop.owner_user).get("/pro/commandes/").content.decode()
    # then the two still on their way are there, each with its next step; the collected one is not
    assert "Prochains jours" in page and card(tomorrow) in page
    assert "1 commande d’un jour précédent, pas encore retirée" in page and card(late) in page
    assert card(done) not in page
    assert page.index(card(tomorrow)) < page.index(f"/pro/commandes/{tomorrow.pk}/prete/")
    assert f"/pro/commandes/{late.pk}/retiree/" in page


def test_an_order_handed_over_today_counts_in_todays_takings_whatever_its_pickup_day(nancy):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from orders_helpers import PARIS, order_row

    from vitrine.orders.models import OrderEvent
    from vitrine.orders.selectors import merchant_day_summary

    # given an order ready since its pickup two days ago, and one collected yesterday
    with tenant_context(nancy):
        shop = shop_open_every_day()
        now = timezone.now()
        late = order_row(shop, name="Retard Client", status="ready", pickup=now - timedelta(days=2), total="12.50")
        order_row(shop, name="Hier Venu", status="collected", pickup=now - timedelta(days=1), total="30.00")
    merchant = client_on(nancy, shop.owner_user)
    # when the customer comes in today and the merchant hands it over
    assert merchant.post(f"/pro/commandes/{late.pk}/retiree/").status_code == 302
    # then the board counts it in today's collections (and yesterday's stays yesterday's)
    page = merchant.get("/pro/commandes/").content.decode()
    assert "Aujourd’hui : 1 commande retirée, 12,50\xa0€." in page
    assert card(late) not in page  # no longer waiting
    # and the day summary puts it in today's till, not in its pickup day's
    with tenant_context(nancy):
        late.refresh_from_db()
        assert late.collected_at == OrderEvent.objects.get(order=late, to_status="collected").created_at
        today = timezone.localtime(now, PARIS).date()
        assert merchant_day_summary(shop=shop, day=today).collected_amount == Decimal("12.50")
        assert merchant_day_summary(shop=shop, day=today - timedelta(days=2)).collected_amount == Decimal("0.00")
        assert merchant_day_summary(shop=shop, day=today - timedelta(days=1)).collected_amount == Decimal("30.00")


@pytest.fixture
def nancy_in_cayenne(nancy):
    """Nancy's territory in French Guiana's time zone (UTC-3, four hours behind Paris in winter) for one test."""
    from vitrine.tenancy.models import Territory
    from vitrine.tenancy.routing import routing_invalidate

    Territory.objects.filter(pk=nancy.pk).update(time_zone="America/Cayenne")
    routing_invalidate()  # requests take their territory from the routing cache
    yield nancy
    Territory.objects.filter(pk=nancy.pk).update(time_zone=nancy.time_zone)
    routing_invalidate()


def test_counter_search_results_show_the_territorys_hour(nancy_in_cayenne):
    from orders_helpers import at, order_row

    # given an order for 14:00 Paris time, that is 10:00 in the territory's zone
    with tenant_context(nancy_in_cayenne):
        shop = shop_open_every_day()
        order = order_row(shop, name="Claire Blaison", status="accepted", pickup=at(30, 14))
    # when the merchant finds it at the counter
    page = (
        client_on(nancy_in_cayenne, shop.owner_user).get("/pro/commandes/", {"q": order.pickup_code}).content.decode()
    )
    # then its pickup hour is the territory's, not the server's
    found = page.split('id="found-h"', 1)[1]
    assert card(order) in found
    assert "lun. 30 nov. 10:00" in found and "14:00" not in found


def test_the_board_writes_dates_the_french_way_in_lower_case(nancy):
    # given an order to collect
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Bijouterie Stanislas")
        order = order_make(shop)
    merchant = client_on(nancy, shop.owner_user)

    # when the merchant opens the board and the history
    board = merchant.get("/pro/commandes/").content.decode()
    history = merchant.get("/pro/commandes/historique/").content.decode()

    # then the pickup day reads "sam. 5 déc.", never "Sam 5 Déc"
    with tenant_context(nancy):
        day = date_short(timezone.localtime(order.pickup_starts_at))
    assert re.search(r"^(lun|mar|mer|jeu|ven|sam|dim)\. \d{1,2} \w+\.?$", day), day
    assert f"Retrait {day}" in board
    assert f"Retrait {day} {timezone.localtime(order.pickup_starts_at).year}" in history
    assert not re.search(r"Retrait (Lun|Mar|Mer|Jeu|Ven|Sam|Dim) ", board + history)
