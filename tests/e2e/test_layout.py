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
