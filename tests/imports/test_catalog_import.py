"""Catalogue import: upload, preview of every row's error, all-or-nothing commit, file formats."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from vitrine.catalog.models import Product, Variant
from vitrine.imports.models import CatalogImport
from vitrine.imports.services import catalog_import_confirm
from vitrine.imports.testing import csv_bytes, xlsx_bytes
from vitrine.testing.factories import ProductFactory

GOOD_ROWS = [
    {
        "reference": "bougie-lin",
        "titre": "Bougie parfumée au lin",
        "categorie": "Décoration",
        "prix": "18,50",
        "tva": "20",
        "statut": "publie",
        "disponibilite": "stock",
        "stock": "12",
        "sku": "BOU-LIN",
    },
    {
        "reference": "tshirt-lin",
        "titre": "T-shirt en lin",
        "categorie": "vetements",
        "prix": "39",
        "tva": "20",
        "statut": "publie",
        "disponibilite": "stock",
        "declinaison": "Taille M",
        "stock_declinaison": "4",
        "sku_declinaison": "TSH-M",
    },
    {"reference": "tshirt-lin", "declinaison": "Taille L", "prix_declinaison": "41,00", "stock_declinaison": "2"},
    {
        "reference": "carnet",
        "titre": "Carnet à spirale",
        "categorie": "papeterie",
        "prix": "6.90",
        "tva": "5,5",
        "statut": "brouillon",
        "disponibilite": "sur_demande",
    },
]


def _upload(client, data: bytes, name: str = "catalogue.csv"):
    return client.post("/pro/import/", {"file": SimpleUploadedFile(name, data)})


def _last_import(territory) -> CatalogImport:
    with tenant_context(territory):
        return CatalogImport.objects.latest("created_at")


def test_a_csv_with_one_bad_row_shows_that_rows_error_and_saves_nothing(nancy, nancy_shop):
    # given a file whose third product row has a price that is not one
    rows = [dict(row) for row in GOOD_ROWS]
    rows[3]["prix"] = "douze"

    # when the merchant sends it
    response = _upload(nancy_shop.client, csv_bytes(rows))

    # then the preview lists that row's error (row 5: the header is row 1), in French, and nothing is saved
    assert response.status_code == 302
    page = nancy_shop.client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 erreur à corriger" in text
    assert "Ligne 5" in text and "<code>prix</code>" in text and "n’est pas un prix" in text
    assert "Rien n’a été enregistré" in text
    assert "Confirmer l’import" not in text
    catalog_import = _last_import(nancy)
    assert catalog_import.status == CatalogImport.Status.INVALID
    assert catalog_import.errors == [{"row": 5, "column": "prix", "message": catalog_import.errors[0]["message"]}]
    with tenant_context(nancy):
        assert not Product.objects.filter(shop=nancy_shop).exists()


def test_the_fixed_file_is_previewed_then_imported_with_its_variants(nancy, nancy_shop):
    # given the corrected file
    response = _upload(nancy_shop.client, csv_bytes(GOOD_ROWS))

    # then the preview sums it up and offers to confirm; still nothing saved
    page = nancy_shop.client.get(response["Location"]).content.decode()
    catalog_import = _last_import(nancy)
    assert catalog_import.status == CatalogImport.Status.VALIDATED
    assert catalog_import.summary == {"rows": 4, "products": 3, "create": 3, "update": 0, "unchanged": 0, "variants": 2}
    assert "Confirmer l’import" in page and "produits à créer" in page
    with tenant_context(nancy):
        assert not Product.objects.filter(shop=nancy_shop).exists()

    # when the merchant confirms
    response = nancy_shop.client.post(f"/pro/import/{catalog_import.pk}/confirmer/")

    # then every product is there, as the file says
    assert response.status_code == 302
    assert "Import terminé" in nancy_shop.client.get(response["Location"]).content.decode()
    with tenant_context(nancy):
        products = {p.slug: p for p in Product.objects.filter(shop=nancy_shop).select_related("category")}
        assert set(products) == {"bougie-lin", "tshirt-lin", "carnet"}
        candle, shirt, notebook = products["bougie-lin"], products["tshirt-lin"], products["carnet"]
        assert (candle.price, candle.stock, candle.sku, candle.category.slug) == (
            Decimal("18.50"),
            12,
            "BOU-LIN",
            "decoration",
        )
        assert candle.status == "published" and candle.published_at is not None
        assert candle.created_by == nancy_shop.owner_user
        assert (notebook.vat_rate, notebook.status, notebook.availability) == (Decimal("5.5"), "draft", "on_request")
        assert notebook.category.slug == "papeterie"
        variants = list(shirt.variants.order_by("position").values_list("name", "price", "stock", "sku"))
        assert variants == [("Taille M", None, 4, "TSH-M"), ("Taille L", Decimal("41.00"), 2, "")]
        assert CatalogImport.objects.get(pk=catalog_import.pk).status == CatalogImport.Status.DONE


def test_the_preview_lists_each_product_with_what_the_import_will_do_to_it(nancy, nancy_shop):
    # given a shop that already sells the candle at another price, and a file with one bad row
    with tenant_context(nancy):
        ProductFactory(shop=nancy_shop, slug="bougie-lin", title="Bougie parfumée au lin", price=Decimal("15.00"))
    rows = [dict(row) for row in GOOD_ROWS]
    rows[3]["prix"] = "douze"

    # when the merchant sends the file
    response = _upload(nancy_shop.client, csv_bytes(rows))
    page = nancy_shop.client.get(response["Location"]).content.decode()

    # then the preview shows each product: its row, name, price, stock, category and fate
    preview = _last_import(nancy).preview
    assert [(p["row"], p["title"], p["status"]) for p in preview["products"]] == [
        (2, "Bougie parfumée au lin", "update"),
        (3, "T-shirt en lin", "create"),
        (5, "Carnet à spirale", "error"),
    ]
    assert preview["more"] == 0
    assert "Ce que vous allez publier" in page
    assert "18,50\xa0€" in page and "Décoration" in page and "2 déclinaisons" in page
    assert "à mettre à jour" in page and "nouveau" in page
    assert '<td data-label="Stock">6</td>' in page  # the t-shirt's stock: its variants' (4 + 2)
    # and the bad row says why, in French, on its own line of the table
    carnet = page[page.index("Carnet à spirale") :]
    assert "erreur" in carnet[:2000] and "n’est pas un prix" in carnet[:2000] and "douze" in carnet[:2000]


def test_the_preview_is_bounded_and_counts_the_rest(nancy, nancy_shop):
    # given a file of 80 products
    rows = [{"reference": f"p-{n}", "titre": f"Produit {n}", "prix": "5", "stock": "1"} for n in range(80)]

    # when it is checked
    response = _upload(nancy_shop.client, csv_bytes(rows))
    page = nancy_shop.client.get(response["Location"]).content.decode()

    # then the first 50 are listed and the other 30 counted
    preview = _last_import(nancy).preview
    assert len(preview["products"]) == 50 and preview["more"] == 30
    assert "Produit 49" in page and "Produit 50" not in page
    assert "Et 30 autres produits dans le fichier." in page


def test_every_rows_errors_are_listed_with_row_and_column(nancy, nancy_shop):
    # given a file with several kinds of mistakes, and a blank line that keeps the spreadsheet's numbering
    rows = [
        {"reference": "a", "titre": "", "prix": "-3", "tva": "19,6", "categorie": "Meubles anciens"},  # row 2
        {},  # row 3, blank: skipped
        {"reference": "b", "titre": "B", "prix": "1", "statut": "en ligne", "disponibilite": "peut-être"},  # row 4
        {"reference": "c", "titre": "C", "prix": "1", "declinaison": "M", "stock_declinaison": "deux"},  # row 5
        {"reference": "c", "titre": "Autre titre", "declinaison": "M"},  # row 6
        {"reference": "d", "titre": "D", "prix": "1", "sku": "X1"},  # row 7
        {"reference": "e", "titre": "E", "prix": "1", "sku": "X1"},  # row 8
    ]

    # when the merchant sends it
    _upload(nancy_shop.client, csv_bytes(rows))

    # then each mistake is reported on its own row and column
    found = {(e["row"], e["column"]) for e in _last_import(nancy).errors}
    assert found == {
        (2, "titre"),
        (2, "prix"),
        (2, "tva"),
        (2, "categorie"),
        (4, "statut"),
        (4, "disponibilite"),
        (5, "stock_declinaison"),
        (6, "titre"),
        (6, "declinaison"),
        (8, "sku"),
    }


def test_a_windows_1252_csv_with_commas_as_excel_saves_it_is_read(nancy, nancy_shop):
    # given a file saved by French Excel: Windows-1252, comma separator, accented text
    rows = [
        {
            "reference": "théière",
            "titre": "Théière émaillée",
            "categorie": "Décoration",
            "prix": "45,00",
            "description": "Fonte émaillée, 1 l",
        }
    ]

    # when the merchant sends it
    _upload(nancy_shop.client, csv_bytes(rows, separator=",", encoding="cp1252"))
    nancy_shop.client.post(f"/pro/import/{_last_import(nancy).pk}/confirmer/")

    # then the accents arrived intact and the price with a comma inside quotes was read
    with tenant_context(nancy):
        product = Product.objects.get(shop=nancy_shop)
    assert (product.slug, product.title, product.price) == ("theiere", "Théière émaillée", Decimal("45.00"))
    assert "Fonte émaillée, 1 l" in product.description


def test_utf8_with_bom_is_read(nancy, nancy_shop):
    _upload(nancy_shop.client, b"\xef\xbb\xbf" + csv_bytes(GOOD_ROWS[:1]))

    assert _last_import(nancy).status == CatalogImport.Status.VALIDATED


def test_a_file_in_another_encoding_or_not_a_table_is_refused_clearly_and_nothing_is_stored(nancy, nancy_shop):
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, format="PNG")
    for data, name in [
        (csv_bytes(GOOD_ROWS, encoding="utf-16"), "catalogue.csv"),  # "Unicode text" from Excel
        (png.getvalue(), "catalogue.csv"),  # a renamed image
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "catalogue.xls"),  # old Excel
        (b"PK\x03\x04 not really a workbook", "catalogue.xlsx"),
    ]:
        # when the merchant sends it
        response = _upload(nancy_shop.client, data, name)

        # then the form says why, in French, and no import exists
        assert response.status_code == 400, name
        text = response.content.decode()
        assert 'role="alert"' in text
        assert any(
            phrase in text
            for phrase in ("Nous ne pouvons pas lire ce fichier", "ancien fichier Excel", "pas un classeur Excel")
        ), text[-2000:]
    with tenant_context(nancy):
        assert not CatalogImport.objects.exists()


def test_missing_and_unknown_columns_are_named(nancy, nancy_shop):
    # given a file without the tva and statut columns, and with a column of its own
    columns = [c for c in GOOD_ROWS[0] if c not in ("tva", "statut")] + ["couleur"]
    data = csv_bytes(GOOD_ROWS[:1], columns=columns)

    # when the merchant sends it
    response = _upload(nancy_shop.client, data)

    # then the message names them
    text = response.content.decode()
    assert response.status_code == 400
    assert "Colonnes manquantes" in text and "tva" in text and "statut" in text
    assert "Colonnes inconnues : couleur" in text


def test_headers_are_matched_without_case_or_accents(nancy, nancy_shop):
    from vitrine.imports.spreadsheets import COLUMNS

    headers = [
        "Référence",
        "Titre",
        "Description",
        "Catégorie",
        "PRIX",
        "TVA",
        "Statut",
        "Disponibilité",
        "Stock",
        "SKU",
        "Déclinaison",
        "Prix déclinaison",
        "Stock déclinaison",
        "SKU déclinaison",
    ]
    data = csv_bytes(GOOD_ROWS[:1]).decode().replace(";".join(COLUMNS), ";".join(headers), 1).encode()

    _upload(nancy_shop.client, data)

    assert _last_import(nancy).status == CatalogImport.Status.VALIDATED


def test_too_many_rows_or_too_large_a_file_is_refused(nancy, nancy_shop):
    rows = [{"titre": f"Produit {n}", "prix": "1"} for n in range(20_001)]

    response = _upload(nancy_shop.client, csv_bytes(rows))

    assert response.status_code == 400 and "plus de 20" in response.content.decode()
    response = _upload(nancy_shop.client, csv_bytes(GOOD_ROWS) + b" " * (10 * 1024 * 1024))
    assert response.status_code == 400 and "trop lourd" in response.content.decode()


def test_an_xlsx_file_is_imported_with_numbers_as_excel_stores_them(nancy, nancy_shop):
    # given an Excel workbook where prices, VAT and stocks are numbers (12.499999999999998 is what arithmetic leaves)
    rows = [
        {
            "reference": "vase",
            "titre": "Vase en grès",
            "categorie": "decoration",
            "prix": 12.499999999999998,
            "tva": 5.5,
            "stock": 3.0,
            "statut": "Publié",
            "disponibilite": "Sur demande",
        },
        {
            "reference": "pull",
            "titre": "Pull",
            "categorie": "Vêtements",
            "prix": 60,
            "tva": 20,
            "declinaison": "S",
            "prix_declinaison": 58.9,
            "stock_declinaison": 1,
        },
        {"reference": "pull", "declinaison": "M", "stock_declinaison": 2},
    ]

    # when the merchant sends it and confirms
    _upload(nancy_shop.client, xlsx_bytes(rows), "catalogue.xlsx")
    catalog_import = _last_import(nancy)
    assert (catalog_import.format, catalog_import.status) == ("xlsx", CatalogImport.Status.VALIDATED), (
        catalog_import.errors
    )
    nancy_shop.client.post(f"/pro/import/{catalog_import.pk}/confirmer/")

    # then the products are there
    with tenant_context(nancy):
        vase = Product.objects.get(shop=nancy_shop, slug="vase")
        sweater = Product.objects.get(shop=nancy_shop, slug="pull")
        assert (vase.price, vase.vat_rate, vase.stock, vase.status, vase.availability) == (
            Decimal("12.50"),
            Decimal("5.5"),
            3,
            "published",
            "on_request",
        )
        assert list(sweater.variants.values_list("name", "price", "stock")) == [
            ("S", Decimal("58.90"), 1),
            ("M", None, 2),
        ]
    assert catalog_import.file.name.startswith("nancy/imports/")


def test_commit_checks_again_and_writes_nothing_when_the_catalogue_changed_since_the_preview(nancy, nancy_shop):
    # given a previewed file whose SKU is taken by another product after the preview
    rows = [dict(GOOD_ROWS[0]), {"reference": "lampe", "titre": "Lampe", "prix": "80", "sku": "LAMPE-1"}]
    _upload(nancy_shop.client, csv_bytes(rows))
    catalog_import = _last_import(nancy)
    assert catalog_import.status == CatalogImport.Status.VALIDATED
    with tenant_context(nancy):
        ProductFactory(shop=nancy_shop, title="Ancienne lampe", sku="LAMPE-1")

    # when the merchant confirms
    with tenant_context(nancy):
        result = catalog_import_confirm(catalog_import=catalog_import, actor=nancy_shop.owner_user)

    # then the import is back to "to correct", with the reason, and not even the good row was saved
    assert result.status == CatalogImport.Status.INVALID
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "sku")]
    with tenant_context(nancy):
        assert list(Product.objects.filter(shop=nancy_shop).values_list("slug", flat=True)) == ["ancienne-lampe"]


def test_confirming_twice_imports_once(nancy, nancy_shop):
    _upload(nancy_shop.client, csv_bytes(GOOD_ROWS))
    pk = _last_import(nancy).pk

    nancy_shop.client.post(f"/pro/import/{pk}/confirmer/")
    response = nancy_shop.client.post(f"/pro/import/{pk}/confirmer/")

    assert response.status_code == 302
    with tenant_context(nancy):
        assert Product.objects.filter(shop=nancy_shop).count() == 3
        assert Variant.objects.filter(product__shop=nancy_shop).count() == 2


def test_an_invalid_import_cannot_be_confirmed(nancy, nancy_shop):
    _upload(nancy_shop.client, csv_bytes([{"titre": "", "prix": "x"}]))
    pk = _last_import(nancy).pk

    response = nancy_shop.client.post(f"/pro/import/{pk}/confirmer/", follow=True)

    assert "ne peut pas être importé" in response.content.decode()
    with tenant_context(nancy):
        assert not Product.objects.filter(shop=nancy_shop).exists()
