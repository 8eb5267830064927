"""The territory dashboard (issue #12, item 1) and its exports (item 4): figures checked against orders, products
and daily counts built here, with boundaries at midnight where the territory is; staff only; one territory's
figures only."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.backoffice.dashboard import MonthPeriod, Period, dashboard, period_choose
from vitrine.backoffice.summary import summary_refresh
from vitrine.catalog.models import Product
from vitrine.metrics.models import DailyCount
from vitrine.orders.lifecycle import order_transition
from vitrine.orders.models import Order
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory
from vitrine.testing.helpers import client_on

PARIS = ZoneInfo("Europe/Paris")
NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1))
PAGE = "/equipe/tableau-de-bord/"
NOVEMBER_QUERY = {"periode": "perso", "du": "2026-11-01", "au": "2026-11-30"}


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def order(shop, *, at, email, key=None, status="placed", total="10.00", collected=None, pickup=None, reason=""):
    made = Order.objects.create(
        shop=shop,
        customer_name="Client",
        email=email,
        status=status,
        pickup_code=uuid.uuid4().hex[:6].upper(),
        pickup_starts_at=pickup or at,
        pickup_ends_at=pickup or at,
        total=Decimal(total),
        idempotency_key=key or uuid.uuid4(),
        refusal_reason=reason,
        collected_at=collected,
    )
    Order.objects.filter(pk=made.pk).update(created_at=at)
    return made


def count(day, kind, n, key="", shop_id=None):
    DailyCount.objects.create(day=day, kind=kind, key=key, count=n, shop_id=shop_id)


@pytest.fixture
def november(nancy):
    """Orders, products and counts around November 2026 in Nancy (Europe/Paris)."""
    with tenant_context(nancy):
        a, b, c = ShopFactory(name="Épicerie A"), ShopFactory(name="Librairie B"), ShopFactory(name="Jamais C")
        ShopFactory(name="En attente D", status="pending")
        cart = uuid.uuid4()
        # One checkout across two shops, both collected in November.
        order(
            a,
            at=paris(2026, 11, 3, 10),
            email="Ana@example.fr",
            key=cart,
            status="collected",
            total="20.00",
            collected=paris(2026, 11, 4, 12),
        )
        order(
            b,
            at=paris(2026, 11, 3, 10),
            email="ana@example.fr",
            key=cart,
            status="collected",
            total="30.00",
            collected=paris(2026, 11, 5, 12),
        )
        # The same buyer again: nobody came.
        order(
            a,
            at=paris(2026, 11, 10, 9),
            email="ana@example.fr",
            status="not_collected",
            total="15.00",
            pickup=paris(2026, 11, 11, 9),
        )
        # 23:30 on 30 November in Paris is 22:30 UTC: still November. Refused for lack of stock.
        order(
            b,
            at=paris(2026, 11, 30, 23, 30),
            email="bob@example.fr",
            status="refused",
            total="12.00",
            reason="Plus de stock, désolé",
        )
        order(b, at=paris(2026, 11, 20, 9), email="eve@example.fr", status="accepted", pickup=paris(2026, 12, 2, 9))
        order(a, at=paris(2026, 11, 21, 9), email="zoe@example.fr", status="pending_payment")  # not placed yet
        # Just after midnight on 1 December, Paris time (23:00:30 UTC on 30 November): December's.
        order(
            a,
            at=paris(2026, 12, 1, 0, 0, 30),
            email="carl@example.fr",
            status="collected",
            total="100.00",
            collected=paris(2026, 12, 1, 0, 10),
        )
        # Placed in October, collected five minutes into November: October's order, November's takings.
        order(
            a,
            at=paris(2026, 10, 31, 23, 59),
            email="dan@example.fr",
            status="collected",
            total="40.00",
            collected=paris(2026, 11, 1, 0, 5),
        )
        fresh, stale = ProductFactory(shop=a), ProductFactory(shop=a)
        ProductFactory(shop=a, status="draft")
        Product.objects.filter(pk=fresh.pk).update(updated_at=paris(2026, 11, 20, 9))
        Product.objects.filter(pk=stale.pk).update(updated_at=paris(2026, 9, 1, 9))
        count(date(2026, 11, 1), "page", 10, "home")
        count(date(2026, 11, 30), "page", 5, "search")
        count(date(2026, 10, 31), "page", 7, "home")
        count(date(2026, 12, 1), "page", 100, "home")
        count(date(2026, 11, 2), "search", 4, "pain")
        count(date(2026, 11, 3), "search", 2, "vélo")
        count(date(2026, 11, 3), "search_empty", 2, "vélo")
        count(date(2026, 11, 4), "search_empty", 3, "cordonnier")
        count(date(2026, 10, 10), "search", 9, "x")
        count(date(2026, 11, 4), "storefront", 50, shop_id=a.pk)  # not a page view of its own
    return {"a": a, "b": b, "c": c}


def test_the_periods_end_at_midnight_where_the_territory_is(nancy):
    with tenant_context(nancy):
        start, end = NOVEMBER.bounds()
    assert (start.isoformat(), end.isoformat()) == ("2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00")
    assert NOVEMBER.previous == Period(date(2026, 10, 2), date(2026, 11, 1))  # 30 days before
    today = date(2026, 12, 5)
    assert period_choose("mois", today=today)[0] == MonthPeriod(date(2026, 12, 1), date(2026, 12, 6))
    assert period_choose("mois-dernier", today=today)[0] == MonthPeriod(NOVEMBER.start, NOVEMBER.end)
    assert period_choose("7", today=today)[0] == Period(date(2026, 11, 29), date(2026, 12, 6))
    assert period_choose("perso", start="2026-11-01", end="2026-11-30", today=today)[0] == NOVEMBER
    period, kind, error = period_choose("perso", start="2026-11-30", end="2026-11-01", today=today)
    assert (period, kind) == (Period(date(2026, 11, 6), date(2026, 12, 6)), "30") and "finit avant" in error


def test_the_figures_are_counted_from_the_orders_and_counts(november, nancy, django_assert_num_queries):
    with tenant_context(nancy):
        assert summary_refresh() == -1  # the first time, every day
        Order.objects.update(updated_at=F("created_at"))  # the orders were last saved in November
        # Then six queries, and the summary's look for changed orders (a lock, its state, the orders saved
        # since, its new state, in a savepoint): 12 whatever the period.
        with django_assert_num_queries(12):
            board = dashboard(period=NOVEMBER)
    now, before = board.current, board.previous
    assert now.sales == Decimal("90.00")  # 20 + 30 + the 40 collected at 00:05 on 1 November
    assert (now.placed, now.accepted, now.collected, now.refused, now.not_collected) == (5, 4, 3, 1, 1)
    assert now.refused_stock == 1
    assert now.no_show_rate == Decimal("25.0")  # 1 / (3 + 1)
    assert (now.checkouts, now.multi_shop_checkouts, now.multi_shop_share) == (4, 1, Decimal("25.0"))
    assert now.average_basket == Decimal("30.00")
    assert (now.buyers, now.returning_buyers, now.repeat_rate) == (3, 1, Decimal("33.3"))  # Ana twice, any case
    assert board.shops_listed == 3  # the pending shop is not listed
    assert (now.shops_active, now.shops_never_ordered) == (2, 1)
    assert (board.products_published, now.products_fresh) == (2, 1)
    assert (now.visits, now.searches, now.searches_empty) == (15, 6, 5)
    # "vélo", typed twice, is withheld: a search is shown only once typed at least 3 times
    assert [(s.query, s.count) for s in board.top_searches] == [("pain", 4)]
    assert [(s.query, s.count) for s in board.top_empty_searches] == [("cordonnier", 3)]
    # The previous 30 days (2 October to 31 October): Dan's order, placed at 23:59 on the 31st.
    assert (before.placed, before.collected, before.sales, before.buyers) == (1, 0, Decimal("0.00"), 1)
    assert (before.shops_active, before.shops_never_ordered, before.visits, before.searches) == (1, 2, 7, 9)
    assert before.no_show_rate is None and before.average_basket is None
    days = {d.day: d for d in board.days}
    assert len(days) == 30
    assert (days[date(2026, 11, 1)].collected, days[date(2026, 11, 1)].sales, days[date(2026, 11, 1)].visits) == (
        1,
        Decimal("40.00"),
        10,
    )
    assert (days[date(2026, 11, 30)].placed, days[date(2026, 11, 30)].visits) == (1, 5)


def test_the_page_shows_the_figures_with_charts_and_tables_for_staff(november, nancy):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    response = client_on(nancy, staff).get(PAGE, NOVEMBER_QUERY)
    assert response.status_code == 200
    page = response.text
    assert "<svg" in page and 'role="img"' in page and "<table" in page
    assert "90,00" in page and "25,0" in page and "cordonnier" in page
    assert "style=" not in page.split("<main", 1)[-1]  # the CSP forbids inline styles


@pytest.mark.parametrize("role", [None, User.Role.SHOPPER, User.Role.MERCHANT])
def test_only_the_team_sees_the_dashboard_and_its_exports(nancy, role):
    with tenant_context(nancy):
        user = UserFactory(role=role) if role else None
    client = client_on(nancy, user)
    for path in (PAGE, PAGE + "chiffres.csv", PAGE + "jours.xlsx"):
        response = client.get(path)
        assert response.status_code in (302, 403, 404), path
        assert b"Sales" not in response.content and b"Ventes" not in response.content


def test_a_territory_never_sees_anothers_figures(november, nancy, limoges):
    with tenant_context(limoges):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        board = dashboard(period=NOVEMBER)
    assert (board.current.placed, board.current.sales, board.current.visits, board.shops_listed) == (
        0,
        Decimal("0.00"),
        0,
        0,
    )
    page = client_on(limoges, staff).get(PAGE, NOVEMBER_QUERY).text
    assert "cordonnier" not in page and "90,00" not in page


def test_each_table_downloads_as_csv_for_french_excel_and_as_xlsx(november, nancy):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        Order.objects.filter(email="bob@example.fr").update(email="=cmd@example.fr")
        DailyCount.objects.create(day=date(2026, 11, 5), kind="search_empty", key="=HYPERLINK(1)", count=9)
    client = client_on(nancy, staff)
    response = client.get(PAGE + "chiffres.csv", NOVEMBER_QUERY)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "tableau-de-bord-chiffres-2026-11-01-2026-11-30.csv" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    sales = next(row for row in rows if row[0] == "Ventes")
    assert sales[1:3] == ["90,00", "0,00"]
    empty = client.get(PAGE + "recherches-vides.csv", NOVEMBER_QUERY).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1);9" in empty  # a formula stays text
    xlsx = client.get(PAGE + "jours.xlsx", NOVEMBER_QUERY)
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == "2026-11-01" and values[1][3] == 40 and len(values) == 31
    assert client.get(PAGE + "inconnu.csv").status_code == 404
    assert client.get(PAGE + "jours.pdf").status_code == 404


def test_the_page_makes_the_same_queries_whatever_the_period(november, nancy):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    client = client_on(nancy, staff)
    client.get(PAGE)  # the routing cache and the session warm, the summary made
    with tenant_context(nancy):
        Order.objects.update(updated_at=F("created_at"))  # the orders were last saved in November
    for query in ({}, NOVEMBER_QUERY, {"periode": "perso", "du": "2025-12-01", "au": "2026-11-30"}):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE, query).status_code == 200
        # the session, its account and its two-factor device (a session touched now and then may add one),
        # then the dashboard's six and the summary's look for changed orders (six with its savepoint)
        own = [q["sql"] for q in captured.captured_queries if not re.search(r"django_session|accounts_|otp_", q["sql"])]
        assert len(own) == 12, own
        assert len(captured) <= 16, [q["sql"][:80] for q in captured.captured_queries]


def test_the_summary_follows_an_order_changed_since_it_was_made(november, nancy):
    """The summary is built once, then only the days of orders saved since are recomputed: the figures
    stay exact, the same as a summary rebuilt from scratch."""
    with tenant_context(nancy):
        first = dashboard(period=NOVEMBER).current
        Order.objects.update(updated_at=F("created_at"))  # the orders were last saved in November
        eve = Order.objects.get(email="eve@example.fr")
        eve.status, eve.refusal_reason = "refused", "Rupture de stock"
        eve.save()

        assert summary_refresh() == 2  # the day it was placed and its pickup day
        now = dashboard(period=NOVEMBER).current
        assert (now.accepted, now.refused, now.refused_stock) == (first.accepted - 1, 2, 2)
        assert summary_refresh(full=True) == -1
        assert dashboard(period=NOVEMBER).current == now


def test_an_online_order_whose_payment_never_came_was_never_placed(november, nancy):
    """Paid: placed when the payment came; never paid: in no figure (a shopper retrying a declined card
    is one checkout and one buyer, not a repeat buyer)."""
    with tenant_context(nancy):
        before = dashboard(period=NOVEMBER).current
        cart = uuid.uuid4()
        declined = order(november["c"], at=paris(2026, 11, 25, 9), email="yan@example.fr", status="pending_payment")
        paid = order(
            november["c"], at=paris(2026, 11, 25, 9, 5), email="yan@example.fr", key=cart, status="pending_payment"
        )
        order_transition(order=declined, to="cancelled", actor=None)
        order_transition(order=paid, to="placed", actor=None)

        now = dashboard(period=NOVEMBER).current
    assert now.placed == before.placed + 1
    assert (now.checkouts, now.buyers, now.returning_buyers) == (before.checkouts + 1, before.buyers + 1, 1)
    assert now.shops_active == before.shops_active + 1 and now.shops_never_ordered == 0


def test_a_month_is_compared_with_the_month_before():
    period, kind, _ = period_choose("mois-dernier", today=date(2026, 3, 10))
    assert (period, period.previous) == (
        MonthPeriod(date(2026, 2, 1), date(2026, 3, 1)),
        Period(date(2026, 1, 1), date(2026, 1, 29)),  # 1–28 January against 1–28 February
    )
    this_month = period_choose("mois", today=date(2026, 3, 31))[0]
    assert this_month.previous == Period(date(2026, 2, 1), date(2026, 3, 1))  # February whole, not 3 days more


def test_a_month_against_the_one_before_counts_only_their_days(nancy):
    """29–31 January fall in neither February nor its comparison (1–28 January)."""
    with tenant_context(nancy):
        shop = ShopFactory()
        for day in (5, 30):
            order(shop, at=paris(2026, 1, day, 10), email=f"{day}@example.fr")
        order(shop, at=paris(2026, 2, 10, 10), email="feb@example.fr")
        board = dashboard(period=period_choose("mois-dernier", today=date(2026, 3, 10))[0])
    assert (board.current.placed, board.previous.placed) == (1, 1)
    assert (board.current.buyers, board.previous.buyers) == (1, 1)


@pytest.mark.parametrize(
    "query",
    [
        {"periode": "perso", "du": "0001-01-01", "au": "0001-01-02"},
        {"periode": "perso", "du": "2026-01-01", "au": "9999-12-31"},
    ],
)
def test_a_range_out_of_the_calendar_is_refused_in_words(nancy, query):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    response = client_on(nancy, staff).get(PAGE, query)
    assert response.status_code == 400 and "entre 2000 et l’an prochain" in response.text


def test_a_report_month_out_of_the_calendar_is_the_default_preview(nancy):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    assert client_on(nancy, staff).get("/equipe/rapports/", {"mois": "9999-12"}).status_code == 200
