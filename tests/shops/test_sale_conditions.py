"""A shop's own conditions of sale: written by its owner in the storefront settings, sanitised,
bounded, and shown to shoppers at checkout (tests/orders/test_checkout_conditions.py)."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from vitrine.shops.models import Shop


def _profile(**overrides) -> dict:
    data = {
        "description": "Bijoux faits main.",
        "phone": "03 83 00 00 00",
        "website": "",
        "sales_mode": "click_and_collect",
        "sale_conditions": "",
    }
    data.update(overrides)
    return data


def test_the_owner_writes_conditions_of_sale_sanitised_and_previewed(world):
    # given
    client = world.client(world.owner)
    typed = "Échange sous 15 jours sur présentation du ticket.\n\n- Gravures non reprises\n- Soldes non remboursées"
    # when
    response = client.post("/pro/boutique/", _profile(sale_conditions=typed))
    # then
    assert response.status_code == 302
    with tenant_context(world.territory):
        stored = Shop.objects.get(pk=world.shop.pk).sale_conditions
    assert stored.startswith("<p>Échange sous 15 jours") and "<li>Gravures non reprises</li>" in stored
    page = client.get("/pro/boutique/").text
    assert "Telles que les clients les voient en commandant" in page
    # what they typed comes back as they typed it
    assert "- Gravures non reprises" in page


def test_conditions_of_sale_too_long_are_refused_in_french_and_nothing_changes(world):
    client = world.client(world.owner)
    response = client.post("/pro/boutique/", _profile(sale_conditions="x" * 10_001, description="Nouveau texte"))
    assert response.status_code == 400
    assert "au plus 10000 caractères" in response.text
    with tenant_context(world.territory):
        shop = Shop.objects.get(pk=world.shop.pk)
    assert shop.sale_conditions == "" and "Nouveau texte" not in shop.description


def test_an_employee_cannot_change_the_conditions_of_sale(world):
    response = world.client(world.employee).post("/pro/boutique/", _profile(sale_conditions="Aucun retour."))
    assert response.status_code == 403
    with tenant_context(world.territory):
        assert Shop.objects.get(pk=world.shop.pk).sale_conditions == ""


def test_a_script_in_the_conditions_of_sale_is_removed(world):
    client = world.client(world.owner)
    client.post("/pro/boutique/", _profile(sale_conditions="<p>Retours acceptés.</p><script>alert(1)</script>"))
    with tenant_context(world.territory):
        assert Shop.objects.get(pk=world.shop.pk).sale_conditions == "<p>Retours acceptés.</p>"
