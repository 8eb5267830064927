"""On a phone, in Debian's Chromium: send a CSV with one bad row, read the error, fix it, import.

Drives the session's real web server. Rows are committed before the browser starts
and removed after it stops (Playwright's loop must not be running while the ORM is used).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product
from vitrine.config.env import VAR_DIR
from vitrine.imports.models import CatalogImport
from vitrine.imports.testing import csv_bytes
from vitrine.testing.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("VITRINE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = VAR_DIR / "screenshots"
PASSWORD = "import-phone-pass-1"
ROWS = [
    {"reference": "bol-gres", "titre": "Bol en grès", "categorie": "Cuisine", "prix": "16,00", "stock": "8"},
    {
        "reference": "tablier",
        "titre": "Tablier en lin",
        "categorie": "Linge de maison",
        "prix": "32,00",
        "declinaison": "Bleu",
        "stock_declinaison": "3",
    },
    {"reference": "tablier", "declinaison": "Rouge", "stock_declinaison": "trois"},
]


def test_a_merchant_on_a_phone_sees_the_bad_row_then_imports_the_fixed_file(committed, web_server, tmp_path):
    if not CHROMIUM.is_file():
        if os.environ.get("VITRINE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import expect, sync_playwright

    nancy = committed["nancy"]
    with tenant_context(nancy):
        owner = UserFactory(role=User.Role.MERCHANT, password=PASSWORD)
        shop = ShopFactory(category=Category.objects.get(slug="decoration"), owner=owner)
    bad = tmp_path / "catalogue.csv"
    bad.write_bytes(csv_bytes(ROWS, encoding="cp1252"))
    fixed = tmp_path / "catalogue-corrige.csv"
    fixed.write_bytes(csv_bytes([*ROWS[:2], {**ROWS[2], "stock_declinaison": "3"}], encoding="cp1252"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = f"http://nancy.localhost:{web_server}"

    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
            )
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
            )
            context.set_default_timeout(10_000)
            page = context.new_page()
            # given a merchant signed in on their phone
            page.goto(f"{base}/compte/connexion/?next=/pro/import/")
            page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.I)).fill(owner.email)
            page.get_by_label(re.compile(r"^\s*mot de passe\s*$", re.I)).fill(PASSWORD)
            page.locator("main form").get_by_role("button").click()
            page.wait_for_url(f"{base}/pro/import/")
            expect(page.locator("h1")).to_have_text("Importer ou exporter votre catalogue")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=str(SCREENSHOTS / "import-phone-start.png"), full_page=True)

            # when they send the file with one bad row
            page.get_by_label("Votre fichier catalogue (CSV ou Excel)").set_input_files(str(bad))
            page.get_by_role("button", name="Vérifier mon fichier").click()

            # then the preview names the row and the column, and offers no import
            page.wait_for_url(re.compile(r"/pro/import/\d+/$"))
            expect(page.get_by_role("alert")).to_contain_text("1 erreur à corriger")
            expect(page.locator(".imports-errors li")).to_have_count(1)
            expect(page.locator(".imports-errors li")).to_contain_text("Ligne 4")
            expect(page.locator(".imports-errors li")).to_contain_text("stock_declinaison")
            expect(page.get_by_role("button", name="Confirmer l’import")).to_have_count(0)
            # and the table of the file's products marks that product, with the reason on its line
            expect(page.locator(".imports-preview-error")).to_have_count(1)
            expect(page.locator(".imports-preview-error")).to_contain_text("stock_declinaison")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=str(SCREENSHOTS / "import-phone-error.png"), full_page=True)

            # when they send the corrected file and confirm
            page.get_by_role("link", name="Envoyer le fichier corrigé").click()
            page.get_by_label("Votre fichier catalogue (CSV ou Excel)").set_input_files(str(fixed))
            page.get_by_role("button", name="Vérifier mon fichier").click()
            page.wait_for_url(re.compile(r"/pro/import/\d+/$"))
            expect(page.locator(".imports-summary")).to_contain_text("2")
            # the products about to be published, each with its price and what happens to it
            rows = page.locator(".imports-preview-table tbody tr")
            expect(rows).to_have_count(2)
            expect(page.locator(".imports-preview-create")).to_have_count(2)
            expect(rows.first).to_contain_text("€")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=str(SCREENSHOTS / "import-phone-preview.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=str(SCREENSHOTS / "import-desktop-preview.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            confirm = page.get_by_role("button", name="Confirmer l’import")
            box = confirm.bounding_box()
            assert box["height"] >= 44  # a thumb's tap target
            confirm.click()

            # then the import is done
            expect(page.get_by_role("status").first).to_contain_text("Import terminé")
            page.screenshot(path=str(SCREENSHOTS / "import-phone-done.png"), full_page=True)
            browser.close()

        with tenant_context(nancy):
            assert sorted(Product.objects.filter(shop=shop).values_list("slug", flat=True)) == ["bol-gres", "tablier"]
            assert Product.objects.get(shop=shop, slug="tablier").variants.count() == 2
    finally:
        with tenant_context(nancy):
            for catalog_import in CatalogImport.objects.filter(shop=shop):
                catalog_import.file.delete(save=False)
            shop.delete()
            User.objects.filter(pk=owner.pk).delete()
        connection.set_schema_to_public()
