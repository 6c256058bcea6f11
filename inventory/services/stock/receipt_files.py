"""Receipt spreadsheets (CSV or XLSX): their rows with the numbers a spreadsheet shows, the columns
named by the header, and each row's cells read as a ``lots.Receipt``.

A header cell names a column by its key ('lot_code') or by 'label (key)', as the exports and the template
write it, so files re-import whatever language they were exported in.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from inventory.models import Lot, Movement
from inventory.services.coldchain import traceability
from inventory.services.stock import exports
from inventory.services.stock import ledger
from inventory.services.stock import lots
from inventory.core.errors import Invalid, Text

#: the certificate columns (docs/coldchain.md, traceability) may be left out of a file of goods that need none
RECEIPT_COLUMNS = ("material", "facility", "lot_code", "quantity", "production_date", "expiry_date",
                   "received_on", "quality_grade", "inspection_result", "note", *traceability.FIELDS)
REQUIRED_COLUMNS = ("material", "facility", "lot_code", "quantity")
DATE_COLUMNS = ("production_date", "expiry_date", "received_on")
TEMPLATE_COLUMNS = (("material", exports.N_("Material code")), ("facility", exports.N_("Facility code")),
                    ("lot_code", exports.N_("Lot code")), ("quantity", exports.N_("Quantity")),
                    ("production_date", exports.N_("Production date")), ("expiry_date", exports.N_("Expiry date")),
                    ("received_on", exports.N_("Received on")), ("quality_grade", exports.N_("Quality grade")),
                    ("inspection_result", exports.N_("Inspection result")), ("note", exports.N_("Note")),
                    *exports.CERTIFICATE_COLUMNS)
#: columns of the lot export that a receipt does not take: read and ignored, so an export re-imports
EXPORT_ONLY_COLUMNS = tuple(key for key, _ in exports.LOT_COLUMNS if key not in RECEIPT_COLUMNS)
TEXT_LIMITS = {"lot_code": Lot.__table__.c.lot_code.type.length,
               "quality_grade": Lot.__table__.c.quality_grade.type.length,
               "inspection_result": Lot.__table__.c.inspection_result.type.length,
               "note": Movement.__table__.c.note.type.length,
               **{name: Lot.__table__.c[name].type.length for name in traceability.TEXT_FIELDS}}
FORMATS = ("csv", "xlsx")


def file_format(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise Invalid.field("file", _l("upload a .csv or .xlsx file"))
    return suffix


def _csv_cells(content: bytes) -> Iterator[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid.field("file", _l("the CSV file is not UTF-8 text")) from None
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise Invalid.field("file", _l("the CSV file cannot be read: %(error)s", error=error)) from None


def _xlsx_cells(content: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl reports a bad file as zip, XML or key errors
        raise Invalid.field("file", _l("the file is not a readable XLSX workbook")) from None
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _is_blank(cells: Any) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def spreadsheet_rows(content: bytes, filename: str) -> Iterator[tuple[int, list[Any]]]:
    """(row number as a spreadsheet shows it, cells) for every non-blank row, the header being row 1."""
    cells = _xlsx_cells(content) if file_format(filename) == "xlsx" else _csv_cells(content)
    for number, row in enumerate(cells, start=1):
        if not _is_blank(row):
            yield number, list(row)


def column_key(cell: Any) -> str:
    """'物资编码 (material)' and 'material' both name the material column: a key in brackets wins."""
    text = _text(cell).replace("（", "(").replace("）", ")")
    if text.endswith(")") and "(" in text:
        text = text[text.rindex("(") + 1:-1]
    return text.strip().lower()


@dataclass(frozen=True)
class RowError:
    """A problem with the spreadsheet row number (1 is the header; None for the whole file)."""

    row: int | None
    field: str
    message: Text

    def as_dict(self) -> dict[str, Any]:
        """The stored form: the message rendered now, in the language the job runs in."""
        return {"row": self.row, "field": self.field, "message": str(self.message)}


def read_header(cells: list[Any], row: int) -> tuple[dict[str, int], list[RowError]]:
    """Receipt column -> cell index, and what is wrong with the header (unknown, repeated or missing)."""
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        key = column_key(cell)
        if not key or key in EXPORT_ONLY_COLUMNS:
            continue
        if key not in RECEIPT_COLUMNS:
            errors.append(RowError(row, _text(cell), _l("unknown column")))
        elif key in columns:
            errors.append(RowError(row, key, _l("the column appears more than once")))
        else:
            columns[key] = index
    errors += [RowError(row, key, _l("missing column")) for key in REQUIRED_COLUMNS if key not in columns]
    return columns, errors


def _text(cell: Any) -> str:
    """The cell as text, without the quote an export puts before text that looks like a formula."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    text = str(cell).strip()
    if text.startswith("'") and text[1:].startswith(exports.FORMULA_STARTS):
        return text[1:]
    return text


def _date(cell: Any) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell)
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise Invalid.field("date", _l("not a date in the form YYYY-MM-DD")) from None


#: how a spreadsheet says whether goods are imported; empty means not imported
YES_WORDS = frozenset({"1", "true", "yes", "y", "是", "进口"})
NO_WORDS = frozenset({"", "0", "false", "no", "n", "否", "国产"})


def _yes_no(cell: Any) -> bool:
    if isinstance(cell, bool):
        return cell
    word = _text(cell).lower()
    if word not in YES_WORDS | NO_WORDS:
        raise Invalid.field("imported", _l("yes or no (是 or 否)"))
    return word in YES_WORDS


def _quantity(cell: Any) -> Decimal:
    text = repr(cell) if isinstance(cell, float) else _text(cell)
    if not text:
        raise Invalid.field("quantity", _l("required"))
    return ledger.quantity(text)


def to_receipt(cells: list[Any], columns: dict[str, int]) -> tuple[lots.Receipt | None, dict[str, Text]]:
    """The row as a receipt, or the message for each cell that cannot be read."""
    raw = {key: cells[index] if index < len(cells) else None for key, index in columns.items()}
    values: dict[str, Any] = {}
    problems: dict[str, Text] = {}
    for key in RECEIPT_COLUMNS:
        try:
            if key == "quantity":
                values[key] = _quantity(raw.get(key))
            elif key == "imported":
                values[key] = _yes_no(raw.get(key))
            elif key in DATE_COLUMNS:
                values[key] = _date(raw.get(key))
            else:
                values[key] = _text(raw.get(key))
                if key in TEXT_LIMITS and len(values[key]) > TEXT_LIMITS[key]:
                    problems[key] = _l("at most %(count)s characters", count=TEXT_LIMITS[key])
        except Invalid as error:
            problems[key] = error.message
    if problems:
        return None, problems
    certificates = traceability.Certificates(**{name: values.pop(name) for name in traceability.FIELDS})
    return lots.Receipt(**values, certificates=certificates), problems


def template() -> exports.Table:
    """An empty receipt file with every column, for the upload page."""
    return exports.Table(exports.N_("Receipts"), TEMPLATE_COLUMNS, [], "receipts-template.csv")
