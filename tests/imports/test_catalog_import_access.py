"""Who may import: only the shop's own members; never another shop's products, never another territory."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product
from vitrine.imports.models import CatalogImport
from vitrine.imports.services import catalog_import_confirm
from vitrine.imports.testing import csv_bytes
from vitrine.shops.models import ShopMember
from vitrine.shops.permissions import NotShopMember
from vitrine.testing.factories import ProductFactory, ShopFactory, UserFactory
from vitrine.testing.helpers import host_client

PAGES = ["/pro/import/", "/pro/import/modele.csv", "/pro/import/export.csv", "/pro/import/export.xlsx"]


def _upload(client, rows):
    return client.post("/pro/import/", {"file": SimpleUploadedFile("catalogue.csv", csv_bytes(rows))})


def test_a_reference_used_by_another_shop_creates_the_merchants_own_product_and_never_touches_the_other(
    nancy, nancy_shop
):
    # given another shop of the same territory with a product "bougie-lin"
    with tenant_context(nancy):
        other = ShopFactory(category=Category.objects.get(slug="decoration"))
        theirs = ProductFactory(shop=other, title="Bougie lin", price=Decimal("10.00"), sku="THEIRS")

    # when our merchant imports a product with the same reference (and the same SKU: SKUs are per shop)
    _upload(nancy_shop.client, [{"reference": "bougie-lin", "titre": "Ma bougie", "prix": "25", "sku": "THEIRS"}])
    with tenant_context(nancy):
        catalog_import = CatalogImport.objects.get(shop=nancy_shop)
    assert catalog_import.summary["create"] == 1 and catalog_import.summary["update"] == 0
    nancy_shop.client.post(f"/pro/import/{catalog_import.pk}/confirmer/")

    # then our shop has its own product, and the other shop's is untouched
    with tenant_context(nancy):
        mine = Product.objects.get(shop=nancy_shop, slug="bougie-lin")
        assert (mine.title, mine.price) == ("Ma bougie", Decimal("25.00"))
        theirs.refresh_from_db()
        assert (theirs.title, theirs.price, theirs.shop_id) == ("Bougie lin", Decimal("10.00"), other.pk)


def test_another_shops_import_and_its_errors_are_unreachable(nancy, nancy_shop, merchant_client):
    # given an import by another shop of the territory
    with tenant_context(nancy):
        other = ShopFactory(category=Category.objects.get(slug="decoration"))
    other_client = merchant_client(nancy, other.owner_user)
    _upload(other_client, [{"reference": "secret", "titre": "Produit secret", "prix": "5"}])
    with tenant_context(nancy):
        theirs = CatalogImport.objects.get(shop=other)

    # when our merchant tries its pages, or to confirm it
    for url in (
        f"/pro/import/{theirs.pk}/",
        f"/pro/import/{theirs.pk}/progression/",
        f"/pro/import/{theirs.pk}/erreurs.csv",
    ):
        assert nancy_shop.client.get(url).status_code == 404, url
    assert nancy_shop.client.post(f"/pro/import/{theirs.pk}/confirmer/").status_code == 404

    # then nothing was imported, nothing of it shows on our pages, and our export holds only our products
    with tenant_context(nancy):
        assert CatalogImport.objects.get(pk=theirs.pk).status == CatalogImport.Status.VALIDATED
        assert not Product.objects.filter(slug="secret").exists()
        with pytest.raises(NotShopMember):
            catalog_import_confirm(catalog_import=theirs, actor=nancy_shop.owner_user)
        ProductFactory(shop=other, title="Leur produit")
    assert "Produit secret" not in nancy_shop.client.get("/pro/import/").content.decode()
    assert "leur-produit" not in nancy_shop.client.get("/pro/import/export.csv").content.decode()


def test_an_employee_of_the_shop_may_import(nancy, nancy_shop, merchant_client):
    with tenant_context(nancy):
        employee = UserFactory(role=User.Role.MERCHANT)
        ShopMember.objects.create(shop=nancy_shop, user=employee, role=ShopMember.Role.EMPLOYEE)
    client = merchant_client(nancy, employee)

    _upload(client, [{"titre": "Tasse", "prix": "9"}])
    with tenant_context(nancy):
        catalog_import = CatalogImport.objects.get(shop=nancy_shop)
    client.post(f"/pro/import/{catalog_import.pk}/confirmer/")

    with tenant_context(nancy):
        assert Product.objects.get(shop=nancy_shop, slug="tasse").created_by == employee


@pytest.mark.parametrize("role", [User.Role.SHOPPER, User.Role.TERRITORY_STAFF, User.Role.TERRITORY_ADMIN])
def test_people_without_a_shop_are_refused(nancy, role, merchant_client):
    with tenant_context(nancy):
        client = merchant_client(nancy, UserFactory(role=role))

    for url in PAGES:
        assert client.get(url).status_code == 403, url
    assert _upload(client, [{"titre": "Tasse", "prix": "9"}]).status_code == 403


def test_a_visitor_is_sent_to_sign_in(nancy):
    client = host_client("nancy.localhost")

    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "next=" in response["Location"], url


def test_an_import_made_in_nancy_is_invisible_and_unreachable_from_limoges(nancy, limoges, nancy_shop, merchant_client):
    # given an import by a nancy merchant
    _upload(nancy_shop.client, [{"reference": "mirabelle", "titre": "Mirabelles", "prix": "4"}])
    with tenant_context(nancy):
        nancy_import = CatalogImport.objects.get(shop=nancy_shop)

    # cross-territory: a limoges merchant (its own shop, maybe with the same ids) sees nothing of it
    with tenant_context(limoges):
        limoges_shop = ShopFactory(category=Category.objects.get(slug="decoration"))
        assert not CatalogImport.objects.filter(pk=nancy_import.pk).exists()
    limoges_client = merchant_client(limoges, limoges_shop.owner_user)
    assert limoges_client.get(f"/pro/import/{nancy_import.pk}/").status_code == 404
    assert limoges_client.post(f"/pro/import/{nancy_import.pk}/confirmer/").status_code == 404
    assert "Mirabelles" not in limoges_client.get("/pro/import/").content.decode()

    # and the nancy session is worthless on limoges' host
    stolen = host_client("limoges.localhost")
    stolen.cookies = copy.deepcopy(nancy_shop.client.cookies)
    assert stolen.get("/pro/import/").status_code == 302
    assert stolen.post(f"/pro/import/{nancy_import.pk}/confirmer/").status_code in (302, 403)

    # when the nancy merchant confirms, the product exists in nancy only
    nancy_shop.client.post(f"/pro/import/{nancy_import.pk}/confirmer/")
    with tenant_context(nancy):
        assert Product.objects.filter(slug="mirabelle").exists()
    with tenant_context(limoges):
        assert not Product.objects.filter(slug="mirabelle").exists()
    assert nancy_import.file.name.startswith("nancy/")


def test_the_progress_fragment_asks_htmx_to_reload_once_finished(nancy, nancy_shop):
    _upload(nancy_shop.client, [{"titre": "Tasse", "prix": "9"}])
    with tenant_context(nancy):
        pk = CatalogImport.objects.get(shop=nancy_shop).pk

    response = nancy_shop.client.get(f"/pro/import/{pk}/progression/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert 'data-status="validated"' in response.content.decode()
