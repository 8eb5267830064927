"""Export and template: the same format as the import, so export -> edit -> import round-trips."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, Product, Variant
from vitrine.imports.models import CatalogImport
from vitrine.imports.spreadsheets import COLUMNS
from vitrine.testing.factories import ProductFactory, VariantFactory


def _catalogue(shop) -> list[tuple]:
    """Everything the file describes, to compare before and after."""
    products = Product.objects.filter(shop=shop).order_by("slug")
    return [
        (
            p.slug,
            p.title,
            p.description,
            p.category_id,
            p.price,
            p.vat_rate,
            p.status,
            p.availability,
            p.stock,
            p.sku,
            p.updated_at,
            [(v.pk, v.name, v.price, v.stock, v.sku) for v in p.variants.order_by("position", "id")],
        )
        for p in products
    ]


@pytest.fixture
def stocked_shop(nancy, nancy_shop):
    """nancy_shop with a varied catalogue: variants, a draft, a reduced VAT rate, HTML and ; in descriptions."""
    with tenant_context(nancy):
        jewellery = Category.objects.get(slug="bijoux")
        ring = ProductFactory(
            shop=nancy_shop,
            title="Bague « Stanislas »",
            price=Decimal("129.00"),
            category=jewellery,
            sku="BG-1",
            description="<p>Argent ; fait main</p>",
        )
        VariantFactory(product=ring, name="Taille 52", price=Decimal("135.50"), stock=1, sku="BG-1-52", position=1)
        VariantFactory(product=ring, name="Taille 54", price=None, stock=0, position=2)
        ProductFactory(
            shop=nancy_shop,
            title="Confiture de mirabelles",
            price=Decimal("6.90"),
            vat_rate=Decimal("5.5"),
            availability="on_request",
            stock=0,
            status="draft",
        )
        ProductFactory(shop=nancy_shop, title="Carte postale", price=Decimal("1.50"), stock=200)
    return nancy_shop


def _send_back(client, data: bytes, name: str) -> None:
    response = client.post("/pro/import/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[-3000:]


def _latest(nancy) -> CatalogImport:
    with tenant_context(nancy):
        return CatalogImport.objects.latest("created_at")


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_exporting_then_importing_unchanged_changes_nothing(nancy, stocked_shop, extension):
    # given the shop's catalogue, exported
    with tenant_context(nancy):
        before = _catalogue(stocked_shop)
    response = stocked_shop.client.get(f"/pro/import/export.{extension}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]

    # when the merchant sends the file back as it is
    _send_back(stocked_shop.client, response.content, f"export.{extension}")
    catalog_import = _latest(nancy)

    # then the preview says every product is unchanged, and confirming changes nothing at all
    assert catalog_import.status == CatalogImport.Status.VALIDATED, catalog_import.errors
    assert catalog_import.summary["create"] == 0 and catalog_import.summary["update"] == 0
    assert catalog_import.summary["unchanged"] == 3
    stocked_shop.client.post(f"/pro/import/{catalog_import.pk}/confirmer/")
    with tenant_context(nancy):
        assert _catalogue(stocked_shop) == before
        assert CatalogImport.objects.get(pk=catalog_import.pk).status == CatalogImport.Status.DONE


def test_editing_one_price_in_the_export_changes_exactly_that_price(nancy, stocked_shop):
    # given the exported CSV, with one price edited as in a spreadsheet
    exported = stocked_shop.client.get("/pro/import/export.csv").content.decode("utf-8-sig")
    assert exported.splitlines()[0] == ";".join(COLUMNS)
    lines = exported.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("carte-postale;"))
    cells = lines[index].split(";")
    assert cells[4] == "1,50"
    cells[4] = "1,80"
    lines[index] = ";".join(cells)
    with tenant_context(nancy):
        before = {row[0]: row for row in _catalogue(stocked_shop)}

    # when it is imported
    _send_back(stocked_shop.client, ("\r\n".join(lines) + "\r\n").encode("utf-8"), "export.csv")
    catalog_import = _latest(nancy)
    assert catalog_import.summary["update"] == 1 and catalog_import.summary["unchanged"] == 2
    stocked_shop.client.post(f"/pro/import/{catalog_import.pk}/confirmer/")

    # then that price changed, and nothing else did
    with tenant_context(nancy):
        after = {row[0]: row for row in _catalogue(stocked_shop)}
    assert after["carte-postale"][4] == Decimal("1.80")
    assert after["carte-postale"][:4] == before["carte-postale"][:4]
    assert after["carte-postale"][5:10] == before["carte-postale"][5:10]
    assert {slug: row for slug, row in after.items() if slug != "carte-postale"} == {
        slug: row for slug, row in before.items() if slug != "carte-postale"
    }


def test_the_export_lists_one_row_per_variant_with_french_numbers(nancy, stocked_shop):
    exported = stocked_shop.client.get("/pro/import/export.csv")

    assert exported["Content-Type"].startswith("text/csv")
    text = exported.content.decode("utf-8")
    assert text.startswith("\ufeff")  # French Excel opens UTF-8 right only with a BOM
    lines = text.lstrip("\ufeff").splitlines()
    ring_rows = [line for line in lines if line.startswith("bague-stanislas;")]
    assert len(ring_rows) == 2
    assert ";Taille 52;135,50;1;BG-1-52" in ring_rows[0] and ring_rows[1].endswith(";Taille 54;;0;")
    assert any(
        line.startswith("confiture-de-mirabelles;") and ";6,90;5,5;brouillon;sur_demande;" in line for line in lines
    )


def test_removing_a_variant_row_removes_that_variant_only(nancy, stocked_shop):
    exported = stocked_shop.client.get("/pro/import/export.csv").content.decode("utf-8-sig")
    lines = [line for line in exported.splitlines() if ";Taille 54;" not in line]

    _send_back(stocked_shop.client, "\r\n".join(lines).encode(), "export.csv")
    stocked_shop.client.post(f"/pro/import/{_latest(nancy).pk}/confirmer/")

    with tenant_context(nancy):
        assert list(Variant.objects.filter(product__shop=stocked_shop).values_list("name", flat=True)) == ["Taille 52"]


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_template_has_the_columns_and_two_example_rows_that_import_as_they_are(nancy, nancy_shop, extension):
    # given the template downloaded from the import page
    response = nancy_shop.client.get(f"/pro/import/modele.{extension}")
    assert response.status_code == 200
    if extension == "xlsx":
        from openpyxl import load_workbook

        rows = list(
            load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0].iter_rows(values_only=True)
        )
        assert list(rows[0]) == list(COLUMNS) and len(rows) == 3
    else:
        lines = response.content.decode("utf-8-sig").splitlines()
        assert lines[0] == ";".join(COLUMNS) and len(lines) == 3

    # when it is sent back untouched
    _send_back(nancy_shop.client, response.content, f"modele.{extension}")

    # then its examples are valid: two products to create
    catalog_import = _latest(nancy)
    assert catalog_import.status == CatalogImport.Status.VALIDATED, catalog_import.errors
    assert catalog_import.summary["create"] == 2


def test_the_template_examples_are_plain_text_without_html_tags(nancy, nancy_shop):
    # given the CSV template a merchant opens in a spreadsheet
    response = nancy_shop.client.get("/pro/import/modele.csv")

    # then its example descriptions read as text: no "<p>" for the merchant to copy
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    descriptions = [row[rows[0].index("description")] for row in rows[1:]]
    assert descriptions and all(description and "<" not in description for description in descriptions)


def test_the_import_page_offers_the_template_the_export_and_the_categories(nancy, nancy_shop):
    page = nancy_shop.client.get("/pro/import/")

    text = page.content.decode()
    assert page.status_code == 200
    assert 'lang="fr"' in text and "Importer ou exporter votre catalogue" in text
    for url in (
        "/pro/import/modele.csv",
        "/pro/import/modele.xlsx",
        "/pro/import/export.csv",
        "/pro/import/export.xlsx",
    ):
        assert f'href="{url}"' in text
    assert '<label for="id_file">' in text and "<code>epicerie-fine</code>" in text


def test_editing_a_variant_price_in_the_export_changes_that_variant_only(nancy, stocked_shop):
    exported = stocked_shop.client.get("/pro/import/export.csv").content.decode("utf-8-sig")
    edited = exported.replace(";Taille 52;135,50;", ";Taille 52;140,00;", 1)
    with tenant_context(nancy):
        before = list(
            Variant.objects.filter(product__shop=stocked_shop)
            .order_by("pk")
            .values_list("pk", "name", "price", "stock")
        )

    _send_back(stocked_shop.client, edited.encode(), "export.csv")
    assert _latest(nancy).summary["update"] == 1
    stocked_shop.client.post(f"/pro/import/{_latest(nancy).pk}/confirmer/")

    with tenant_context(nancy):
        after = list(
            Variant.objects.filter(product__shop=stocked_shop)
            .order_by("pk")
            .values_list("pk", "name", "price", "stock")
        )
    assert after == [
        (pk, name, Decimal("140.00") if name == "Taille 52" else price, stock) for pk, name, price, stock in before
    ]
