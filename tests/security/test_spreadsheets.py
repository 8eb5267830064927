"""Formula injection: a catalogue exported to a spreadsheet never runs what a cell holds (issue #10, item 7)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Category, Product
from vitrine.imports.models import CatalogImport
from vitrine.testing.factories import ProductFactory, VariantFactory

DANGEROUS = {
    "formule": '=HYPERLINK("http://pirate.example";"Cliquez")',
    "plus": "+33 6 12 34 56 78",
    "moins": "-20 % sur tout",
    "arobase": "@SUM(A1:A9)",
}


@pytest.fixture
def risky_shop(nancy, nancy_shop):
    """Titles a spreadsheet would take for formulas, beside ordinary numbers (prices, VAT, stock)."""
    with tenant_context(nancy):
        category = Category.objects.get(slug="decoration")
        for slug, title in DANGEROUS.items():
            ProductFactory(
                shop=nancy_shop, slug=slug, title=title, price=Decimal("12.50"), category=category, stock=3, sku=title
            )
        product = Product.objects.get(shop=nancy_shop, slug="moins")
        VariantFactory(product=product, name="-Grande taille", price=Decimal("14.00"), stock=2, sku="-V1")
    return nancy_shop


def _catalogue(shop) -> list[tuple]:
    return [
        (
            p.slug,
            p.title,
            p.price,
            p.vat_rate,
            p.stock,
            p.sku,
            [(v.name, v.price, v.stock, v.sku) for v in p.variants.all()],
        )
        for p in Product.objects.filter(shop=shop).order_by("slug").prefetch_related("variants")
    ]


def test_the_csv_export_quotes_text_cells_that_start_like_a_formula(nancy, risky_shop):
    # when the catalogue is exported as CSV
    text = risky_shop.client.get("/pro/import/export.csv").content.decode("utf-8-sig")

    # then every such text cell starts with a single quote, and numbers stay numbers
    rows = {line.split(";")[0]: line.split(";") for line in text.splitlines()[1:]}
    assert rows["formule"][1].startswith("\"'=HYPERLINK(")  # the csv module quotes it (it holds quotes)
    assert rows["plus"][1] == "'+33 6 12 34 56 78"
    assert rows["arobase"][1] == "'@SUM(A1:A9)" and rows["arobase"][9] == "'@SUM(A1:A9)"
    assert rows["moins"][10] == "'-Grande taille" and rows["moins"][13] == "'-V1"
    assert rows["moins"][4] == "12,50" and rows["moins"][8] == "3" and rows["moins"][11] == "14,00"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows.values() for cell in row)


def test_the_xlsx_export_keeps_such_cells_as_quoted_text(nancy, risky_shop):
    from openpyxl import load_workbook

    # when the catalogue is exported as an Excel workbook
    content = risky_shop.client.get("/pro/import/export.xlsx").content

    # then such a cell is text with Excel's quote prefix (no formula), shown as typed; prices are numbers
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    formula = cells["formule"][1]
    assert formula.data_type == "s" and formula.value == DANGEROUS["formule"] and formula.quotePrefix
    assert cells["plus"][1].quotePrefix and cells["moins"][10].quotePrefix
    assert cells["moins"][4].data_type == "n" and cells["moins"][4].value == 12.5
    assert not cells["formule"][4].quotePrefix


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_importing_the_escaped_export_gives_back_the_same_catalogue(nancy, risky_shop, extension):
    # given the exported catalogue
    with tenant_context(nancy):
        before = _catalogue(risky_shop)
    exported = risky_shop.client.get(f"/pro/import/export.{extension}").content

    # when it is sent back as it is
    response = risky_shop.client.post("/pro/import/", {"file": SimpleUploadedFile(f"export.{extension}", exported)})
    assert response.status_code == 302
    with tenant_context(nancy):
        catalog_import = CatalogImport.objects.latest("created_at")

    # then nothing would change: the quotes are read back off, titles and numbers are as they were
    assert catalog_import.status == CatalogImport.Status.VALIDATED, catalog_import.errors
    assert catalog_import.summary["unchanged"] == len(DANGEROUS), catalog_import.summary
    risky_shop.client.post(f"/pro/import/{catalog_import.pk}/confirmer/")
    with tenant_context(nancy):
        assert _catalogue(risky_shop) == before
