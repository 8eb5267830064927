"""Reading and writing the catalogue spreadsheet (CSV or XLSX), whatever French Excel saved.

Only the table's shape is checked here: encoding, separator, columns, limits.
What the cells mean is the services' business.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _

COLUMNS = (
    "reference",
    "titre",
    "description",
    "categorie",
    "prix",
    "tva",
    "statut",
    "disponibilite",
    "stock",
    "sku",
    "declinaison",
    "prix_declinaison",
    "stock_declinaison",
    "sku_declinaison",
)
# Columns that describe the product; the others describe one of its variants.
PRODUCT_COLUMNS = COLUMNS[:10]
VARIANT_COLUMNS = COLUMNS[10:]
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_EXPANDED_BYTES = 200 * 1024 * 1024  # an XLSX is a zip: its content, unpacked
# A text cell starting with one of these is a formula to a spreadsheet ("=HYPERLINK(...)" in a
# product title would run on the merchant's computer): OWASP's advice is a leading quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# What a damaged or forged workbook makes openpyxl raise: a broken zip or XML (SyntaxError covers
# the XML parsers' errors), a missing part, a cell whose value does not match its type.
XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    AttributeError,
    TypeError,
    ValueError,
    OSError,
    SyntaxError,
)


class TableRejected(ValueError):
    """A file that cannot be read as the catalogue table; the message is for the merchant."""


@dataclass
class Table:
    format: str  # "csv" or "xlsx"
    rows: list[tuple[int, dict[str, str]]]  # (row number as the spreadsheet shows it, cells by column)


def column_normalise(name) -> str:
    """'Prix déclinaison ' -> 'prix_declinaison': headers are matched without case or accents."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    return "_".join(text.lower().replace("-", " ").replace("_", " ").split())


def table_read(data: bytes) -> Table:
    """Read an uploaded catalogue; raise TableRejected with a clear message when it cannot be."""
    if len(data) > MAX_BYTES:
        raise TableRejected(_("The file is too large: at most %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if not data.strip():
        raise TableRejected(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return Table("xlsx", _rows_checked(_xlsx_rows(data)))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableRejected(
            _(
                "This is an old Excel file (.xls). In Excel, choose “Save as” then "
                "“Excel workbook (.xlsx)” or “CSV UTF-8”, and send that file."
            )
        )
    return Table("csv", _rows_checked(_csv_rows(_csv_text(data))))


def _csv_text(data: bytes) -> str:
    unreadable = _(
        "We cannot read this file. Send a CSV file saved by a spreadsheet (Excel: “CSV UTF-8” "
        "or “CSV (separator: semicolon)”) or an Excel .xlsx file."
    )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 0:
        # UTF-16 ("Unicode text" in Excel), an image, a PDF...: none of them is a CSV we can trust.
        raise TableRejected(unreadable)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # what French Excel saves as "CSV (separator: semicolon)"
        except UnicodeDecodeError:
            raise TableRejected(unreadable) from None
    controls = sum(1 for char in text[:20_000] if ord(char) < 32 and char not in "\r\n\t")
    if "\x00" in text or controls > 10:
        raise TableRejected(unreadable)
    return text


def _csv_rows(text: str):
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise TableRejected(
            _("The CSV file is malformed near row %(row)s (a quote is not closed?).") % {"row": reader.line_num}
        ) from exc


def _xlsx_rows(data: bytes):
    # openpyxl is heavy to import (~0.2 s): only files that are workbooks pay for it.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        expanded = 0
    if expanded > MAX_EXPANDED_BYTES:  # a zip bomb dressed as a workbook
        raise TableRejected(_("The file is too large once opened. Split it into several files."))
    unreadable = _(
        "This file is not an Excel workbook we can read (.xlsx). Save it again from your spreadsheet, or as “CSV UTF-8”."
    )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except XLSX_ERRORS as exc:
        raise TableRejected(unreadable) from exc
    try:
        sheet = workbook.worksheets[0]
        # Formulas are read as their last computed value (data_only); rows with gaps keep their numbers.
        # A read-only workbook parses its sheet while rows are read: a broken one fails here too.
        for row in sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 10):
            yield [_xlsx_text(value) for value in row]
    except XLSX_ERRORS as exc:
        raise TableRejected(unreadable) from exc
    finally:
        workbook.close()


def _xlsx_text(value) -> str:
    """A cell as the text a person would type: 12.5 -> '12.5', 3.0 -> '3', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # Excel stores 12.5 as 12.499999999999998 after some arithmetic: keep what it displays.
        return format(Decimal(repr(round(value, 9))).normalize(), "f")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != datetime.min.time() else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _rows_checked(raw_rows) -> list[tuple[int, dict[str, str]]]:
    raw_rows = iter(raw_rows)
    header = next(raw_rows, None)
    if header is None or not any(str(cell).strip() for cell in header):
        raise TableRejected(_("The file is empty: its first row must name the columns of the template."))
    names = [column_normalise(cell) for cell in header]
    while names and not names[-1]:
        names.pop()
    known = set(COLUMNS)
    unknown = [
        str(header[i]).strip() or _("(empty, column %(n)s)") % {"n": i + 1}
        for i, name in enumerate(names)
        if name not in known
    ]
    missing = [name for name in COLUMNS if name not in names]
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        problems.append(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    if duplicated:
        problems.append(_("Columns given twice: %(columns)s.") % {"columns": ", ".join(duplicated)})
    if problems:
        problems.append(_("The first row must name the columns of the template (download it from this page)."))
        raise TableRejected(" ".join(problems))
    positions = {name: index for index, name in enumerate(names)}
    rows: list[tuple[int, dict[str, str]]] = []
    for number, raw in enumerate(raw_rows, start=2):
        cells = {
            name: text_unescape(str(raw[index]).strip() if index < len(raw) and raw[index] is not None else "")
            for name, index in positions.items()
        }
        if not any(cells.values()):
            continue  # blank rows are skipped, the others keep the numbers the spreadsheet shows
        if len(rows) >= MAX_ROWS:
            raise TableRejected(
                _("The file has more than %(max)s rows. Split it into several files.")
                % {"max": f"{MAX_ROWS:,}".replace(",", "\u202f")}
            )
        rows.append((number, cells))
    if not rows:
        raise TableRejected(_("The file has no product rows under its column names."))
    return rows


def text_escape(text: str) -> str:
    """A text cell a spreadsheet will not run: "=1+1" -> "'=1+1" (numbers are never passed here)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def text_unescape(text: str) -> str:
    """What text_escape wrote, read back: "'=1+1" -> "=1+1"; any other text is kept as it is."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


def csv_write(rows: list[list], *, header: Sequence[str] = COLUMNS) -> bytes:
    """The table as French Excel opens it directly: UTF-8 with a BOM, semicolons, decimal commas, text cells
    a spreadsheet would run as formulas quoted (text_escape). `header`: the catalogue's columns unless given
    (the payments' exports use it too)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_french_text(name) for name in header])
    for row in rows:
        writer.writerow([_french_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _french_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return text_escape(str(value))


def xlsx_write(rows: list[list], *, sheet_title: str) -> bytes:
    """The table as an Excel workbook: prices and stocks as numbers, the rest as text."""
    # openpyxl is heavy to import (~0.2 s): only the Excel export pays for it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Catalogue")
    widths = {"reference": 24, "titre": 36, "description": 48, "categorie": 20, "declinaison": 18}
    for index, name in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = widths.get(name, 14)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for name, value in zip(COLUMNS, row):
            cell = WriteOnlyCell(sheet, value=value if value not in (None, "") else None)
            if isinstance(value, Decimal) and name in ("prix", "prix_declinaison"):
                cell.number_format = "0.00"
            elif isinstance(value, str):
                cell.data_type = "s"  # a SKU like 00123 stays text
                if value.startswith(FORMULA_TRIGGERS):
                    # Stored as text already; the quote prefix (hidden by Excel, as when one types
                    # '=...) keeps it text when the merchant edits the cell.
                    cell.quotePrefix = True
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
