"""In a real browser: each territory in its own branding, unknown hosts, the console's
provisioning with live progress, and a suspended territory's "closed for now" page.

Runs against the session's real web server and Celery worker (tests/conftest.py), so
everything a test needs is committed first and removed afterwards.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from vitrine.testing.browser import by_label, unique_slug
from vitrine.testing.helpers import TEST_VAR
from vitrine.testing.two_factor import browser_code_give

pytestmark = pytest.mark.browser

NANCY_NAME = "Achetez Grand Nancy"
LIMOGES_NAME = "Limoges en boutiques"
CLOSED_TITLE = re.compile(r"Fermé pour le moment|Closed for now", re.I)
PRIMARY_COLOR_JS = "getComputedStyle(document.documentElement).getPropertyValue('--color-primary').trim().toLowerCase()"


def _primary_color(page) -> str:
    return page.evaluate(PRIMARY_COLOR_JS)


HEADER_COLOURS_JS = """() => {
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour && colour !== 'transparent' && !colour.endsWith(', 0)')) return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll('.site-header .brand-name, .site-header .site-nav a, .site-header .site-nav button')]
    .filter((element) => element.offsetParent !== null && element.innerText.trim())
    .map((element) => [element.innerText.trim(), getComputedStyle(element).color, background(element)]);
}"""


def _hex(css_colour: str) -> str:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css_colour)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def _unreadable_header_texts(page) -> list[str]:
    """The header's texts whose contrast with their background is under WCAG AA (4.5:1)."""
    from vitrine.theming.services import AA_NORMAL_TEXT, contrast_ratio

    problems = []
    for text, colour, background in page.evaluate(HEADER_COLOURS_JS):
        ratio = contrast_ratio(_hex(colour), _hex(background))
        if ratio < AA_NORMAL_TEXT:
            problems.append(f"{text!r}: {_hex(colour)} on {_hex(background)} = {ratio:.1f}:1")
    return problems


def _sign_in(page, base_url, operator) -> None:
    page.goto(base_url("console", "/connexion/"))
    page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.I)).fill(operator.email)
    page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.I)).fill(operator.raw_password)
    page.locator("main form").get_by_role("button").click()
    browser_code_give(page, operator.totp_code())
    page.wait_for_url(base_url("console", "/"))


def _territory_facts(slug: str) -> tuple | None:
    from vitrine.tenancy.models import Territory

    territory = Territory.objects.filter(schema_name=slug).first()
    return territory and (territory.name, territory.theme, territory.primary_color, territory.status)


def _territory_count() -> int:
    from vitrine.tenancy.models import Territory

    return Territory.objects.count()


def _jobs_for(slug: str) -> list[tuple]:
    from vitrine.tenancy.models import ProvisioningJob

    return list(ProvisioningJob.objects.filter(params__slug=slug).values_list("status", "progress", "step", "error"))


def _wait_until_provisioned(page, orm, slug: str) -> None:
    try:
        page.wait_for_selector('#job-progress[data-status="succeeded"]', timeout=30_000)
    except PlaywrightTimeout:
        worker_log = (TEST_VAR / "celery-worker.log").read_text()[-3000:]
        pytest.fail(
            f"The job page never said the territory was ready. Jobs (status, progress, step, error): "
            f"{orm(_jobs_for, slug)}; page: {page.locator('#job-progress').inner_text()!r}\n"
            f"Celery worker log (end):\n{worker_log}"
        )


def test_each_territory_has_its_own_name_colours_and_theme_in_french(page, phone_page, base_url, screenshot):
    # given the two territories of the session: nancy (metropole, #7a1f3d) and limoges (terroir)

    # when a visitor opens nancy's home page
    response = page.goto(base_url("nancy"))

    # then it is nancy's, in French, in the metropole theme and nancy's own primary colour
    assert response.status == 200
    expect(page.locator("h1")).to_have_text(NANCY_NAME)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)theme-metropole(\s|$)"))
    nancy_primary = _primary_color(page)
    assert nancy_primary == "#7a1f3d"
    screenshot(page, "home-nancy")

    # when the visitor opens limoges' home page
    response = page.goto(base_url("limoges"))

    # then it is limoges', in French, in another theme and another colour
    assert response.status == 200
    expect(page.locator("h1")).to_have_text(LIMOGES_NAME)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)theme-terroir(\s|$)"))
    limoges_primary = _primary_color(page)
    assert re.fullmatch(r"#[0-9a-f]{6}", limoges_primary), limoges_primary
    assert limoges_primary != nancy_primary
    assert NANCY_NAME not in page.content()
    screenshot(page, "home-limoges")

    # and on a phone the page fits the screen (no sideways scrolling)
    phone_page.goto(base_url("nancy"))
    expect(phone_page.locator("h1")).to_have_text(NANCY_NAME)
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone_page, "home-nancy-phone")


def test_an_unknown_host_answers_404_without_any_territory(page, base_url):
    # given a host no territory owns

    # when a visitor opens it
    response = page.goto(base_url("nowhere"))

    # then it is a plain 404 that does not fall back to some territory
    assert response.status == 404
    content = page.content()
    assert NANCY_NAME not in content and LIMOGES_NAME not in content


def test_operator_signs_in_and_provisions_a_territory_with_live_progress(
    page, base_url, screenshot, operator, territories_to_drop, orm
):
    # given a platform operator and a fresh identifier
    slug = unique_slug()
    name = f"Marché E2E {slug[-4:]}"
    territories_to_drop.append(slug)

    # when the operator signs in through the console's form
    _sign_in(page, base_url, operator)

    # then the territory list shows the existing territories
    expect(page.get_by_role("link", name=NANCY_NAME)).to_be_visible()
    expect(page.get_by_role("link", name=LIMOGES_NAME)).to_be_visible()
    screenshot(page, "console-territories")

    # when the operator opens the provisioning form and fills it
    page.get_by_role("link", name=re.compile(r"new territory|nouveau territoire", re.I)).first.click()
    page.wait_for_url(base_url("console", "/territoires/nouveau/"))
    by_label(page, "name").fill(name)
    by_label(page, "slug").fill(slug)
    by_label(page, "kind").select_option("city")
    by_label(page, "theme").select_option("terroir")
    by_label(page, "primary_color").fill("#1d4ed8")
    by_label(page, "contact_email").fill(f"contact@{slug}.example.fr")
    by_label(page, "admin_email").fill(f"admin@{slug}.example.fr")
    page.locator("main form").get_by_role("button").click()

    # then it lands on the job page, which follows the Celery task until the territory is ready
    page.wait_for_url(re.compile(r"/creations/\d+/$"))
    expect(page.locator("h1")).to_contain_text(name)
    _wait_until_provisioned(page, orm, slug)
    screenshot(page, "console-provisioned")
    assert orm(_territory_facts, slug) == (name, "terroir", "#1d4ed8", "active")

    # when the operator follows the link to the new territory
    page.locator("#job-progress").get_by_role("link", name=re.compile(re.escape(name))).click()

    # then its home page is live, with its name, theme and colour
    page.wait_for_url(base_url(slug))
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)theme-terroir(\s|$)"))
    assert _primary_color(page) == "#1d4ed8"


def test_console_refuses_a_primary_colour_too_light_to_read(page, base_url, screenshot, operator, orm):
    # given a signed-in operator on the provisioning form
    slug = unique_slug()
    _sign_in(page, base_url, operator)
    page.goto(base_url("console", "/territoires/nouveau/"))
    before = orm(_territory_count)

    # when they ask for a yellow primary colour on a white theme
    by_label(page, "name").fill("Trop Clair")
    by_label(page, "slug").fill(slug)
    by_label(page, "theme").select_option("metropole")
    by_label(page, "primary_color").fill("#ffff00")
    by_label(page, "contact_email").fill(f"contact@{slug}.example.fr")
    by_label(page, "admin_email").fill(f"admin@{slug}.example.fr")
    page.locator("main form").get_by_role("button").click()

    # then the form comes back with the contrast error next to the colour, and nothing is created
    page.wait_for_load_state()
    assert page.url == base_url("console", "/territoires/nouveau/")
    error = page.locator("#id_primary_color").locator("xpath=..").get_by_role("alert")
    expect(error).to_contain_text("#ffff00")
    expect(error).to_contain_text(re.compile(r"4[.,]5"))
    screenshot(page, "console-colour-refused")
    assert orm(_territory_count) == before
    assert orm(_territory_facts, slug) is None
    assert orm(_jobs_for, slug) == []


def test_a_suspended_territory_answers_503_closed_for_now_in_its_branding(
    page, base_url, screenshot, operator, territories_to_drop, orm
):
    # given an open territory with its own colour
    from vitrine.testing.territories import territory_make

    slug = unique_slug("ferme")
    name = f"Boutiques {slug[-4:]}"
    territories_to_drop.append(slug)
    orm(territory_make, slug, name=name, theme="terroir", primary_color="#8a1c1c")
    response = page.goto(base_url(slug))
    assert response.status == 200

    # when an operator suspends it from its console page
    _sign_in(page, base_url, operator)
    page.goto(base_url("console", f"/territoires/{slug}/"))
    expect(page.locator("h1")).to_contain_text(name)
    page.locator('button[name="status"][value="suspended"]').click()
    page.wait_for_url(base_url("console", f"/territoires/{slug}/"))
    expect(page.locator('button[name="status"][value="active"]')).to_be_visible()

    # then its pages answer 503 "closed for now", still in its own branding
    response = page.goto(base_url(slug))
    assert response.status == 503
    expect(page.locator("h1")).to_have_text(CLOSED_TITLE)
    expect(page.locator(".brand-name")).to_have_text(name)
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)theme-terroir(\s|$)"))
    assert _primary_color(page) == "#8a1c1c"
    screenshot(page, "closed")
    assert orm(_territory_facts, slug) == (name, "terroir", "#8a1c1c", "suspended")


@pytest.mark.parametrize("slug", ["nancy", "limoges"])
def test_the_header_of_each_territory_is_readable(page, base_url, slug):
    # given a territory's home page, in its theme and branding
    page.goto(base_url(slug))

    # when we measure the header's texts against the header's background
    problems = _unreadable_header_texts(page)

    # then each reaches WCAG AA contrast (RGAA): the name, sign-in link and language switch
    assert problems == [], f"Unreadable header on {slug}: {problems}"
