"""In a real browser, on a phone: the territory team reads its dashboard (figures, charts, tables behind them)
and picks another period; no inline style, no sideways scrolling, no WCAG 2.1 AA violation axe can see."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from vitrine.testing.browser import axe_violations
from vitrine.testing.two_factor import browser_code_give, totp_code_for

pytestmark = pytest.mark.browser

PASSWORD = "e2e-staff-pass-1"


def _world_make(token: str) -> dict:
    # ORM code of a browser test runs in the orm() helper's thread, once Django is set up
    import uuid
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.metrics.models import DailyCount
    from vitrine.orders.models import Order
    from vitrine.shops.opening import territory_today
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ShopFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        staff = User.objects.create_user(email=f"equipe-{token}@example.fr", password=PASSWORD, role="territory_staff")
        shops = [ShopFactory(name=f"Tableau {token} {n}") for n in range(3)]
        now, orders = timezone.now(), []
        for n in range(12):
            at = now - timedelta(days=n * 2, hours=1)
            collected = n % 4 != 3
            orders.append(
                Order.objects.create(
                    shop=shops[n % 3],
                    customer_name="Client",
                    email=f"client{n % 5}-{token}@example.fr",
                    status="collected" if collected else "not_collected",
                    pickup_code=uuid.uuid4().hex[:6].upper(),
                    pickup_starts_at=at,
                    pickup_ends_at=at,
                    total=Decimal("18.50") + n,
                    idempotency_key=uuid.uuid4(),
                    collected_at=at if collected else None,
                ).pk
            )
        today = territory_today()
        counts = []
        for n in range(30):
            day = today - timedelta(days=n)
            counts.append(
                DailyCount.objects.create(day=day, kind="page", key=f"home-{token}", count=40 + (n * 7) % 25).pk
            )
        for query, kind, times in (
            ("pain", "search", 12),
            ("vélo cargo", "search_empty", 7),
            ("cordonnier", "search_empty", 4),
        ):
            counts.append(DailyCount.objects.create(day=today, kind=kind, key=f"{query} {token}", count=times).pk)
        return {
            "email": staff.email,
            "staff": staff.pk,
            "shops": [s.pk for s in shops],
            "orders": orders,
            "counts": counts,
        }


def _world_delete(facts: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.metrics.models import DailyCount
    from vitrine.orders.models import Order
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        Order.objects.filter(pk__in=facts["orders"]).delete()
        DailyCount.objects.filter(pk__in=facts["counts"]).delete()
        owners = list(Shop.objects.filter(pk__in=facts["shops"]).values_list("members__user_id", flat=True))
        Shop.objects.filter(pk__in=facts["shops"]).delete()
        User.objects.filter(pk__in=[facts["staff"], *owners]).delete()


@pytest.fixture
def world(orm):
    facts = orm(_world_make, secrets.token_hex(3))
    facts["code"] = lambda: orm(totp_code_for, "nancy", facts["email"])
    facts["code"]()
    yield facts
    orm(_world_delete, facts)


def test_the_team_reads_its_dashboard_on_a_phone(phone_page, base_url, screenshot, world):
    page = phone_page
    # given a staff member signed in on their phone
    page.goto(base_url("nancy", "/compte/connexion/?next=/equipe/tableau-de-bord/"))
    page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.IGNORECASE)).fill(world["email"])
    page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.IGNORECASE)).fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    browser_code_give(page, world["code"]())
    page.wait_for_url(base_url("nancy", "/equipe/tableau-de-bord/"))
    # then the figures read in French, one card each, with charts and the tables behind them
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    expect(page.locator(".figure-card", has_text="Taux de non-retrait")).to_contain_text("%")
    expect(page.locator(".figure-card", has_text="Ventes").first).to_contain_text("€")
    expect(page.locator("svg.chart-svg").first).to_be_visible()
    expect(page.locator("table", has_text="vélo cargo")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "dashboard-phone")
    assert axe_violations(page) == []
    # when they pick the last 7 days
    page.get_by_label("Période").select_option("7")
    page.get_by_role("button", name="Afficher").click()
    # then the page says which days it counts
    expect(page.locator("main")).to_contain_text("comparé au")
    expect(page.get_by_label("Période")).to_have_value("7")
    page.get_by_text("Les jours en tableau").click()
    expect(page.locator("table", has_text="Chaque jour de la période").locator("tbody tr")).to_have_count(7)
    screenshot(page, "dashboard-phone-7-days")


def _report_withdraw(month: str) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.audit.models import AuditEvent
    from vitrine.backoffice.models import PublishedReport
    from vitrine.tenancy.models import Territory
    from vitrine.tenancy.routing import routing_invalidate

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        PublishedReport.objects.filter(month=f"{month}-01").delete()
        AuditEvent.objects.filter(verb__startswith="report.").delete()
    # The footer's link to the reports goes with them (other tests count the footer's links).
    Territory.objects.filter(schema_name="nancy").update(reports_public=False)
    routing_invalidate()


def test_the_team_publishes_last_months_report_and_the_public_reads_it(page, base_url, screenshot, world, orm):
    from datetime import date

    today = date.today()
    last = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    month = f"{last:%Y-%m}"
    try:
        # given a staff member signed in on a desktop
        page.goto(base_url("nancy", "/compte/connexion/?next=/equipe/rapports/"))
        page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.IGNORECASE)).fill(world["email"])
        page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.IGNORECASE)).fill(PASSWORD)
        page.locator("main form").get_by_role("button").click()
        browser_code_give(page, world["code"]())
        page.wait_for_url(base_url("nancy", "/equipe/rapports/"))
        # the dashboard on a desktop: the figures in a grid, the charts beside their tables
        page.goto(base_url("nancy", "/equipe/tableau-de-bord/"))
        expect(page.locator(".figure-card")).to_have_count(19)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        screenshot(page, "dashboard-desktop")
        page.goto(base_url("nancy", "/equipe/rapports/"))
        # when they publish last month's report
        page.locator("ul.rows li").first.get_by_role("button", name=re.compile("Publier")).click()
        expect(page.get_by_role("status")).to_contain_text("est public")
        # then anyone reads it on the territory's host, with its open-data file and columns described
        page.goto(base_url("nancy", f"/rapport/{month}/"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Le commerce local")
        expect(page.locator("main")).to_contain_text("boutiques_listees")
        expect(page.locator("main")).to_contain_text("moins de 5")
        # and every page's footer now links to the reports
        expect(page.locator("footer").get_by_role("link", name="Le commerce local en chiffres")).to_be_visible()
        assert axe_violations(page) == []
        screenshot(page, "monthly-report-public")
    finally:
        orm(_report_withdraw, month)
