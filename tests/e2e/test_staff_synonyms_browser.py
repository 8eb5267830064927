"""On a phone, the territory team adds a search synonym and reads what an application lacks."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from vitrine.testing.two_factor import browser_code_give, totp_code_for

pytestmark = pytest.mark.browser

PASSWORD = "e2e-staff-pass-2"


def _team_make(token: str) -> dict:
    # ORM code of a browser test runs in the orm() helper's thread, once Django is set up
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, ShopFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        staff = User.objects.create_user(email=f"equipe-{token}@example.fr", password=PASSWORD, role="territory_staff")
        pending = ShopFactory(name=f"Cycles {token}", status="pending")
        shop = ShopFactory(name=f"Vélociste {token}")
        ProductFactory(shop=shop, title=f"Bicyclette {token}")
        return {
            "email": staff.email,
            "users": [staff.pk, pending.members.get().user_id, shop.members.get().user_id],
            "shops": [pending.pk, shop.pk],
            "token": token,
        }


def _team_delete(facts: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.audit.models import AuditEvent
    from vitrine.search.models import Synonym
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        AuditEvent.objects.filter(object_type="synonym").delete()
        Synonym.objects.filter(key=f"velo{facts['token']}").delete()
        Shop.objects.filter(pk__in=facts["shops"]).delete()
        User.objects.filter(pk__in=facts["users"]).delete()


@pytest.fixture
def team(orm):
    facts = orm(_team_make, secrets.token_hex(3))
    facts["code"] = lambda: orm(totp_code_for, "nancy", facts["email"])  # the staff member's authenticator app
    facts["code"]()  # made now: signing in asks for a code, not a setup
    yield facts
    orm(_team_delete, facts)


def test_the_team_adds_a_synonym_and_reads_an_applications_checklist_on_a_phone(phone_page, base_url, screenshot, team):
    page = phone_page
    token = team["token"]
    # given a staff member signed in on their phone
    page.goto(base_url("nancy", "/compte/connexion/?next=/equipe/synonymes/"))
    page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.IGNORECASE)).fill(team["email"])
    page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.IGNORECASE)).fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    browser_code_give(page, team["code"]())
    page.wait_for_url(base_url("nancy", "/equipe/synonymes/"))

    # when they add "vélo<token>" → "bicyclette<token>" with the labelled fields
    page.get_by_label("Mot tapé par les clients").fill(f"vélo{token}")
    page.get_by_label("Trouve aussi").fill(f"bicyclette {token}")
    page.get_by_role("button", name="Ajouter", exact=True).click()

    # then it is listed, the page fits the phone, and shoppers find the bicycle with the word
    expect(page.locator(".messages, [role=status], main").first).to_contain_text("trouve maintenant aussi")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "staff-synonyms-phone")
    page.goto(base_url("nancy", f"/recherche/?q=velo{token}"))
    expect(page.locator(".product-card-title")).to_have_text([f"Bicyclette {token}"])

    # when they open the pending application, then the checklist says what shoppers would miss
    page.goto(base_url("nancy", f"/equipe/boutiques/{team['shops'][0]}/"))
    checklist = page.locator(".checklist")
    expect(checklist).to_contain_text("Au moins un produit publié — manquant (obligatoire)")
    expect(checklist).to_contain_text("Horaires d’ouverture — manquant (obligatoire)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "staff-approval-checklist-phone")
