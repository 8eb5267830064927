"""On a phone, the territory team switches lockdown mode on, sees the home page and a storefront change, and switches it off."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from vitrine.testing.two_factor import browser_code_give, totp_code_for

pytestmark = pytest.mark.browser

PASSWORD = "e2e-lockdown-pass-3"
BANNER = "Confinement : vos commerces restent là."


def _team_make(token: str) -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, shop_open_every_day

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        staff = User.objects.create_user(
            email=f"confinement-{token}@example.fr", password=PASSWORD, role="territory_staff"
        )
        shop = shop_open_every_day(name=f"Fromagerie {token}")
        ProductFactory(shop=shop, title=f"Brie de Meaux {token}")
        return {
            "email": staff.email,
            "users": [staff.pk, shop.members.get().user_id],
            "shop": shop.pk,
            "slug": shop.slug,
            "name": shop.name,
            "token": token,
        }


def _team_delete(facts: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.audit.models import AuditEvent
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import AuditEntry, Territory
    from vitrine.tenancy.routing import routing_invalidate

    nancy = Territory.objects.get(schema_name="nancy")
    Territory.objects.filter(pk=nancy.pk).update(lockdown=False)
    AuditEntry.objects.filter(action__startswith="territory.lockdown", territory=nancy).delete()
    routing_invalidate()
    with tenant_context(nancy):
        AuditEvent.objects.filter(verb__startswith="territory.lockdown").delete()
        Shop.objects.filter(pk=facts["shop"]).delete()
        User.objects.filter(pk__in=facts["users"]).delete()


@pytest.fixture
def team(orm):
    facts = orm(_team_make, secrets.token_hex(3))
    facts["code"] = lambda: orm(totp_code_for, "nancy", facts["email"])
    facts["code"]()
    yield facts
    orm(_team_delete, facts)


def _audit_verbs(schema: str) -> list[str]:
    from django_tenants.utils import tenant_context

    from vitrine.audit.models import AuditEvent
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name=schema)):
        return list(
            AuditEvent.objects.filter(verb__startswith="territory.lockdown")
            .order_by("pk")
            .values_list("verb", flat=True)
        )


def test_the_team_switches_lockdown_on_and_off_on_a_phone(phone_page, base_url, screenshot, team, orm):
    page = phone_page
    # given a staff member signed in on their phone
    page.goto(base_url("nancy", "/compte/connexion/?next=/equipe/confinement/"))
    page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.IGNORECASE)).fill(team["email"])
    page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.IGNORECASE)).fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    browser_code_give(page, team["code"]())
    page.wait_for_url(base_url("nancy", "/equipe/confinement/"))
    expect(page.get_by_role("heading", name="Le mode confinement est désactivé")).to_be_visible()

    # when they ask to switch it on, then a confirmation says what changes, and nothing has yet
    page.get_by_role("link", name="Activer le mode confinement…").click()
    expect(page.get_by_role("heading", name="Activer le mode confinement ?")).to_be_visible()
    expect(page.locator(".lockdown-banner")).to_have_count(0)
    screenshot(page, "lockdown-confirm-phone")
    page.get_by_role("button", name="Oui, activer le mode confinement").click()

    # then every page carries the banner, the home page puts Click & Collect first
    expect(page.locator(".messages")).to_contain_text("Le mode confinement est activé")
    expect(page.locator(".lockdown-banner")).to_contain_text(BANNER)
    page.goto(base_url("nancy", "/"))
    expect(page.locator(".lockdown-banner")).to_contain_text(BANNER)
    collect = page.locator(".lockdown-home")
    expect(collect.get_by_role("heading", level=2)).to_have_text(
        "Click & Collect : commandez maintenant, retirez à la porte"
    )
    expect(collect).to_contain_text(team["name"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "lockdown-home-phone")

    # and the storefront shows its pickup hours instead of its opening hours
    page.goto(base_url("nancy", f"/boutiques/{team['slug']}/"))
    info = page.locator(".storefront-info")
    expect(info).to_contain_text("Horaires de retrait Click & Collect")
    expect(info.locator(".pickup-hours li").first).to_contain_text(re.compile(r"\d{1,2}:\d{2}–\d{1,2}:\d{2}"))
    expect(info.locator(".hours-week")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "lockdown-storefront-phone")

    # when they switch it off, then the site is back to normal
    page.goto(base_url("nancy", "/equipe/confinement/"))
    page.get_by_role("link", name="Désactiver le mode confinement…").click()
    page.get_by_role("button", name="Oui, désactiver le mode confinement").click()
    expect(page.locator(".messages")).to_contain_text("Le mode confinement est désactivé")
    expect(page.locator(".lockdown-banner")).to_have_count(0)
    page.goto(base_url("nancy", "/"))
    expect(page.locator(".lockdown-home")).to_have_count(0)
    page.goto(base_url("nancy", f"/boutiques/{team['slug']}/"))
    expect(page.locator(".storefront-info .hours-week")).to_have_count(1)
    screenshot(page, "lockdown-off-storefront-phone")
    assert orm(_audit_verbs, "nancy") == ["territory.lockdown_on", "territory.lockdown_off"]


def _stale_shop_make(token: str) -> dict:
    from datetime import timedelta

    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from vitrine.catalog.models import Product
    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, ShopFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        shop = ShopFactory(name=f"Mercerie {token}")
        product = ProductFactory(shop=shop)
        Product.objects.filter(pk=product.pk).update(updated_at=timezone.now() - timedelta(days=90))
        return {"shop": shop.pk, "owner": shop.members.get().user_id, "name": shop.name}


def _stale_shop_delete(facts: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.audit.models import AuditEvent
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        AuditEvent.objects.filter(verb="shop.nudge", object_id=facts["shop"]).delete()
        Shop.objects.filter(pk=facts["shop"]).delete()
        User.objects.filter(pk=facts["owner"]).delete()


def test_the_team_previews_and_sends_a_nudge_on_a_phone(phone_page, base_url, screenshot, team, orm):
    stale = orm(_stale_shop_make, team["token"])
    try:
        page = phone_page
        page.goto(base_url("nancy", "/compte/connexion/?next=/equipe/relances/"))
        page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.IGNORECASE)).fill(team["email"])
        page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.IGNORECASE)).fill(PASSWORD)
        page.locator("main form").get_by_role("button").click()
        browser_code_give(page, team["code"]())
        page.wait_for_url(base_url("nancy", "/equipe/relances/"))

        # the stale shop is listed and ticked; the preview shows the email for it
        row = page.locator("li", has_text=stale["name"])
        expect(row.get_by_role("checkbox")).to_be_checked()
        row.get_by_role("button", name=f"Aperçu {stale['name']}").click()
        preview = page.locator(".nudge-preview")
        expect(preview).to_contain_text(f"Aperçu pour {stale['name']}")
        expect(preview).to_contain_text(f"{stale['name']} : votre vitrine sur Achetez Grand Nancy")
        expect(preview).to_contain_text("aucun produit de")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "nudge-preview-phone")

        # sending: only the ticked shops (everyone else unticked here), then the shop is under the cap
        for box in page.locator("input[name=shops]:not([disabled])").all():
            if box.get_attribute("value") != str(stale["shop"]):
                box.uncheck()
        page.get_by_role("button", name="Envoyer aux boutiques cochées").click()
        expect(page.locator(".messages")).to_contain_text("1 boutique(s) écrite(s)")
        expect(page.locator("li", has_text=stale["name"]).get_by_role("checkbox")).to_be_disabled()
        screenshot(page, "nudge-sent-phone")
    finally:
        orm(_stale_shop_delete, stale)
