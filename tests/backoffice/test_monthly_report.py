"""The public monthly report (issue #12, item 4): the team publishes a finished month; its page and open-data CSV
show each main shop category's figures, a cell covering fewer than 5 shops left empty; one territory's only."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.backoffice.models import PublishedReport
from vitrine.backoffice.reports import monthly_report
from vitrine.orders.models import Order
from vitrine.shops.models import Shop
from vitrine.shops.opening import territory_today
from vitrine.testing.factories import CategoryFactory, ShopFactory, UserFactory
from vitrine.testing.helpers import client_on

PARIS = ZoneInfo("Europe/Paris")
NOVEMBER = date(2026, 11, 1)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def order(shop, *, at, status="collected", total="10.00", collected=None, pickup=None):
    made = Order.objects.create(
        shop=shop,
        customer_name="Client",
        email="client@example.fr",
        status=status,
        pickup_code=uuid.uuid4().hex[:6].upper(),
        pickup_starts_at=pickup or at,
        pickup_ends_at=pickup or at,
        total=Decimal(total),
        idempotency_key=uuid.uuid4(),
        collected_at=collected,
    )
    Order.objects.filter(pk=made.pk).update(created_at=at)


@pytest.fixture
def november(nancy):
    """Five food shops (one in a sub-category), three home shops and two fashion shops with orders in
    November 2026."""
    with tenant_context(nancy):
        home = CategoryFactory(name="Maison")
        for _ in range(3):
            order(
                ShopFactory(category=home), at=paris(2026, 11, 20, 10), collected=paris(2026, 11, 20, 11), total="20.00"
            )
        food = CategoryFactory(name="Alimentation")
        bakery = CategoryFactory(name="Boulangerie", parent=food)
        fashion = CategoryFactory(name="Mode")
        shops = [ShopFactory(category=food) for _ in range(4)] + [ShopFactory(category=bakery)]
        for shop in shops:
            order(shop, at=paris(2026, 11, 10, 10), collected=paris(2026, 11, 10, 17))
        # Collected ten minutes into November in Paris (23:10 UTC on 31 October): November's.
        order(shops[0], at=paris(2026, 10, 31, 20), collected=paris(2026, 11, 1, 0, 10), total="25.00")
        # Collected half an hour into December: not November's.
        order(shops[1], at=paris(2026, 11, 30, 20), collected=paris(2026, 12, 1, 0, 30), total="99.00")
        order(shops[2], at=paris(2026, 11, 12, 10), status="not_collected", pickup=paris(2026, 11, 13, 10))
        for _ in range(2):
            order(
                ShopFactory(category=fashion),
                at=paris(2026, 11, 15, 10),
                collected=paris(2026, 11, 15, 12),
                total="80.00",
            )
        ShopFactory(category=fashion, status="pending")  # not listed
    return shops


def test_each_category_with_cells_under_five_shops_withheld(november, nancy, django_assert_num_queries):
    with tenant_context(nancy):
        Order.objects.exists()
        with django_assert_num_queries(1):
            rows = monthly_report(month=NOVEMBER)
    food, home, fashion, total = rows
    assert (food.category, food.shops_listed, food.shops_active, food.collected) == ("Alimentation", 5, 5, 6)
    # One food shop had an order nobody came for: that cell would be its own figure.
    assert (food.sales, food.average_basket, food.not_collected, food.suppressed) == (
        Decimal("75.00"),
        Decimal("12.50"),
        None,
        True,
    )
    # Two fashion shops, three home shops: every cell would tell about one shop or two; the total less the
    # food row gives away only the two categories together (five shops).
    for small, name in ((home, "Maison"), (fashion, "Mode")):
        assert (small.category, small.suppressed) == (name, True)
        assert (small.shops_listed, small.shops_active, small.collected, small.sales) == (None, None, None, None)
    assert (total.category, total.shops_listed, total.collected, total.sales) == ("Total", 10, 11, Decimal("295.00"))


def test_a_small_category_cannot_be_worked_out_from_the_total(nancy):
    """Five food shops and two fashion shops: the total less the food row would be the fashion shops' own
    figures, so the food row is withheld too and only the total is shown."""
    with tenant_context(nancy):
        food, fashion = CategoryFactory(name="Alimentation"), CategoryFactory(name="Mode")
        for category, count in ((food, 5), (fashion, 2)):
            for _ in range(count):
                order(ShopFactory(category=category), at=paris(2026, 11, 10, 10), collected=paris(2026, 11, 10, 17))
        rows = monthly_report(month=NOVEMBER)
    assert [(row.category, row.suppressed) for row in rows] == [
        ("Alimentation", True),
        ("Mode", True),
        ("Total", False),
    ]
    assert [row.collected for row in rows] == [None, None, 7]
    assert [row.shops_listed for row in rows] == [None, None, 7]


def test_each_cell_counts_the_shops_it_covers(nancy):
    """Five food shops took orders but only one handed any over: its takings are not published as the
    category's; an online order whose payment never came makes no shop active."""
    with tenant_context(nancy):
        food = CategoryFactory(name="Alimentation")
        shops = [ShopFactory(category=food) for _ in range(6)]
        order(shops[0], at=paris(2026, 11, 10, 10), collected=paris(2026, 11, 10, 17), total="64.00")
        for shop in shops[1:5]:
            order(shop, at=paris(2026, 11, 10, 10), status="accepted")
        order(shops[5], at=paris(2026, 11, 10, 10), status="pending_payment")
        (row, total) = monthly_report(month=NOVEMBER)
    assert (row.shops_listed, row.shops_active) == (6, 5)
    assert (row.collected, row.sales, row.average_basket) == (None, None, None)
    assert (total.collected, total.sales) == (None, None)


def test_a_report_published_again_shows_its_first_figures(november, nancy):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    team, public = client_on(nancy, staff), client_on(nancy)
    team.post("/equipe/rapports/", {"mois": "2026-11", "action": "publish"})
    first = public.get("/rapport/2026-11.csv").content
    team.post("/equipe/rapports/", {"mois": "2026-11", "action": "withdraw"})
    assert public.get("/rapport/2026-11.csv").status_code == 404
    with tenant_context(nancy):
        Shop.objects.filter(pk=Shop.objects.filter(category__name="Alimentation").first().pk).update(
            status="suspended"
        )  # a shop leaves

    team.post("/equipe/rapports/", {"mois": "2026-11", "action": "publish"})

    again = public.get("/rapport/2026-11.csv")
    assert again.status_code == 200, again.status_code
    assert again.content == first


def test_under_five_shops_in_all_nothing_is_shown(nancy):
    with tenant_context(nancy):
        food = CategoryFactory(name="Alimentation")
        for _ in range(4):
            order(ShopFactory(category=food), at=paris(2026, 11, 10, 10), collected=paris(2026, 11, 10, 17))
        rows = monthly_report(month=NOVEMBER)
    assert [(row.category, row.shops_listed, row.collected) for row in rows] == [
        ("Alimentation", None, None),
        ("Total", None, None),
    ]


def test_the_team_publishes_a_month_and_the_public_reads_its_page_and_csv(
    november, nancy, limoges, django_capture_on_commit_callbacks
):
    public = client_on(nancy)
    assert public.get("/rapport/2026-11/").status_code == 404
    assert public.get("/rapport/2026-11.csv").status_code == 404
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    team = client_on(nancy, staff)
    preview = team.get("/equipe/rapports/", {"mois": "2026-11"})
    assert preview.status_code == 200 and "Alimentation" in preview.text

    with django_capture_on_commit_callbacks(execute=True):
        response = team.post("/equipe/rapports/", {"mois": "2026-11", "action": "publish"})

    assert response.status_code == 302
    with tenant_context(nancy):
        assert PublishedReport.objects.get().month == NOVEMBER
        assert AuditEvent.objects.filter(verb="report.publish", actor=staff).count() == 1
    page = public.get("/rapport/2026-11/")
    assert page.status_code == 200
    assert "Alimentation" in page.text and "boutiques_listees" in page.text and "moins de 5" in page.text
    assert "/rapport/2026-11/" in public.get("/rapport/").text
    data = public.get("/rapport/2026-11.csv")
    assert data.status_code == 200 and data.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "mois",
        "categorie",
        "boutiques_listees",
        "boutiques_actives",
        "commandes_retirees",
        "ventes_euros",
        "panier_moyen_euros",
        "commandes_non_retirees",
    ]
    assert rows[1] == ["2026-11", "Alimentation", "5", "5", "6", "75,00", "12,50", ""]
    assert rows[2] == ["2026-11", "Maison", "", "", "", "", "", ""]
    assert rows[3] == ["2026-11", "Mode", "", "", "", "", "", ""]
    assert rows[4][:6] == ["2026-11", "Total", "10", "10", "11", "295,00"]
    # Another territory has no such report.
    assert client_on(limoges).get("/rapport/2026-11/").status_code == 404

    # Every page's footer now links to the reports.
    assert 'href="/rapport/"' in public.get("/").text
    assert 'href="/rapport/"' not in client_on(limoges).get("/").text

    with django_capture_on_commit_callbacks(execute=True):
        team.post("/equipe/rapports/", {"mois": "2026-11", "action": "withdraw"})
    assert public.get("/rapport/2026-11/").status_code == 404
    assert 'href="/rapport/"' not in public.get("/").text


def test_a_published_report_is_frozen_as_published(november, nancy):
    """An order of the month handed over late changes the figures as of now, not the report the public read."""
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    client_on(nancy, staff).post("/equipe/rapports/", {"mois": "2026-11", "action": "publish"})
    public = client_on(nancy)
    before = public.get("/rapport/2026-11.csv").content
    with tenant_context(nancy):
        late = Order.objects.filter(status="not_collected").get()
        Order.objects.filter(pk=late.pk).update(
            status="collected", collected_at=paris(2026, 11, 13, 11), total=Decimal("40.00")
        )
        assert monthly_report(month=NOVEMBER)[-1].collected == 12  # the figures as of now moved

    assert public.get("/rapport/2026-11.csv").content == before
    page = public.get("/rapport/2026-11/").text
    assert "295,00" in page and "335,00" not in page


def test_only_a_finished_month_is_published_and_only_by_the_team(nancy):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        merchant = UserFactory(role=User.Role.MERCHANT)
        this_month = territory_today().replace(day=1)
    client_on(nancy, staff).post("/equipe/rapports/", {"mois": f"{this_month:%Y-%m}", "action": "publish"})
    client_on(nancy, staff).post("/equipe/rapports/", {"mois": "n'importe", "action": "publish"})
    response = client_on(nancy, merchant).post("/equipe/rapports/", {"mois": "2026-11", "action": "publish"})
    assert response.status_code in (302, 403)
    with tenant_context(nancy):
        assert not PublishedReport.objects.exists()
