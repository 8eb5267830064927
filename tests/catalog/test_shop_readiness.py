"""A shop approved but empty (no product, photo or hours) is listed after the others as "coming soon"."""

from datetime import time

from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.selectors import shop_readiness, shop_readiness_annotate
from vitrine.shops.models import OpeningRange, Shop, ShopPhoto
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory
from vitrine.testing.helpers import client_on, host_client


def _give(shop, *, product: bool = True, photo: bool = True, hours: bool = True):
    if product:
        ProductFactory(shop=shop)
    if photo:
        ShopPhoto.objects.create(shop=shop, image="nancy/shops/photos/s.png")
    if hours:
        OpeningRange.objects.create(shop=shop, weekday=2, opens=time(9), closes=time(19))
    return shop


def test_ready_means_a_published_product_a_photo_or_logo_and_hours(nancy):
    with tenant_context(nancy):
        # given shops each lacking one thing, one with a logo instead of a photo, and one with a draft only
        ready = _give(ShopFactory(name="Prête"))
        with_logo = _give(ShopFactory(name="Logo seul", logo="nancy/shops/logos/l.png"), photo=False)
        no_product = _give(ShopFactory(name="Sans produit"), product=False)
        draft_only = _give(ShopFactory(name="Brouillon seul"), product=False)
        ProductFactory(shop=draft_only, status="draft")
        no_photo = _give(ShopFactory(name="Sans photo"), photo=False)
        no_hours = _give(ShopFactory(name="Sans horaires"), hours=False)

        # when the readiness is read
        shops = {s.pk: s for s in shop_readiness_annotate(Shop.objects.all(), checks=True)}

    # then only those with all three are ready, and each check says what is missing
    assert {s.name for s in shops.values() if s.is_ready} == {ready.name, with_logo.name}
    assert [(item.done, item.required) for item in shop_readiness(shops[no_photo.pk])] == [
        (True, True),
        (False, True),
        (True, True),
        (False, False),
    ]
    assert not shops[no_product.pk].ready_products and not shops[draft_only.pk].ready_products
    assert not shops[no_hours.pk].ready_hours


def test_the_shop_list_puts_empty_shops_last_as_coming_soon(nancy):
    with tenant_context(nancy):
        # given a shop just approved with nothing (first in the alphabet) and a ready one
        ShopFactory(name="Aaa Nouvelle Boutique")
        _give(ShopFactory(name="Zinc et Compagnie"))

    # when a shopper lists the shops
    text = host_client("nancy.localhost").get("/boutiques/").text

    # then the ready shop comes first; the empty one after, marked "coming soon"
    assert text.index("Zinc et Compagnie") < text.index("Aaa Nouvelle Boutique")
    assert text.count('class="badge badge-soon">Bientôt</span>') == 1


def test_the_home_page_features_ready_shops_first(nancy, limoges):
    with tenant_context(nancy):
        # given two featured shops: one empty, one ready
        ShopFactory(name="Aaa Vide à la une", is_featured=True)
        _give(ShopFactory(name="Zèbre Prêt à la une", is_featured=True))
    with tenant_context(limoges):
        ShopFactory(name="Limoges vide à la une", is_featured=True)

    # when a shopper opens the home page
    text = host_client("nancy.localhost").get("/").text

    # then the ready one comes first, the other says "coming soon"; Limoges's is not there
    assert text.index("Zèbre Prêt à la une") < text.index("Aaa Vide à la une")
    assert text.count("Bientôt") == 1 and "Limoges vide" not in text


def test_the_approval_page_lists_what_is_missing(nancy):
    with tenant_context(nancy):
        # given an application with hours but no product, photo nor description
        pending = ShopFactory(name="Fromagerie en attente", status="pending")
        OpeningRange.objects.create(shop=pending, weekday=0, opens=time(9), closes=time(12))
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    client = client_on(nancy, staff)

    # when staff open it to decide
    text = client.get(f"/equipe/boutiques/{pending.pk}/").content.decode()

    # then a French checklist says what shoppers will miss, before the decision
    assert "Prête pour les clients ?" in text
    assert text.index("Prête pour les clients ?") < text.index("Valider")
    assert 'Au moins un produit publié <span class="meta">— manquant (obligatoire)' in text
    assert 'Une photo de la boutique ou son logo <span class="meta">— manquant (obligatoire)' in text
    assert 'Horaires d’ouverture <span class="meta">— fait' in text
    assert 'Une description <span class="meta">— manquant (conseillé)' in text
    assert "listée après les autres, marquée « Bientôt »" in text
