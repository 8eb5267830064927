"""In a real browser: an operator archives a territory from the console (its export made by the real
worker, with live progress), the territory's pages still read and a write gets the archived page in
its branding; the delete button waits for the grace period."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from vitrine.testing.browser import console_sign_in, unique_slug
from vitrine.testing.helpers import TEST_VAR

pytestmark = pytest.mark.browser


def _export_facts(slug: str) -> list[tuple]:
    from vitrine.tenancy.models import TerritoryExport

    return list(TerritoryExport.objects.filter(slug=slug).values_list("reason", "status", "file_name"))


def _exports_remove(slug: str) -> None:
    from vitrine.tenancy.models import TerritoryExport

    for export in TerritoryExport.objects.filter(slug=slug):
        if export.file_name:
            (TEST_VAR / "exports" / export.file_name).unlink(missing_ok=True)
        export.delete()


def test_operator_archives_a_territory_its_pages_read_and_writes_get_the_archived_page(
    page, base_url, screenshot, operator, territories_to_drop, orm
):
    # given an open territory with its own colour
    from vitrine.testing.territories import territory_make

    slug = unique_slug("archive")
    name = f"Boutiques {slug[-4:]}"
    territories_to_drop.append(slug)
    orm(territory_make, slug, name=name, theme="terroir", primary_color="#8a1c1c")
    try:
        # when an operator archives it from its console page, giving a reason
        console_sign_in(page, base_url, operator)
        page.goto(base_url("console", f"/territoires/{slug}/"))
        page.locator("#id_archive_reason").fill("fin de la convention")
        page.get_by_role("button", name="Archiver le territoire").click()
        page.wait_for_url(base_url("console", f"/territoires/{slug}/"))

        # then the page says it is archived and when it can be deleted; the delete button waits
        expect(page.locator("#life-cycle")).to_contain_text("Archivé le")
        expect(page.locator("#life-cycle")).to_contain_text("pourra être supprimé définitivement à partir du")
        expect(page.get_by_role("button", name="Supprimer définitivement…")).to_be_disabled()
        # and the export made at archiving is done by the real worker, its page offering the download
        page.locator("#life-cycle ul.exports a").first.click()
        expect(page.locator("#export-progress")).to_have_attribute("data-status", "succeeded", timeout=60_000)
        expect(page.get_by_role("link", name=re.compile("Télécharger l'archive"))).to_be_visible()
        screenshot(page, "console-export-ready")
        page.goto(base_url("console", f"/territoires/{slug}/"))
        screenshot(page, "console-life-cycle-archived")
        ((reason, status, file_name),) = orm(_export_facts, slug)
        assert (reason, status) == ("archive", "succeeded") and file_name.startswith(f"{slug}-")

        # and the territory still reads, while a write gets the archived page in its branding
        response = page.goto(base_url(slug, "/compte/connexion/"))
        assert response.status == 200
        page.get_by_label("Adresse électronique").fill(f"admin@{slug}.example.fr")
        page.get_by_label("Mot de passe").fill("nimporte-quoi-123")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Se connecter").click()
        assert answer.value.status == 503
        expect(page.locator("h1")).to_have_text("Ce site est archivé")
        expect(page.locator(".brand-name")).to_have_text(name)
        screenshot(page, "territory-archived-write-refused")
    finally:
        orm(_exports_remove, slug)
