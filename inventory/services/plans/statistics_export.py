"""A stored statistics report as an XLSX workbook (docs/plans.md, "Statistics report"): one sheet per breakdown,
headed in the reader's language, quantities as numbers."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook

from inventory.core.vocab import Category, MovementKind
from inventory.models import StatisticsReport


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _plan_columns(row: dict) -> list:
    return [_number(row["plan_quantity"]), _number(row["on_hand"]), _number(row["available"]),
            _number(row["allowed_shortfall"]), _number(row["coverage"])]


def sheets(content: dict) -> dict[str, tuple[list[str], list[list]]]:
    """Sheet name -> (headers, rows) of the report, the same tables the page shows."""
    plan = [_("Plan quantity"), _("On hand"), _("Available"), _("Allowed shortfall"), _("Coverage")]
    material = [_("Material code"), _("Material"), _("Unit")]
    return {
        _("Materials"): ([*material, _("Category"), _("Lots"), *plan],
                         [[r["material"], r["material_name"], r["unit"], str(Category.label_of(r["category"])), r["lots"],
                           *_plan_columns(r)] for r in content["materials"]]),
        _("Categories"): ([_("Category"), _("Unit"), _("Lots"), *plan, _("Lots expiring within 90 days")],
                          [[str(Category.label_of(r["category"])), r["unit"], r["lots"], *_plan_columns(r),
                            r["expiring_lots"]] for r in content["categories"]]),
        _("Enterprises"): ([_("Enterprise code"), _("Enterprise"), *material, _("Lots"), *plan],
                           [[r["enterprise"], r["enterprise_name"], r["material"], r["material_name"], r["unit"],
                             r["lots"], *_plan_columns(r)] for r in content["enterprises"]]),
        _("Districts"): ([_("District code"), _("District"), *material, _("Lots"), *plan],
                         [[r["district"], r["district_name"], r["material"], r["material_name"], r["unit"], r["lots"],
                           *_plan_columns(r)] for r in content["districts"]]),
        _("Movements"): ([_("Kind"), _("Category"), _("Unit"), _("Movements"), _("Quantity")],
                         [[str(MovementKind.label_of(r["kind"])), str(Category.label_of(r["category"])), r["unit"], r["count"],
                           _number(r["quantity"])] for r in content["movements"]]),
        _("Expiring"): ([_("Lot"), *material, _("Enterprise"), _("District"), _("Expiry date"), _("Days"),
                         _("On hand")],
                        [[r["lot_code"], r["material"], r["material_name"], r["unit"], r["enterprise_name"],
                          r["district_name"], r["expiry_date"], r["days"], _number(r["on_hand"])]
                         for r in content["expiring"]]),
    }


def workbook(report: StatisticsReport) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, (headers, rows) in sheets(report.content).items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def filename(report: StatisticsReport) -> str:
    return f"statistics-{report.scope_key.replace(':', '-')}-{report.period_start.isoformat()}.xlsx"
