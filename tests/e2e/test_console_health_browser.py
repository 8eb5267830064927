"""In a real browser: the console's territories at a glance, their figures computed by the real
Celery worker in each territory's schema; sorted, searched, on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from vitrine.testing.browser import axe_violations, console_sign_in
from vitrine.testing.helpers import wait_for

pytestmark = pytest.mark.browser

NANCY_NAME = "Achetez Grand Nancy"
LIMOGES_NAME = "Limoges en boutiques"


def _health_refresh_all() -> None:
    from vitrine.console.tasks import territory_health_refresh_all

    territory_health_refresh_all()


def _health_rows() -> dict[str, tuple]:
    from vitrine.tenancy.models import TerritoryHealth

    return {
        row.territory_id and row.territory.schema_name: (row.shops, row.orders_week, row.outbox_pending)
        for row in TerritoryHealth.objects.select_related("territory")
    }


def _health_forget() -> None:
    from vitrine.tenancy.models import TerritoryHealth

    TerritoryHealth.objects.filter(territory__schema_name__in=["nancy", "limoges"]).delete()


def test_operator_reads_every_territory_health_sorted_and_searched_on_desktop_and_phone(
    page, base_url, screenshot, operator, orm
):
    # given the periodic task fanned out to every territory and run by the worker in each schema
    orm(_health_forget)
    orm(_health_refresh_all)
    try:
        wait_for(
            lambda: {"nancy", "limoges"} <= set(orm(_health_rows)),
            timeout=60,
            message="the worker to compute both territories' health",
        )

        # when the operator signs in
        console_sign_in(page, base_url, operator)

        # then every territory is listed with its figures and when they were computed
        expect(page.get_by_role("link", name=NANCY_NAME)).to_be_visible()
        expect(page.get_by_role("link", name=LIMOGES_NAME)).to_be_visible()
        expect(page.locator("main")).to_contain_text(re.compile(r"Chiffres calculés (le|entre)"))
        screenshot(page, "console-health-list")
        assert axe_violations(page) == []

        # when they sort by orders of the week (biggest first) then search a territory by its domain
        page.get_by_role("link", name="Commandes sur 7 jours").click()
        page.wait_for_url(re.compile(r"tri=-commandes"))
        expect(page.locator("th[aria-sort=descending]")).to_contain_text("Commandes sur 7 jours")
        page.get_by_label("Rechercher par nom, identifiant ou domaine").fill("limoges.localhost")
        page.get_by_role("button", name="Rechercher").click()

        # then only Limoges is left, still sorted the same way
        page.wait_for_url(re.compile(r"q=limoges.localhost"))
        expect(page.get_by_role("link", name=LIMOGES_NAME)).to_be_visible()
        expect(page.get_by_role("link", name=NANCY_NAME)).to_have_count(0)
        assert "tri=-commandes" in page.url

        # and on a phone each territory reads as a card with its figures labelled, sortable from the form
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(base_url("console", "/?tri=-boutiques"))
        label = page.evaluate(
            "getComputedStyle(document.querySelector('.health-table td[data-label]'), '::before').content"
        )
        assert label == '"Boutiques : "', label
        expect(page.get_by_label("Trier par")).to_have_value("-boutiques")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
        screenshot(page, "console-health-list-phone")
        assert axe_violations(page) == []

        # and the territory's page shows its own figures
        page.get_by_role("link", name=NANCY_NAME).click()
        expect(page.locator("main")).to_contain_text("Ce mois-ci")
        screenshot(page, "console-health-territory-phone")

        # and from there its whole log, in French, filtered on it, on a desktop
        page.set_viewport_size({"width": 1280, "height": 800})
        page.get_by_role("link", name="Tout le journal de ce territoire, avec ses filtres").click()
        page.wait_for_url(re.compile(r"/journal/\?territoire=nancy"))
        expect(page.locator("tbody")).to_contain_text("Territoire créé")
        page.get_by_label("Action").select_option(label="Territoire suspendu")
        page.get_by_role("button", name="Filtrer").click()
        expect(page.locator("tbody")).to_contain_text("Aucune action ne correspond à ces filtres")
        screenshot(page, "console-audit-filtered")
        assert axe_violations(page) == []
    finally:
        orm(_health_forget)
