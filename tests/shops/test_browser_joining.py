"""In a real browser, on a phone: a shop applies, staff approve it, the merchant sets hours.

Runs against the session's web server (tests/conftest.py), so the rows it needs are
committed first and removed afterwards. The ORM is only used before and after the
browser runs (Playwright's sync API keeps an event loop in this thread).
"""

from __future__ import annotations

import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from vitrine.config.env import VAR_DIR
from vitrine.shops.siret import siret_make
from vitrine.testing.factories import DEFAULT_PASSWORD, UserFactory
from vitrine.testing.two_factor import browser_code_give, totp_code_for

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("VITRINE_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = VAR_DIR / "screenshots"


@pytest.fixture
def chromium_path() -> Path:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        if os.environ.get("VITRINE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing (VITRINE_REQUIRE_BROWSER=1)")
        pytest.skip(f"{CHROMIUM} is not installed")
    pytest.importorskip("playwright.sync_api")
    return CHROMIUM


def _setup(tag: str) -> dict:
    from vitrine.accounts.models import User
    from vitrine.shops.communes import communes_load

    with schema_context("nancy"):
        communes_load(rows=[{"name": "Nancy", "postcode": "54000"}, {"name": "Laxou", "postcode": "54520"}])
        staff = UserFactory(role=User.Role.TERRITORY_STAFF, email=f"staff-{tag}@example.fr")
    return {"staff": staff.email, "siret": siret_make(int(tag, 16) % 10**13), "owner": f"owner-{tag}@example.fr"}


def _cleanup(facts: dict) -> None:
    from vitrine.accounts.models import User
    from vitrine.notifications.models import OutboxEmail
    from vitrine.shops.models import Commune, Shop

    with schema_context("nancy"):
        Shop.objects.filter(siret=facts["siret"]).delete()
        User.objects.filter(email__in=[facts["staff"], facts["owner"]]).delete()
        OutboxEmail.objects.filter(subject__contains="Mercerie du Phare").delete()
        OutboxEmail.objects.filter(to=[facts["owner"]]).delete()
        Commune.objects.filter(shops=None, name__in=["Nancy", "Laxou"]).delete()
    connection.set_schema_to_public()


def _shop_status(siret: str) -> str:
    from vitrine.shops.models import Shop

    with schema_context("nancy"):
        return Shop.objects.get(siret=siret).status


def _confirm_link(email: str) -> str:
    from vitrine.notifications.models import OutboxEmail

    with schema_context("nancy"):
        body = OutboxEmail.objects.filter(to=[email]).latest("pk").body
    connection.close()  # this thread's own connection
    return re.search(r"https?://\S+/compte/inscription/\S+", body).group(0)


def _in_thread(function, *args):
    """Run ORM code beside the browser: Playwright's sync API keeps an event loop in this thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def _label(page, text: str):
    return page.get_by_label(re.compile(rf"^\s*{re.escape(text)}"))


def test_a_shop_applies_on_a_phone_staff_approve_it_and_the_merchant_sets_hours(committed, web_server, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    # given nancy's communes and a staff member (committed)
    tag = secrets.token_hex(4)
    facts = _setup(tag)
    totp_code_for("nancy", facts["staff"])  # the team has two-factor sign-in: its authenticator app
    base = f"http://nancy.localhost:{web_server}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=str(chromium_path), args=["--no-sandbox", "--disable-gpu", "--lang=fr-FR"]
            )
            merchant = browser.new_context(
                viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="fr-FR"
            ).new_page()
            merchant.set_default_timeout(10_000)

            # when a visitor fills the application form on a phone, with a SIRET typed with spaces
            merchant.goto(base + "/pro/rejoindre/")
            merchant.get_by_role("button", name="Envoyer ma candidature").click()
            expect(merchant.locator(".errors-summary")).to_contain_text("Veuillez corriger")
            merchant.screenshot(path=str(SCREENSHOTS / "shops-apply-errors-phone.png"), full_page=True)
            _label(merchant, "Raison sociale").fill("Mercerie du Phare")
            siret = facts["siret"]
            _label(merchant, "Numéro SIRET").fill(f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}")
            _label(merchant, "Catégorie").select_option(label="Bijoux (général)")
            _label(merchant, "Adresse").fill("3 rue du Pont-Mouja")
            _label(merchant, "Commune").select_option(label="Nancy (54000)")
            _label(merchant, "E-mail de contact de la boutique").fill("contact@mercerie.example.fr")
            merchant.get_by_label(re.compile("Vitrine seule")).check()
            _label(merchant, "Présentez votre boutique").fill("Boutons, rubans et laines.\n\n- laine\n- coton")
            _label(merchant, "Vos prénom et nom").fill("Anne Collignon")
            _label(merchant, "Votre adresse e-mail").fill(facts["owner"])
            _label(merchant, "Choisissez un mot de passe").fill("boutons-et-rubans-54")
            assert merchant.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            merchant.screenshot(path=str(SCREENSHOTS / "shops-apply-phone.png"), full_page=True)
            merchant.get_by_role("button", name="Envoyer ma candidature").click()

            # then asked to confirm the address; the emailed link signs the merchant in
            expect(merchant.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
            merchant.goto(_in_thread(_confirm_link, facts["owner"]))
            merchant.get_by_label("Le mot de passe choisi").fill("boutons-et-rubans-54")
            merchant.get_by_role("button", name="Ouvrir mon compte").click()

            # and they are told the application is being reviewed
            merchant.wait_for_url(base + "/pro/")
            expect(merchant.locator("#status-title")).to_have_text("Votre candidature est en cours d'examen")
            merchant.screenshot(path=str(SCREENSHOTS / "shops-merchant-pending-phone.png"), full_page=True)

            # when staff sign in, find the application first and approve it
            staff = browser.new_context(
                viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="fr-FR"
            ).new_page()
            staff.set_default_timeout(10_000)
            staff.goto(base + "/compte/connexion/?next=/equipe/")
            staff.locator("#id_username").fill(facts["staff"])
            staff.locator("#id_password").fill(DEFAULT_PASSWORD)
            staff.locator("main form").get_by_role("button").click()
            # the ORM cannot run in Playwright's event loop: the code is read from another thread
            with ThreadPoolExecutor(1) as other_thread:
                code = other_thread.submit(totp_code_for, "nancy", facts["staff"]).result()
            browser_code_give(staff, code)
            staff.wait_for_url(base + "/equipe/")
            expect(staff.locator("#pending-title")).to_contain_text("candidature")
            staff.screenshot(path=str(SCREENSHOTS / "shops-staff-home-phone.png"), full_page=True)
            staff.get_by_role("link", name=re.compile("Examiner Mercerie du Phare")).click()
            staff.screenshot(path=str(SCREENSHOTS / "shops-staff-detail-phone.png"), full_page=True)
            staff.get_by_role("button", name="Valider : mettre la boutique en ligne").click()
            expect(staff.locator(".messages")).to_contain_text("Mercerie du Phare est validée")

            # then the merchant's dashboard says the shop is online
            merchant.reload()
            expect(merchant.locator("#status-title")).to_have_text("Votre boutique est en ligne")
            merchant.screenshot(path=str(SCREENSHOTS / "shops-merchant-home-phone.png"), full_page=True)

            # when the merchant sets Monday's hours in two ranges and copies them to Tuesday
            merchant.goto(base + "/pro/horaires/")
            merchant.locator("#id_d0_0_opens").fill("09:30")
            merchant.locator("#id_d0_0_closes").fill("12:30")
            monday = merchant.locator("fieldset.day").first
            monday.get_by_role("button", name="Ajouter une plage").click()
            merchant.locator("#id_d0_1_opens").fill("14:00")
            merchant.locator("#id_d0_1_closes").fill("19:00")
            merchant.locator("#id_d1_same").check()
            expect(merchant.locator("#id_d1_0_opens")).to_be_hidden()  # a copied day folds its ranges away
            merchant.get_by_role("button", name="Enregistrer les horaires").click()

            # then they are saved and shown again
            expect(merchant.locator(".messages")).to_contain_text("Vos horaires sont enregistrés")
            expect(merchant.locator("#id_d1_1_opens")).to_have_value("14:00")
            expect(merchant.locator("#id_d1_1_opens")).to_be_visible()
            expect(merchant.locator("#id_d2_0_opens")).to_be_visible()
            expect(merchant.locator("#id_d2_1_opens")).to_be_hidden()
            assert merchant.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            merchant.screenshot(path=str(SCREENSHOTS / "shops-hours-phone.png"), full_page=True)
            merchant.goto(base + "/pro/boutique/")
            merchant.screenshot(path=str(SCREENSHOTS / "shops-profile-phone.png"), full_page=True)
            browser.close()
        assert _shop_status(facts["siret"]) == "approved"
    finally:
        _cleanup(facts)
