"""At checkout, each shop's conditions of sale (folded, no script) and the acceptance of the terms."""

from __future__ import annotations

import re

from django_tenants.utils import tenant_context
from orders_helpers import client_on, shop_open_every_day

from vitrine.testing.factories import ProductFactory


def _conditions(page: str, shop_name: str) -> str:
    match = re.search(
        r'<details class="checkout-conditions">\s*<summary>Conditions de vente de '
        + re.escape(shop_name)
        + r"</summary>(.*?)</details>",
        page,
        flags=re.DOTALL,
    )
    assert match, shop_name
    return match.group(1)


def test_checkout_shows_each_shops_conditions_of_sale_or_the_default_sentence(nancy):
    # given: one shop wrote its conditions, the other did not
    with tenant_context(nancy):
        bijoux = shop_open_every_day(name="Bijouterie Stanislas")
        bijoux.sale_conditions = "<p>Gravures ni reprises ni échangées.</p>"
        bijoux.save(update_fields=["sale_conditions"])
        deco = shop_open_every_day(name="Déco Saint-Epvre")
        ring = ProductFactory(shop=bijoux, title="Bague argent", stock=2)
        vase = ProductFactory(shop=deco, title="Vase en verre", stock=2)
    client = client_on(nancy)
    client.post(f"/panier/ajouter/{ring.pk}/", {"quantity": "1"})
    client.post(f"/panier/ajouter/{vase.pk}/", {"quantity": "1"})
    # when
    page = client.get("/panier/commande/").content.decode()
    # then
    assert "Gravures ni reprises ni échangées." in _conditions(page, "Bijouterie Stanislas")
    default = _conditions(page, "Déco Saint-Epvre")
    assert "n’a pas publié de conditions de vente particulières" in default and 'href="/cgu/"' in default
    assert "En passant commande, vous acceptez les" in page
    # and the guest's details come with the privacy link
    details = page[page.index('class="checkout-contact"') :]
    assert 'class="privacy-notice"' in details and 'href="/confidentialite/"' in details


def test_a_shops_conditions_of_sale_stay_in_its_own_territory(nancy, limoges):
    # given: a Nancy shop's conditions
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Bijouterie Stanislas")
        shop.sale_conditions = "<p>Conditions propres à Nancy.</p>"
        shop.save(update_fields=["sale_conditions"])
    with tenant_context(limoges):
        other = shop_open_every_day(name="Porcelaine de Limoges")
        product = ProductFactory(shop=other, title="Tasse", stock=2)
    client = client_on(limoges)
    client.post(f"/panier/ajouter/{product.pk}/", {"quantity": "1"})
    # when
    page = client.get("/panier/commande/").content.decode()
    # then
    assert "Conditions propres à Nancy" not in page
    assert "n’a pas publié de conditions de vente particulières" in _conditions(page, "Porcelaine de Limoges")
