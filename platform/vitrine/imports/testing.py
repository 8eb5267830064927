"""Catalogue files as merchants' spreadsheets save them, for tests and benchmarks."""

from __future__ import annotations

import io

from vitrine.imports.spreadsheets import COLUMNS


def csv_bytes(rows: list[dict], *, separator: str = ";", encoding: str = "utf-8", columns=COLUMNS) -> bytes:
    """A CSV file with the template's columns; each row names only the cells it fills."""
    lines = [separator.join(columns)]
    for row in rows:
        lines.append(separator.join(_quoted(str(row.get(column, "")), separator) for column in columns))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _quoted(value: str, separator: str) -> str:
    if separator in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def xlsx_bytes(rows: list[dict], *, columns=COLUMNS) -> bytes:
    """An Excel workbook with the template's columns; numbers stay numbers."""
    # openpyxl is heavy to import: only the tests that build a workbook pay for it.
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def catalogue_rows(count: int, *, prefix: str = "produit", variants_every: int = 5) -> list[dict]:
    """`count` rows of a realistic catalogue: mostly simple products, some with two variants."""
    rows: list[dict] = []
    n = 0
    while len(rows) < count:
        reference = f"{prefix}-{n:05d}"
        base = {
            "reference": reference,
            "titre": f"Produit {n}",
            "description": "<p>Fait main à Nancy.</p>",
            "categorie": "decoration",
            "prix": f"{10 + n % 90},{n % 100:02d}",
            "tva": "20",
            "statut": "publie",
            "disponibilite": "stock",
            "stock": str(n % 30),
            "sku": f"SKU-{prefix}-{n:05d}",
        }
        if variants_every and n % variants_every == 0 and count - len(rows) >= 2:
            rows.append({**base, "declinaison": "Taille S", "stock_declinaison": "2"})
            rows.append(
                {
                    "reference": reference,
                    "declinaison": "Taille M",
                    "prix_declinaison": "12,00",
                    "stock_declinaison": "3",
                }
            )
        else:
            rows.append(base)
        n += 1
    return rows
