"""In a real browser, on a phone: the territory team reads its audit trail, one decision per card."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from vitrine.testing.two_factor import browser_code_give, totp_code_for

pytestmark = pytest.mark.browser

PASSWORD = "e2e-staff-pass-1"


def _decision_make(token: str) -> dict:
    # ORM code of a browser test runs in the orm() helper's thread, once Django is set up
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.catalog.models import Category
    from vitrine.shops.moderation import shop_suspend
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import CommuneFactory, ShopFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        staff = User.objects.create_user(email=f"equipe-{token}@example.fr", password=PASSWORD, role="territory_staff")
        commune = CommuneFactory(name=f"Maxéville {token}", postcode="54320")
        shop = ShopFactory(name=f"Droguerie {token}", commune=commune, category=Category.objects.get(slug="decoration"))
        shop_suspend(shop=shop, actor=staff, reason="Photos d’un autre site, signalées par un client.")
        return {
            "email": staff.email,
            "staff": staff.pk,
            "shop": shop.pk,
            "owner": shop.members.get().user_id,
            "commune": commune.pk,
            "name": shop.name,
        }


def _decision_delete(facts: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.audit.models import AuditEvent
    from vitrine.shops.models import Commune, Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        AuditEvent.objects.filter(object_type="shop", object_id=facts["shop"]).delete()
        Shop.objects.filter(pk=facts["shop"]).delete()
        User.objects.filter(pk__in=[facts["staff"], facts["owner"]]).delete()
        Commune.objects.filter(pk=facts["commune"]).delete()


@pytest.fixture
def decision(orm):
    facts = orm(_decision_make, secrets.token_hex(3))
    facts["code"] = lambda: orm(totp_code_for, "nancy", facts["email"])  # the staff member's authenticator app
    facts["code"]()  # made now: signing in asks for a code, not a setup
    yield facts
    orm(_decision_delete, facts)


def test_the_team_reads_its_audit_trail_on_a_phone(phone_page, base_url, screenshot, decision):
    page = phone_page
    # given a staff member signed in on their phone
    page.goto(base_url("nancy", "/compte/connexion/?next=/equipe/journal/"))
    page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.IGNORECASE)).fill(decision["email"])
    page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.IGNORECASE)).fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    browser_code_give(page, decision["code"]())
    page.wait_for_url(base_url("nancy", "/equipe/journal/"))
    # when they filter on shops
    page.get_by_label("Afficher").select_option("shop")
    page.get_by_role("button", name="Filtrer").click()
    # then the decision reads in French, as a card that fits the phone (no sideways scrolling)
    row = page.locator("tbody tr", has_text=decision["name"]).first
    expect(row).to_contain_text("Boutique suspendue")
    expect(row).to_contain_text(decision["email"])
    expect(row).to_contain_text("motif : Photos d’un autre site")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = row.bounding_box()
    assert box is not None and box["width"] <= 390
    screenshot(page, "audit-trail-phone")
