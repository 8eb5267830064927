"""In a real browser: a sign-in locked after wrong passwords (Limoges, theme terroir, on a phone),
then Limoges' admin unlocks it from the staff area; both pages meet WCAG 2.1 AA."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from vitrine.testing.browser import territory_sign_in
from vitrine.testing.two_factor import browser_code_give, totp_code_for

pytestmark = pytest.mark.browser

PASSWORD = "e2e-lockout-pass-1"
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def _accounts_make(token: str) -> dict:
    # ORM code of a browser test runs in the orm() helper's thread, once Django is set up
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="limoges")):
        shopper = User.objects.create_user(email=f"client-{token}@example.fr", password=PASSWORD)
        admin = User.objects.create_user(email=f"admin-{token}@example.fr", password=PASSWORD, role="territory_admin")
    return {"shopper": shopper.email, "admin": admin.email}


def _accounts_delete(facts: dict) -> None:
    from axes.models import AccessAttempt
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.audit.models import AuditEvent
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="limoges")):
        AccessAttempt.objects.filter(username__in=facts.values()).delete()
        AuditEvent.objects.filter(verb="sign_in.unlock", payload__email=facts["shopper"]).delete()
        User.objects.filter(email__in=facts.values()).delete()


@pytest.fixture
def accounts(orm):
    facts = orm(_accounts_make, secrets.token_hex(3))
    yield facts
    orm(_accounts_delete, facts)


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_21_AA)
    return [f"{page.url} {v['id']}: {v['help']}" for v in results.response["violations"]]


def test_a_locked_sign_in_is_explained_then_unlocked_by_the_territory_admin(
    phone_page, phone_pages, base_url, screenshot, accounts, orm
):
    orm(totp_code_for, "limoges", accounts["admin"])  # the admin's authenticator app (two-factor sign-in)
    page = phone_page
    # given a shopper on their phone who types a wrong password five times
    for _ in range(5):
        page.goto(base_url("limoges", "/compte/connexion/"))
        territory_sign_in(page, accounts["shopper"], "pas-le-bon-mot-de-passe")

    # then the page says, in French and in Limoges' branding, that signing in is paused
    expect(page.get_by_role("heading", level=1)).to_have_text("Trop de tentatives de connexion")
    expect(page.locator("main")).to_contain_text("15 minutes")
    expect(page).to_have_title("Trop de tentatives de connexion · Limoges en boutiques")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "lockout-limoges-phone")
    violations = _violations(page)
    # and the right password is refused too
    page.goto(base_url("limoges", "/compte/connexion/"))
    territory_sign_in(page, accounts["shopper"], PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Trop de tentatives de connexion")

    # when Limoges' admin opens the locked sign-ins on their phone and unlocks it
    admin = phone_pages()
    admin.goto(base_url("limoges", "/compte/connexion/?next=/equipe/connexions/"))
    territory_sign_in(admin, accounts["admin"], PASSWORD)
    browser_code_give(admin, orm(totp_code_for, "limoges", accounts["admin"]))
    admin.wait_for_url(base_url("limoges", "/equipe/connexions/"))
    row = admin.locator("ul.rows li", has_text=accounts["shopper"])
    expect(row).to_contain_text("5 mots de passe erronés depuis 127.0.0.1")
    assert admin.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(admin, "lockouts-staff-limoges-phone")
    violations += _violations(admin)
    row.get_by_role("button", name="Débloquer").click()
    expect(admin.get_by_role("status")).to_contain_text(f"{accounts['shopper']} peut de nouveau se connecter")
    expect(admin.locator("main")).to_contain_text("Aucune connexion n’est bloquée en ce moment.")

    # then the shopper signs in
    page.goto(base_url("limoges", "/compte/connexion/"))
    territory_sign_in(page, accounts["shopper"], PASSWORD)
    page.wait_for_url(base_url("limoges", "/"))
    assert violations == []


def _console_attempts_delete(username: str) -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username=username).delete()


def test_the_console_explains_a_lock_and_lists_it_for_operators(page, phone_pages, base_url, screenshot, operator, orm):
    # given an operator, and someone typing wrong passwords for another console account on a desktop
    target = f"absent-{secrets.token_hex(3)}@vitrine.example.fr"
    try:
        for _ in range(5):
            page.goto(base_url("console", "/connexion/"))
            territory_sign_in(page, target, "pas-le-bon-mot-de-passe")

        # then the console's own page says signing in is paused
        expect(page.get_by_role("heading", level=1)).to_have_text("Trop de tentatives de connexion")
        screenshot(page, "lockout-console-desktop")
        violations = _violations(page)

        # when the operator opens the console's locked sign-ins
        console = phone_pages()
        console.goto(base_url("console", "/connexion/"))
        territory_sign_in(console, operator.email, operator.raw_password)
        browser_code_give(console, operator.totp_code())
        console.goto(base_url("console", "/connexions/"))

        # then the lock is listed with its unlock button
        row = console.locator("ul.cards li", has_text=target)
        expect(row).to_contain_text("5 mots de passe erronés depuis 127.0.0.1")
        expect(row.get_by_role("button", name="Débloquer")).to_be_visible()
        assert console.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(console, "lockouts-console-phone")
        violations += _violations(console)
        assert violations == []
    finally:
        orm(_console_attempts_delete, target)


def test_a_nancy_lock_page_on_a_desktop(page, base_url, screenshot, accounts_nancy):
    # given someone typing wrong passwords for a Nancy account (theme métropole) on a desktop
    for _ in range(5):
        page.goto(base_url("nancy", "/compte/connexion/"))
        territory_sign_in(page, accounts_nancy, "pas-le-bon-mot-de-passe")

    # then Nancy's own page explains the pause
    expect(page).to_have_title("Trop de tentatives de connexion · Achetez Grand Nancy")
    screenshot(page, "lockout-nancy-desktop")
    assert _violations(page) == []


def _nancy_account_make(token: str) -> str:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        return User.objects.create_user(email=f"client-{token}@example.fr", password=PASSWORD).email


def _nancy_account_delete(email: str) -> None:
    from axes.models import AccessAttempt
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        AccessAttempt.objects.filter(username=email).delete()
        User.objects.filter(email=email).delete()


@pytest.fixture
def accounts_nancy(orm):
    email = orm(_nancy_account_make, secrets.token_hex(3))
    yield email
    orm(_nancy_account_delete, email)
