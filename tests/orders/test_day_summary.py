"""The day's summary (/pro/commandes/jour/): that day's pickups by status, money collected, what is left."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from orders_helpers import PARIS, at, client_on, order_row, shop_open_every_day

from vitrine.orders.selectors import merchant_day_summary

URL = "/pro/commandes/jour/"


def day_world(nancy):
    """Monday 30 November: 2 collected (12,50 + 30,00), 1 placed, 1 accepted, 1 ready, 1 not collected, 1 refused.
    Plus one order on Sunday 29 (at 23:30 Paris) and another shop's order on Monday."""
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Épicerie Stanislas")
        orders = [
            order_row(shop, name="Claire Blaison", status="collected", pickup=at(30, 10), total="12.50"),
            order_row(shop, name="Paul Martin", status="collected", pickup=at(30, 0, 15), total="30.00"),
            order_row(shop, name="Léa Durand", status="placed", pickup=at(30, 14), total="8.00"),
            order_row(shop, name="Jean Valjean", status="accepted", pickup=at(30, 15), total="5.00"),
            order_row(shop, name="Marie Curie", status="ready", pickup=at(30, 16), total="20.00"),
            order_row(shop, name="Victor Hugo", status="not_collected", pickup=at(30, 11), total="9.90"),
            order_row(shop, name="Émile Zola", status="refused", pickup=at(30, 17), total="100.00"),
        ]
        order_row(shop, name="La Veille", status="collected", pickup=at(29, 23, 30), total="50.00")
        order_row(shop_open_every_day(), name="Voisin Lointain", status="collected", pickup=at(30, 10), total="70.00")
    return shop, orders


def test_the_summary_counts_a_known_day(nancy):
    shop, orders = day_world(nancy)
    with tenant_context(nancy):
        summary = merchant_day_summary(shop=shop, day=at(30, 0).date())
    assert summary.total == 7
    assert summary.counts == [
        ("placed", "Passée", 1),
        ("accepted", "Acceptée", 1),
        ("ready", "Prête à retirer", 1),
        ("collected", "Retirée", 2),
        ("not_collected", "Non retirée", 1),
        ("refused", "Refusée par la boutique", 1),
    ]
    assert str(summary.collected_amount) == "42.50"
    assert str(summary.expected_amount) == "33.00"  # placed + accepted + ready
    assert [o.customer_name for o in summary.to_prepare] == ["Léa Durand", "Jean Valjean"]
    assert [o.customer_name for o in summary.waiting] == ["Marie Curie"]
    assert [o.customer_name for o in summary.not_collected] == ["Victor Hugo"]


def test_the_summary_page_shows_the_figures_and_links_the_days_around(nancy):
    shop, orders = day_world(nancy)
    response = client_on(nancy, shop.owner_user).get(URL, {"date": "2026-11-30"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Lundi 30 novembre" in page
    assert "42,50\xa0€" in page and "33,00\xa0€" in page
    assert "Encore à préparer (2)" in page and "Non retirées (1)" in page and "Prêtes, en attente du client (1)" in page
    assert "Voisin Lointain" not in page and "La Veille" not in page and "70,00" not in page
    assert 'href="?date=2026-11-29"' in page and 'href="?date=2026-12-01"' in page
    sunday = client_on(nancy, shop.owner_user).get(URL, {"date": "2026-11-29"}).content.decode()
    assert "50,00\xa0€" in sunday and "La Veille" not in sunday  # a collected order is counted, not listed


def test_the_summary_is_today_in_the_territory_by_default(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        today = timezone.localtime(timezone.now(), PARIS)
        order_row(shop, name="Aujourd Hui", status="placed", pickup=today.replace(hour=12, minute=0))
    page = client_on(nancy, shop.owner_user).get(URL).content.decode()
    assert "aujourd’hui" in page and "Aujourd Hui" in page
    assert f'value="{today.date().isoformat()}"' in page


def test_a_bad_date_says_so_in_french_and_shows_today(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
    response = client_on(nancy, shop.owner_user).get(URL, {"date": "2026-13-45"})
    assert response.status_code == 400
    assert "« 2026-13-45 » n’est pas une date : voici le résumé d’aujourd’hui." in response.content.decode()


def test_the_board_links_the_summary_and_the_history(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
    page = client_on(nancy, shop.owner_user).get("/pro/commandes/").content.decode()
    assert 'href="/pro/commandes/jour/"' in page and 'href="/pro/commandes/historique/"' in page


def test_the_summary_is_one_query_whatever_the_day_holds(nancy, django_assert_num_queries):
    shop, _orders = day_world(nancy)
    client = client_on(nancy, shop.owner_user)
    client.get(URL)
    with django_assert_num_queries(4):  # session, user, membership, the day's orders
        client.get(URL, {"date": "2026-11-30"})


def test_the_till_counts_an_order_on_the_day_it_was_collected(nancy):
    # given Sunday's 23:30 pickup handed over on Monday at 9:10, and a Monday pickup collected on Tuesday
    with tenant_context(nancy):
        shop = shop_open_every_day()
        order_row(
            shop,
            name="Venu Lundi",
            status="collected",
            pickup=at(29, 23, 30),
            collected_at=at(30, 9, 10),
            total="18.00",
        )
        order_row(shop, name="Venu Mardi", status="collected", pickup=at(30, 18), collected_at=at(31, 10), total="7.00")
        sunday, monday, tuesday = (merchant_day_summary(shop=shop, day=at(d, 12).date()) for d in (29, 30, 31))
    # then each day's till has what was handed over that day
    assert (str(sunday.collected_amount), str(monday.collected_amount), str(tuesday.collected_amount)) == (
        "0.00",
        "18.00",
        "7.00",
    )
    # while the pickups listed and counted stay by pickup day
    assert [o.customer_name for o in sunday.orders] == ["Venu Lundi"] and sunday.counts == [("collected", "Retirée", 1)]
    assert [o.customer_name for o in monday.orders] == ["Venu Mardi"] and tuesday.total == 0
    page = client_on(nancy, shop.owner_user).get(URL, {"date": "2026-11-30"}).content.decode()
    assert "18,00\xa0€" in page


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01", "2100-01-01", "1999-12-31"])
def test_a_far_off_day_says_so_in_french_and_shows_today(nancy, far):
    with tenant_context(nancy):
        shop = shop_open_every_day()
    response = client_on(nancy, shop.owner_user).get(URL, {"date": far})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        f"« {far} » est trop loin : choisissez un jour entre les années 2000 et 2099. Voici le résumé d’aujourd’hui."
    ) in page
    assert "aujourd’hui" in page and 'min="2000-01-01" max="2099-12-31"' in page


def test_the_last_and_first_days_shown_link_no_further(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
    client = client_on(nancy, shop.owner_user)
    last = client.get(URL, {"date": "2099-12-31"})
    first = client.get(URL, {"date": "2000-01-01"})
    assert last.status_code == first.status_code == 200
    assert 'rel="next"' not in last.content.decode() and 'href="?date=2099-12-30"' in last.content.decode()
    assert 'rel="prev"' not in first.content.decode() and 'href="?date=2000-01-02"' in first.content.decode()
