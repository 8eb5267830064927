"""The legal pages in the browser: WCAG 2.1 AA (axe-core) on every theme, phone and desktop,
the footer's links, and the territory admin's editing page; screenshots under var/screenshots/."""

from __future__ import annotations

import pytest

from vitrine.testing.two_factor import browser_code_give, totp_code_for

pytestmark = pytest.mark.browser

WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# nancy wears the metropole theme, limoges the terroir theme (tests/conftest.py)
THEMES = {"nancy": "metropole", "limoges": "terroir"}
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
LEGAL_PATHS = ["/mentions-legales/", "/cgu/", "/confidentialite/", "/accessibilite/"]
ADMIN = "admin-legal-e2e@nancy.example.fr"


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_21_AA)
    return [
        f"{page.url} {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("territory", THEMES)
def test_legal_pages_meet_wcag_and_the_footer_links_them_on_every_theme(
    browser, base_url, screenshot, territory, viewport
):
    size = VIEWPORTS[viewport]
    context = browser.new_context(viewport=size, is_mobile=viewport == "phone", has_touch=viewport == "phone")
    page = context.new_page()
    found: list[str] = []
    try:
        # the footer of the home page leads to each legal page
        page.goto(base_url(territory))
        footer = page.locator("footer .footer-legal")
        assert footer.get_by_role("link").count() == 4
        footer.get_by_role("link", name="Politique de confidentialité").click()
        page.wait_for_load_state()
        assert page.url.endswith("/confidentialite/")
        assert page.get_by_role("heading", level=1).inner_text() == "Politique de confidentialité"
        for path in LEGAL_PATHS:
            page.goto(base_url(territory, path))
            found += _violations(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > size["width"]:
                found.append(f"{path}: scrolls sideways ({scroll} px)")
        for path in ("/accessibilite/", "/confidentialite/"):
            page.goto(base_url(territory, path))
            screenshot(page, f"legal-{THEMES[territory]}-{viewport}-{path.strip('/')}")
        page.goto(base_url(territory))
        path = screenshot(page, f"legal-{THEMES[territory]}-{viewport}-home")
        page.locator("footer").screenshot(path=str(path.with_name(f"legal-{THEMES[territory]}-{viewport}-footer.png")))
    finally:
        context.close()
    assert found == [], "\n".join(found)


def _admin_make() -> str:
    from django_tenants.utils import tenant_context

    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import DEFAULT_PASSWORD, UserFactory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        UserFactory(email=ADMIN, role="territory_admin")
    return DEFAULT_PASSWORD


def _admin_remove() -> None:
    from django_tenants.utils import tenant_context

    from vitrine.accounts.models import User
    from vitrine.audit.models import AuditEvent
    from vitrine.legal.models import LegalPage
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="nancy")):
        LegalPage.objects.all().delete()
        AuditEvent.objects.filter(verb__startswith="legal.").delete()
        User.objects.filter(email=ADMIN).delete()


def test_the_admin_previews_saves_and_resets_a_page_by_keyboard_friendly_forms(phone_page, base_url, orm, screenshot):
    password = orm(_admin_make)
    orm(totp_code_for, "nancy", ADMIN)  # the admin's authenticator app: signing in asks for its code
    page = phone_page
    found: list[str] = []
    try:
        page.goto(base_url("nancy", "/compte/connexion/"))
        page.get_by_label("Adresse électronique").fill(ADMIN)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        browser_code_give(page, orm(totp_code_for, "nancy", ADMIN))  # the team signs in with a code too
        page.wait_for_load_state()
        page.goto(base_url("nancy", "/espace/textes-legaux/"))
        found += _violations(page)
        page.get_by_role("link", name="Mentions légales").first.click()
        page.wait_for_load_state()
        found += _violations(page)
        # preview: shown, nothing saved
        page.get_by_label("Texte", exact=True).fill("## Éditeur\n\nMétropole du Grand Nancy\n\n- 22-24 viaduc Kennedy")
        page.get_by_role("button", name="Aperçu").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Aperçu (pas encore enregistré)").is_visible()
        found += _violations(page)
        screenshot(page, "legal-admin-preview-phone")
        # save, then the public page shows it
        page.get_by_role("button", name="Enregistrer et publier").click()
        page.wait_for_load_state()
        page.goto(base_url("nancy", "/mentions-legales/"))
        assert page.get_by_role("heading", name="Éditeur", level=2).is_visible()
        # reset: the default text is back
        page.goto(base_url("nancy", "/espace/textes-legaux/mentions/"))
        page.get_by_role("button", name="Remettre le texte par défaut").click()
        page.wait_for_load_state()
        page.goto(base_url("nancy", "/mentions-legales/"))
        assert page.get_by_role("heading", name="Éditeur du site", level=2).is_visible()
    finally:
        orm(_admin_remove)
    assert found == [], "\n".join(found)


def _shop_with_conditions_make() -> dict:
    from django_tenants.utils import tenant_context

    from vitrine.tenancy.models import Territory
    from vitrine.testing.factories import ProductFactory, shop_open_every_day

    with tenant_context(Territory.objects.get(schema_name="limoges")):
        shop = shop_open_every_day(name="Porcelaine Legrand")
        shop.sale_conditions = (
            "<p>Échange sous 15 jours avec le ticket.</p><ul><li>Pièces gravées non reprises</li></ul>"
        )
        shop.save(update_fields=["sale_conditions"])
        product = ProductFactory(shop=shop, title="Tasse à café", stock=5)
        return {"shop": shop.pk, "product": product.pk, "path": f"/boutiques/{shop.slug}/{product.slug}/"}


def _shop_with_conditions_remove(world: dict) -> None:
    from django_tenants.utils import tenant_context

    from vitrine.orders.models import CartLine
    from vitrine.shops.models import Shop
    from vitrine.tenancy.models import Territory

    with tenant_context(Territory.objects.get(schema_name="limoges")):
        CartLine.objects.filter(product_id=world["product"]).delete()
        Shop.objects.filter(pk=world["shop"]).delete()


def test_the_checkout_unfolds_a_shops_conditions_of_sale_without_script(phone_page, base_url, orm, screenshot):
    world = orm(_shop_with_conditions_make)
    page = phone_page
    try:
        page.goto(base_url("limoges", world["path"]))
        page.get_by_role("button", name="Ajouter au panier").click()
        page.wait_for_load_state()
        page.goto(base_url("limoges", "/panier/commande/"))
        summary = page.get_by_text("Conditions de vente de Porcelaine Legrand")
        assert not page.get_by_text("Pièces gravées non reprises").is_visible()
        summary.click()
        assert page.get_by_text("Pièces gravées non reprises").is_visible()
        assert _violations(page) == []
        screenshot(page, "legal-checkout-conditions-terroir-phone")
    finally:
        orm(_shop_with_conditions_remove, world)
