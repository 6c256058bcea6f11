"""Lot lists and the stock summary as CSV or XLSX files that stay small in memory, however many lots.

CSV is produced a few hundred rows at a time for streaming; XLSX goes through openpyxl's write-only mode
into a temporary file. Headers read 'label (key)': the label in the reader's language, the key so the
importer recognises the column whatever the language (a lot export re-imports as receipts).
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import select
from sqlmodel import Session

from inventory import scope
from inventory.models import Facility, Lot, Material, Organisation, User
from inventory.services.stock import queries
from inventory.core.errors import Invalid
from inventory.core.clock import business_today

FORMATS = ("csv", "xlsx")
#: a text cell starting with one of these would run as a formula in a spreadsheet (CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def N_(message: str) -> str:
    """Marks a msgid for extraction (a pybabel default keyword); the caller translates it."""
    return message


LOT_COLUMNS = (
    ("lot_code", N_("Lot code")), ("material", N_("Material code")), ("material_name", N_("Material")),
    ("facility", N_("Facility code")), ("enterprise", N_("Enterprise code")), ("quantity", N_("On hand")),
    ("quantity_received", N_("Quantity received")), ("production_date", N_("Production date")),
    ("expiry_date", N_("Expiry date")), ("received_on", N_("Received on")), ("quality_grade", N_("Quality grade")),
    ("inspection_result", N_("Inspection result")), ("status", N_("Status")),
)
#: the certificates a lot was received with (docs/coldchain.md, traceability), named as the receipt import names
#: them, so a chilled or frozen lot's export re-imports (services/stock/receipt_files.py)
CERTIFICATE_COLUMNS = (
    ("origin", N_("Origin")), ("trace_certificate", N_("Traceability voucher no.")),
    ("quarantine_certificate", N_("Quarantine certificate no.")), ("imported", N_("Imported goods")),
    ("customs_declaration", N_("Customs declaration no.")),
    ("entry_inspection_certificate", N_("Entry inspection and quarantine certificate no.")),
    ("disinfection_certificate", N_("Nucleic-acid test / disinfection certificate no.")),
)
LOT_COLUMNS = (*LOT_COLUMNS, *CERTIFICATE_COLUMNS)
SUMMARY_KEY_LABELS = {"material": N_("Material code"), "category": N_("Category"),
                      "enterprise": N_("Enterprise code"), "district": N_("District code")}
SUMMARY_COLUMNS = (("name", N_("Name")), ("unit", N_("Unit")), ("lot_count", N_("Lots")),
                   ("on_hand", N_("On hand")), ("plan_quantity", N_("Plan quantity")), ("coverage", N_("Coverage")),
                   ("to_replenish", N_("To replenish")))


@dataclass(frozen=True)
class Table:
    """What a download holds: ``columns`` are (key, msgid) pairs; ``rows`` may be a lazy query."""

    sheet: str
    columns: Sequence[tuple[str, str]]
    rows: Iterable[Sequence[Any]]
    filename: str


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Invalid.field("format", _l("csv or xlsx"))
    return fmt


def header(columns: Sequence[tuple[str, str]], translate: Callable[[str], str]) -> list[str]:
    return [f"{translate(label)} ({key})" for key, label in columns]


def dated_filename(stem: str, fmt: str, today: date | None = None) -> str:
    return f"{stem}-{(today or business_today()).isoformat()}.{fmt}"


def lot_table(*, session: Session, actor: User, filters: queries.LotFilter, fmt: str, language: str = "zh",
              batch: int = 1000) -> Table:
    """The lots this user may see (scope), filtered like the lot list, earliest expiry first."""
    scope.require(actor, "export", "lot")
    query = (queries.lots(session=session, actor=actor, filters=filters)
             .with_only_columns(Lot.lot_code, Lot.material_id, Lot.facility_id, Lot.enterprise_id, Lot.on_hand,
                                Lot.quantity_received, Lot.production_date, Lot.expiry_date, Lot.received_on,
                                Lot.quality_grade, Lot.inspection_result, Lot.status,
                                *(getattr(Lot, key) for key, _ in CERTIFICATE_COLUMNS))
             .order_by(Lot.expiry_date, Lot.id)
             .execution_options(yield_per=batch))
    materials = {id_: (code, (name_en or name_zh) if language == "en" else name_zh) for id_, code, name_zh, name_en
                 in session.execute(select(Material.id, Material.code, Material.name_zh, Material.name_en))}
    facilities = dict(session.execute(select(Facility.id, Facility.code)).all())
    organisations = dict(session.execute(select(Organisation.id, Organisation.code)).all())

    def rows() -> Iterator[tuple[Any, ...]]:
        for lot_code, material_id, facility_id, enterprise_id, *rest in session.execute(query):
            yield lot_code, *materials[material_id], facilities[facility_id], organisations[enterprise_id], *rest

    return Table(N_("Lots"), LOT_COLUMNS, rows(), dated_filename("lots", fmt))


def summary_table(*, session: Session, actor: User, group_by: str, fmt: str) -> Table:
    scope.require(actor, "export", "lot")
    rows = queries.summary(session=session, actor=actor, group_by=group_by)
    columns = (("key", SUMMARY_KEY_LABELS[group_by]), *SUMMARY_COLUMNS)
    values = [(r.key, r.name, r.unit, r.lot_count, r.on_hand, r.plan_quantity, r.coverage, r.to_replenish)
              for r in rows]
    return Table(N_("Stock summary"), columns, values, dated_filename(f"stock-summary-{group_by}", fmt))


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(header_cells: list[str], rows: Iterable[Sequence[Any]], *, chunk_rows: int = 500) -> Iterator[str]:
    """UTF-8 CSV text with a BOM, so Excel shows Chinese correctly; text is guarded against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header_cells)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_safe(value) for value in row])
        if count % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """Text stays text: openpyxl would store '=…' as a formula."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_file(sheet_title: str, header_cells: list[str], rows: Iterable[Sequence[Any]]) -> IO[bytes]:
    """A workbook in a temporary file, rewound; the caller sends and closes it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    target = tempfile.TemporaryFile()
    workbook.save(target)
    target.seek(0)
    return target
