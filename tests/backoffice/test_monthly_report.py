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
    """Five food shops (one in a sub-category) and two fashion shops with orders in November 2026."""
    with tenant_context(nancy):
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
    food, fashion, total = rows
    assert (food.category, food.shops_listed, food.shops_active, food.collected) == ("Alimentation", 5, 5, 6)
    assert (food.sales, food.average_basket, food.not_collected, food.suppressed) == (
        Decimal("75.00"),
        Decimal("12.50"),
        1,
        False,
    )
    # Two fashion shops: every cell would tell about one shop or two.
    assert (fashion.category, fashion.suppressed) == ("Mode", True)
    assert (fashion.shops_listed, fashion.shops_active, fashion.collected, fashion.sales) == (None, None, None, None)
    assert (total.category, total.shops_listed, total.collected, total.sales) == ("Total", 7, 8, Decimal("235.00"))


def test_the_team_publishes_a_month_and_the_public_reads_its_page_and_csv(november, nancy, limoges):
    public = client_on(nancy)
    assert public.get("/rapport/2026-11/").status_code == 404
    assert public.get("/rapport/2026-11.csv").status_code == 404
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    team = client_on(nancy, staff)
    preview = team.get("/equipe/rapports/", {"mois": "2026-11"})
    assert preview.status_code == 200 and "Alimentation" in preview.text

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
    assert rows[1] == ["2026-11", "Alimentation", "5", "5", "6", "75,00", "12,50", "1"]
    assert rows[2] == ["2026-11", "Mode", "", "", "", "", "", ""]
    assert rows[3][:6] == ["2026-11", "Total", "7", "7", "8", "235,00"]
    # Another territory has no such report.
    assert client_on(limoges).get("/rapport/2026-11/").status_code == 404

    team.post("/equipe/rapports/", {"mois": "2026-11", "action": "withdraw"})
    assert public.get("/rapport/2026-11/").status_code == 404


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
