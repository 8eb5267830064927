"""The order history (/pro/commandes/historique/): every order of the shop, filtered, paginated, own shop only."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from orders_helpers import at, client_on, order_row, shop_open_every_day

from vitrine.orders.selectors import HistoryFilters, merchant_order_history

URL = "/pro/commandes/historique/"


def codes(html: str) -> list[str]:
    return re.findall(r'<span class="board-code">([A-Z2-9]{6})</span>', html)


def world(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Librairie des Ducs")
        orders = {
            "collected": order_row(shop, name="Claire Blaison", status="collected", pickup=at(20, 10)),
            "refused": order_row(shop, name="Paul Martin", status="refused", pickup=at(25, 15)),
            "placed": order_row(shop, name="Claire Durand", status="placed", pickup=at(31, 11)),
            "not_collected": order_row(shop, name="Jean Valjean", status="not_collected", pickup=at(26, 9)),
        }
        other = order_row(
            shop_open_every_day(name="Voisin"), name="Claire Voisine", status="collected", pickup=at(20, 10)
        )
    return shop, orders, other


def test_every_order_latest_pickup_first_and_never_another_shops(nancy):
    shop, orders, other = world(nancy)
    page = client_on(nancy, shop.owner_user).get(URL).content.decode()
    assert codes(page) == [orders[k].pickup_code for k in ("placed", "not_collected", "refused", "collected")]
    assert other.pickup_code not in page and "Claire Voisine" not in page
    assert "4 commandes" in page and "Historique des commandes" in page
    # an order still on its way links to the board; a finished one does not
    assert f"/pro/commandes/?q={orders['placed'].pickup_code}" in page
    assert f"/pro/commandes/?q={orders['collected'].pickup_code}" not in page


def test_filter_by_status_dates_and_name_or_code(nancy):
    shop, orders, other = world(nancy)
    merchant = client_on(nancy, shop.owner_user)

    def found(**params):
        response = merchant.get(URL, params)
        assert response.status_code == 200
        return codes(response.content.decode())

    assert found(statut="refused") == [orders["refused"].pickup_code]
    assert found(du="2026-11-25", au="2026-11-26") == [
        orders["not_collected"].pickup_code,
        orders["refused"].pickup_code,
    ]
    assert found(du="2026-11-26") == [orders["placed"].pickup_code, orders["not_collected"].pickup_code]
    assert found(au="2026-11-20") == [orders["collected"].pickup_code]
    assert found(q="claire") == [orders["placed"].pickup_code, orders["collected"].pickup_code]
    assert found(q=orders["refused"].pickup_code.lower()) == [orders["refused"].pickup_code]
    assert found(q="claire", statut="collected") == [orders["collected"].pickup_code]
    assert found(q=other.pickup_code) == []


def test_a_day_is_the_territorys_day(nancy):
    # 0:30 in Paris on 1 December is still 30 November in UTC: it is a 1 December pickup
    with tenant_context(nancy):
        shop = shop_open_every_day()
        late = order_row(shop, pickup=at(31, 0, 30))
        assert list(merchant_order_history(shop=shop, filters=HistoryFilters(date_from=at(31, 0).date()))) == [late]
        assert not merchant_order_history(shop=shop, filters=HistoryFilters(date_to=at(30, 0).date())).exists()


def test_bad_filters_get_a_french_message_and_filter_nothing(nancy):
    shop, orders, _other = world(nancy)
    response = client_on(nancy, shop.owner_user).get(URL, {"du": "31/02/2026", "au": "hier", "statut": "perdu"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Saisissez une date comme 30/11/2026." in page and "Sélectionnez un choix valide" in page
    assert len(codes(page)) == 4
    reversed_dates = client_on(nancy, shop.owner_user).get(URL, {"du": "2026-11-26", "au": "2026-11-20"})
    assert "La date de fin est avant la date de début." in reversed_dates.content.decode()


def test_pages_of_twenty_keep_the_filters(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        made = [
            order_row(shop, name=f"Client {i:02d}", status="collected", pickup=at(1 + i % 28, 10)) for i in range(25)
        ]
        order_row(shop, name="Refusé", status="refused")
    merchant = client_on(nancy, shop.owner_user)
    first = merchant.get(URL, {"statut": "collected"}).content.decode()
    second = merchant.get(URL, {"statut": "collected", "page": "2"}).content.decode()
    assert len(codes(first)) == 20 and len(codes(second)) == 5
    assert set(codes(first)) | set(codes(second)) == {o.pickup_code for o in made}
    assert "Page 1 sur 2" in first and 'href="?statut=collected&amp;page=2"' in first
    assert merchant.get(URL, {"page": "99"}).status_code == 200  # past the end: the last page


def test_the_history_costs_the_same_queries_for_5_or_25_orders(nancy):
    # given two shops, one with 5 orders and one with 25 (two lines each)
    with tenant_context(nancy):
        small, big = shop_open_every_day(), shop_open_every_day()
        for shop, n in ((small, 5), (big, 25)):
            for i in range(n):
                order_row(shop, name=f"Client {i}", lines=(("Livre", 1), ("Carte", 2)))

    def queries(shop) -> int:
        client = client_on(nancy, shop.owner_user)
        client.get(URL)  # warm: session, routing
        with CaptureQueriesContext(connection) as context:
            assert client.get(URL).status_code == 200
        return len(context.captured_queries)

    # then the same number of queries: session, user, membership, count, page, lines
    assert queries(small) == queries(big) == 6


def test_far_off_dates_get_a_french_message_and_filter_nothing(nancy):
    # given the shop's 4 orders
    shop, orders, _other = world(nancy)
    merchant = client_on(nancy, shop.owner_user)
    for params in ({"du": "0001-01-01"}, {"au": "9999-12-31"}, {"du": "1999-12-31", "au": "2100-01-01"}):
        # when a filter asks for a day outside the years shown
        response = merchant.get(URL, params)
        page = response.content.decode()
        # then a clear message next to the field, and every order is still listed
        assert response.status_code == 400, params
        assert "Choisissez une date entre les années 2000 et 2099." in page
        assert len(codes(page)) == 4
    # the pickers offer only those years
    assert 'min="2000-01-01" max="2099-12-31"' in merchant.get(URL).content.decode()
    # and the first and last days shown still filter
    assert len(codes(merchant.get(URL, {"du": "2000-01-01", "au": "2099-12-31"}).content.decode())) == 4
