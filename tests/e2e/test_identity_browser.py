"""In a real browser: a territory provisioned from the console with its identity, then branded
further with the live preview; its pages show the header colour, the logo, the favicon, the hero
image and the footer text, on a phone and a desktop, in both themes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from vitrine.testing.browser import by_label, console_sign_in, unique_slug
from vitrine.testing.helpers import image_bytes
from vitrine.testing.two_factor import browser_code_give, totp_code_for

pytestmark = pytest.mark.browser

BACKGROUND_JS = "(selector) => getComputedStyle(document.querySelector(selector)).backgroundColor"
HEADER = {"metropole": ("#12324a", "rgb(18, 50, 74)"), "terroir": ("#3d2b1f", "rgb(61, 43, 31)")}


def _file(name: str, width: int, height: int, colour: str) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": image_bytes(width, height, colour=colour)}


def _wcag_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    results = Axe().run(page, options=options)
    return [f"{v['id']}: {v['help']} — {v['nodes'][0]['target']}" for v in results.response["violations"]]


def _background(page, selector: str) -> str:
    return page.evaluate(BACKGROUND_JS, selector)


@pytest.mark.parametrize("theme", ["metropole", "terroir"])
def test_a_territory_provisioned_then_branded_from_the_console_shows_its_identity(
    page, phone_page, base_url, screenshot, operator, territories_to_drop, theme
):
    slug = unique_slug("id")
    name = f"Marché {theme.title()} {slug[-4:]}"
    territories_to_drop.append(slug)
    header_colour, header_rgb = HEADER[theme]

    # given an operator who provisions a territory with a header colour, texts and a logo
    console_sign_in(page, base_url, operator)
    page.goto(base_url("console", "/territoires/nouveau/"))
    expect(page.locator("#identity-preview")).to_be_visible()
    by_label(page, "name").fill(name)
    by_label(page, "slug").fill(slug)
    by_label(page, "theme").select_option(theme)
    by_label(page, "contact_email").fill(f"contact@{slug}.example.fr")
    by_label(page, "admin_email").fill(f"admin@{slug}.example.fr")
    by_label(page, "header_color").fill(header_colour)
    by_label(page, "hero_text").fill("Les commerces du coin, en ligne")
    by_label(page, "footer_text").fill("Une initiative des communes et de leurs commerçants")
    page.locator("#id_logo").set_input_files(_file("logo.png", 256, 256, "#f2c14e"))
    # the preview already shows the header colour and the name, before anything is sent
    expect(page.locator("#identity-preview .ip-name")).to_have_text(name)
    assert _background(page, "#identity-preview .ip-header") == header_rgb
    screenshot(page, f"identity-console-provision-{theme}")
    # (from the keyboard: a click right after a full-page screenshot can land while the page is re-laid out)
    page.locator("main form").get_by_role("button", name=re.compile("Provision|Créer", re.I)).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/creations/\d+/$"))
    page.wait_for_selector('#job-progress[data-status="succeeded"]', timeout=30_000)

    # when the operator opens its identity page and types colours: the preview follows at once
    page.goto(base_url("console", f"/territoires/{slug}/identite/"))
    preview = page.locator("#identity-preview")
    expect(preview).to_be_visible()
    expect(preview.locator(".ip-logo")).to_be_visible()  # the logo stored at provisioning
    by_label(page, "primary_color").fill("#ffff00")
    expect(preview.locator('[data-pair="primary"]')).to_have_class(re.compile("ip-bad"))
    expect(preview.locator('[data-pair="primary"]')).to_contain_text(re.compile(r"1[,.]\d:1"))
    by_label(page, "primary_color").fill("#7a1f3d")
    expect(preview.locator('[data-pair="primary"]')).to_have_class(re.compile("ip-ok"))
    assert _background(page, "#identity-preview .ip-button") == "rgb(122, 31, 61)"
    by_label(page, "hero_text").fill("Tout le territoire, en boutique")
    expect(preview.locator(".ip-hero-text")).to_have_text("Tout le territoire, en boutique")
    page.locator("#id_hero_image").set_input_files(_file("hero.png", 1200, 400, "#8fb9a8"))
    expect(preview.locator(".ip-hero-image")).to_be_visible()
    page.locator("#id_favicon").set_input_files(_file("favicon.png", 64, 64, "#7a1f3d"))
    screenshot(page, f"identity-console-preview-{theme}")
    assert _wcag_violations(page) == []
    page.locator("main form").get_by_role("button", name=re.compile("Save|Enregistrer")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(base_url("console", f"/territoires/{slug}/identite/"))
    expect(page.locator(".messages")).to_contain_text(name)

    # then the territory's home page has the header colour, the logo, the favicon, the hero and the footer
    for tab, label in ((page, "desktop"), (phone_page, "phone")):
        tab.goto(base_url(slug))
        assert _background(tab, ".site-header") == header_rgb
        logo = tab.locator(".site-header img.brand-logo")
        expect(logo).to_be_visible()
        expect(logo).to_have_attribute("alt", name)
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
        expect(tab.locator('head link[rel="icon"]')).to_have_attribute(
            "href", re.compile(rf"/media/{slug}/branding/favicon\.png$")
        )
        hero = tab.locator(".hero-image")
        expect(hero).to_be_visible()
        assert hero.get_attribute("loading") is None and hero.get_attribute("width") == "1200"
        expect(tab.locator(".hero-text")).to_have_text("Tout le territoire, en boutique")
        expect(tab.locator(".site-footer")).to_contain_text("Une initiative des communes et de leurs commerçants")
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(tab, f"identity-home-{theme}-{label}")


ADMIN_PASSWORD = "e2e-admin-pass-1"


def _admin_make(email: str) -> int:
    # ORM code of a browser test runs in the orm() helper's thread, once Django is set up
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        return User.objects.create_user(email=email, password=ADMIN_PASSWORD, role="territory_admin").pk


def _admin_delete(pk: int) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        User.objects.filter(pk=pk).delete()


@pytest.fixture
def nancy_admin(orm):
    email = f"admin-{unique_slug()}@example.fr"
    pk = orm(_admin_make, email)
    orm(totp_code_for, "nancy", email)  # the admin's authenticator app: signing in asks for its code
    yield email
    orm(_admin_delete, pk)


def test_the_team_identity_page_has_a_live_preview_on_a_phone(phone_page, base_url, screenshot, nancy_admin, orm):
    page = phone_page
    # given nancy's admin signed in on a phone
    page.goto(base_url("nancy", "/compte/connexion/?next=/espace/identite/"))
    page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.I)).fill(nancy_admin)
    page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.I)).fill(ADMIN_PASSWORD)
    page.locator("main form").get_by_role("button").click()
    browser_code_give(page, orm(totp_code_for, "nancy", nancy_admin))
    page.wait_for_url(base_url("nancy", "/espace/identite/"))

    # when they pick a header colour and an accent too pale to be seen
    preview = page.locator("#identity-preview")
    expect(preview).to_be_visible()
    by_label(page, "header_color").fill("#1d1d1b")
    by_label(page, "accent_color").fill("#fafafa")

    # then the preview's header takes the colour at once, its text readable; the accent is flagged
    assert _background(page, "#identity-preview .ip-header") == "rgb(29, 29, 27)"
    expect(preview.locator('[data-pair="header"]')).to_have_class(re.compile("ip-ok"))
    expect(preview.locator('[data-pair="accent"]')).to_have_class(re.compile("ip-bad"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "identity-team-page-phone")
    # and the page, preview and colour charts included, meets WCAG 2.1 AA (axe-core)
    assert _wcag_violations(page) == []
    # and the server, which decides, refuses the accent with the same reason (nothing saved)
    page.locator("main form").get_by_role("button", name=re.compile("Save|Enregistrer")).click()
    expect(page.locator("#id_accent_color").locator("xpath=..").get_by_role("alert")).to_contain_text("3:1")
