"""A table (a header and rows) as the file a spreadsheet opens: CSV for French Excel (the catalogue's own
writer: semicolons, a BOM, decimal commas, formula-like text quoted) or an XLSX workbook."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from vitrine.imports.spreadsheets import FORMULA_TRIGGERS, csv_write


def table_csv(rows: list[list], *, header: Sequence[str]) -> bytes:
    return csv_write(rows, header=[str(name) for name in header])


def table_xlsx(rows: list[list], *, header: Sequence[str], title: str) -> bytes:
    """Numbers as numbers (amounts with two decimals), text as text (formula-like text kept as text)."""
    # openpyxl is heavy to import (~0.2 s): only the Excel export pays for it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31] or "Tableau")
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=str(name))
        cell.font = Font(bold=True)
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=None if value in (None, "") else value)
            if isinstance(value, Decimal):
                cell.number_format = "0.00"
            elif isinstance(value, str):
                cell.data_type = "s"
                if value.startswith(FORMULA_TRIGGERS):
                    cell.quotePrefix = True
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
