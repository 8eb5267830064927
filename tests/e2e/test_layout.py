"""Every theme's header and pages keep their shape, on a phone and a desktop.

The terroir theme once shipped a header taking 330 of a phone's 844 px, with a search box
220 px wide and 256 px tall, through hundreds of passing tests. These checks measure what a
person sees: the header's height, the search box's shape, nothing scrolling sideways.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# nancy wears the metropole theme, limoges the terroir theme (tests/conftest.py)
THEMES = {"nancy": "metropole", "limoges": "terroir"}
PAGES = ["/", "/boutiques/", "/recherche/?q=bague", "/panier/", "/compte/connexion/"]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
# The header may hold the brand, the search and the menu on a few rows, never a third of a phone.
HEADER_MAX = {"phone": 240, "desktop": 180}

MEASURE_JS = """() => {
  const box = (selector) => { const e = document.querySelector(selector); if (!e) return null;
    const r = e.getBoundingClientRect(); return {width: r.width, height: r.height}; };
  return {header: box('.site-header'), search: box('.site-search input'),
          scrollWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("territory", THEMES)
def test_the_header_and_pages_keep_their_shape(browser, base_url, screenshot, territory, viewport):
    size = VIEWPORTS[viewport]
    context = browser.new_context(viewport=size, is_mobile=viewport == "phone", has_touch=viewport == "phone")
    page = context.new_page()
    problems = []
    try:
        for path in PAGES:
            page.goto(base_url(territory, path))
            shape = page.evaluate(MEASURE_JS)
            where = f"{THEMES[territory]} {viewport} {path}"
            if shape["scrollWidth"] > size["width"]:
                problems.append(f"{where}: scrolls sideways ({shape['scrollWidth']} px)")
            if shape["header"]["height"] > HEADER_MAX[viewport]:
                problems.append(f"{where}: header {shape['header']['height']:.0f} px tall")
            search = shape["search"]
            if search and not (search["width"] > 2 * search["height"] and search["height"] <= 64):
                problems.append(f"{where}: search box {search['width']:.0f}×{search['height']:.0f} px")
        page.goto(base_url(territory))
        screenshot(page, f"layout-{THEMES[territory]}-{viewport}-home")
    finally:
        context.close()
    assert problems == []


# --- What a phone shows first: the categories on the home page, the products on a storefront ---

PHONE = VIEWPORTS["phone"]
# At 390×844 the categories once started 2,400 px down (below the featured shops' cards), and a
# storefront's products below its whole week of hours.
CATEGORIES_TOP_MAX = 900
PRODUCTS_TOP_MAX = 2 * PHONE["height"]

TOP_JS = """(selector) => { const e = document.querySelector(selector);
  return e ? e.getBoundingClientRect().top + window.scrollY : null; }"""


def _storefront_make(schema: str, token: str) -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, ShopFactory, shop_open_every_day

    with tenant_context(Territory.objects.get(schema_name=schema)):
        featured = [ShopFactory(name=f"Vitrine en avant {n} {token}", is_featured=True) for n in range(3)]
        shop = shop_open_every_day(
            name=f"Maison des horaires {token}",
            description="<p>Une boutique ouverte tous les jours, midi et soir, toute la semaine.</p>",
        )
        for n in range(4):
            ProductFactory(shop=shop, title=f"Panier garni {n} {token}")
        return {"schema": schema, "slug": shop.slug, "shops": [shop.pk, *(s.pk for s in featured)]}


def _storefront_delete(facts: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name=facts["schema"])):
        Shop.objects.filter(pk__in=facts["shops"]).delete()


@pytest.fixture
def storefronts(orm):
    import secrets

    made = {schema: orm(_storefront_make, schema, secrets.token_hex(3)) for schema in THEMES}
    yield made
    for facts in made.values():
        orm(_storefront_delete, facts)


@pytest.mark.parametrize("territory", THEMES)
def test_on_a_phone_the_categories_and_the_products_come_within_the_first_screens(
    browser, base_url, screenshot, storefronts, territory
):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        # given three featured shops on the home page: the categories still come first
        page.goto(base_url(territory))
        categories = page.evaluate(TOP_JS, "#categories-title")
        featured = page.evaluate(TOP_JS, "#featured-title")
        screenshot(page, f"phone-home-{THEMES[territory]}")

        # and on a storefront open every day, the products start within two screens
        page.goto(base_url(territory, f"/boutiques/{storefronts[territory]['slug']}/"))
        products = page.evaluate(TOP_JS, "#products-title")
        today = page.locator(".hours-today")
        week = page.locator(".hours-week table")
        today_visible, week_visible = today.is_visible(), week.is_visible()
        screenshot(page, f"phone-storefront-{THEMES[territory]}")
        # the week is one tap away
        page.get_by_text("Horaires de la semaine").click()
        week_after_tap = week.is_visible()
    finally:
        context.close()
    assert featured is not None and categories < featured, (categories, featured)
    assert categories <= CATEGORIES_TOP_MAX, f"{THEMES[territory]}: categories at {categories:.0f} px"
    assert products <= PRODUCTS_TOP_MAX, f"{THEMES[territory]}: products at {products:.0f} px"
    assert today_visible and not week_visible and week_after_tap


CHECKBOX_JS = """() => Array.from(document.querySelectorAll('form.filters input[type=checkbox]')).map((e) => {
  const r = e.getBoundingClientRect(); return {width: r.width, height: r.height}; })"""


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("territory", THEMES)
def test_the_shop_list_filters_are_checkbox_sized(browser, base_url, screenshot, territory, viewport):
    size = VIEWPORTS[viewport]
    context = browser.new_context(viewport=size, is_mobile=viewport == "phone", has_touch=viewport == "phone")
    page = context.new_page()
    try:
        page.goto(base_url(territory, "/boutiques/"))
        boxes = page.evaluate(CHECKBOX_JS)
        # the label stays a comfortable target even though the box is small
        label_height = page.locator(".field-check label").first.bounding_box()["height"]
        screenshot(page, f"shop-list-{THEMES[territory]}-{viewport}")
    finally:
        context.close()
    assert len(boxes) == 2
    assert all(box["width"] <= 32 and box["height"] <= 32 for box in boxes), boxes
    assert label_height >= 44
