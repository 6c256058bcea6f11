"""Exports of lot lists and the stock summary: scoped, filtered, CSV and XLSX, and re-importable."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from inventory.db import engine_for
from inventory.models import Lot, Organisation
from inventory.services.stock import exports
from inventory.services.stock import imports
from inventory.services.stock import lots
from inventory.services.stock import receipt_files
from inventory.services.stock import queries
from inventory.core.clock import business_today
from inventory.core.vocab import SummaryGroup
from tests.helpers import DATABASE_URL, count_rows, user_named


def csv_table(response) -> list[list[str]]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_table(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def read(response, fmt: str) -> list[list]:
    assert response.status_code == 200, response.data[:300]
    return csv_table(response) if fmt == "csv" else xlsx_table(response)


def keyed(table: list[list]) -> list[dict]:
    """Rows as {column key: value}, the key being the part of the header in brackets."""
    keys = [receipt_files.column_key(cell) for cell in table[0]]
    return [dict(zip(keys, row)) for row in table[1:]]


def enterprise_lot_codes(db, code: str) -> set[str]:
    org = db.exec(select(Organisation).where(Organisation.code == code)).one()
    return set(db.exec(select(Lot.lot_code).where(Lot.enterprise_id == org.id)))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_enterprise_exports_only_its_own_lots(api, db, fmt):
    response = api("clerk").get(f"/lots/export?format={fmt}")
    assert response.is_streamed
    rows = keyed(read(response, fmt))
    assert {r["lot_code"] for r in rows} == enterprise_lot_codes(db, "ENT-GRAIN")
    assert {r["enterprise"] for r in rows} == {"ENT-GRAIN"}
    expected_name = f"lots-{business_today().isoformat()}.{fmt}"
    assert response.headers["Content-Disposition"] == f"attachment; filename={expected_name}"
    cold = keyed(read(api("coldclerk").get(f"/lots/export?format={fmt}"), fmt))
    assert {r["lot_code"] for r in cold} == enterprise_lot_codes(db, "ENT-COLD")


def test_a_streamed_export_gives_its_database_connection_back(api):
    """Flask closes the request's session before a stream starts; the stream must close it again."""
    clerk = api("clerk")
    pool = engine_for(DATABASE_URL).pool
    before = pool.checkedout()
    assert len(read(clerk.get("/lots/export?format=csv"), "csv")) > 1
    assert pool.checkedout() == before


def test_the_export_follows_the_lot_list_filters_and_expiry_order(api, db):
    rows = keyed(read(api("admin").get("/lots/export?format=csv&material=WHEAT"), "csv"))
    assert {r["material"] for r in rows} == {"WHEAT"} and len(rows) == 2
    everything = keyed(read(api("admin").get("/lots/export?format=csv"), "csv"))
    assert len(everything) == count_rows(db, Lot)
    assert [r["expiry_date"] for r in everything] == sorted(r["expiry_date"] for r in everything)
    depleted = keyed(read(api("clerk").get("/lots/export?format=csv&status=depleted"), "csv"))
    assert depleted == []


def test_quantities_and_dates_keep_their_types(api, db):
    csv_rows = keyed(read(api("clerk").get("/lots/export?format=csv&material=SOY-OIL"), "csv"))
    xlsx_rows = keyed(read(api("clerk").get("/lots/export?format=xlsx&material=SOY-OIL"), "xlsx"))
    lot = db.exec(select(Lot).where(Lot.lot_code == "OIL-2025-002")).one()
    assert csv_rows[0]["quantity"] == "950.250" and csv_rows[0]["expiry_date"] == lot.expiry_date.isoformat()
    assert Decimal(str(xlsx_rows[0]["quantity"])) == lot.on_hand
    assert xlsx_rows[0]["expiry_date"].date() == lot.expiry_date


def test_headers_are_in_the_readers_language_with_the_column_key(login_as, client):
    login_as("clerk")
    client.get("/lang/en")
    english = read(client.get("/exports/lots.csv"), "csv")[0]
    client.get("/lang/zh")
    chinese = read(client.get("/exports/lots.csv"), "csv")[0]
    status = english.index("Status (status)")
    assert (english[0], chinese[status], chinese[-1]) == ("Lot code (lot_code)", "状态 (status)",
                                                          "核酸检测/消毒证明编号 (disinfection_certificate)")
    assert [receipt_files.column_key(c) for c in english] == [key for key, _ in exports.LOT_COLUMNS]


@pytest.mark.parametrize("group_by", SummaryGroup.values())
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_summary_exports_every_grouping(api, db, fmt, group_by):
    rows = keyed(read(api("coordinator").get(f"/stock/summary/export?format={fmt}&group_by={group_by}"), fmt))
    expected = queries.summary(session=db, actor=user_named(db, "coordinator"), group_by=group_by)
    assert [(r["key"], r["unit"], int(r["lot_count"]), Decimal(str(r["on_hand"]))) for r in rows] == [
        (e.key, e.unit, e.lot_count, e.on_hand) for e in expected]


def test_the_summary_export_is_scoped(api):
    rows = keyed(read(api("coldclerk").get("/stock/summary/export?group_by=enterprise"), "csv"))
    assert {r["key"] for r in rows} == {"ENT-COLD"}


@pytest.mark.parametrize("path", ["/lots/export?format=pdf", "/stock/summary/export?group_by=colour",
                                  "/lots/export?expiring_within_days=-1"])
def test_bad_export_parameters_are_422(api, path):
    response = api("clerk").get(path)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_error"


def test_the_blood_station_may_not_export_stock(api, login_as, client):
    assert api("blood").get("/lots/export").status_code == 403
    login_as("blood")
    assert client.get("/exports/summary.csv").status_code == 403


def test_the_web_export_page_and_downloads(login_as, client, db):
    login_as("coldclerk")
    assert "export-lots-xlsx" in client.get("/exports/").text
    rows = keyed(read(client.get("/exports/lots.xlsx?facility=CS-02&status=&material="), "xlsx"))
    assert {r["lot_code"] for r in rows} == {"CB-2026-110", "EG-2026-301"}
    summary = keyed(read(client.get("/exports/summary.csv?group_by=category"), "csv"))
    assert {r["key"] for r in summary} == {"meat", "vegetables", "eggs"}
    assert client.get("/exports/lots.pdf").status_code == 422


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reimports_as_receipts_after_changing_the_lot_codes(api, db, fmt):
    response = api("clerk").get(f"/lots/export?format={fmt}&status=available")
    originals = {r["lot_code"]: r for r in keyed(read(response, fmt))}
    if fmt == "csv":
        table = csv_table(response)
        for row in table[1:]:
            row[0] = "RT-" + row[0]
        buffer = io.StringIO()
        csv.writer(buffer).writerows(table)
        content = buffer.getvalue().encode("utf-8-sig")
    else:
        workbook = load_workbook(io.BytesIO(response.data))
        for (cell,) in workbook.active.iter_rows(min_row=2, max_col=1):
            cell.value = "RT-" + cell.value
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    clerk = user_named(db, "clerk")
    job = imports.create_job(session=db, actor=clerk, filename=f"again.{fmt}", content=content, dry_run=False)
    db.commit()
    job = imports.run_job(session=db, job_id=job.id)
    assert (job.status, job.errors, job.created_lots) == ("done", [], len(originals))
    for code, original in originals.items():
        copy = db.exec(select(Lot).where(Lot.lot_code == "RT-" + code)).one()
        assert copy.quantity_received == Decimal(str(original["quantity"]))
        assert str(copy.expiry_date) == str(original["expiry_date"])[:10]


def test_text_that_looks_like_a_formula_stays_text_and_round_trips(api, db):
    clerk = user_named(db, "clerk")
    lots.receive_lot(session=db, actor=clerk, receipt=lots.Receipt(material="RICE", facility="GR-01",
                                                                    lot_code="=1+2", quantity=Decimal(1)))
    db.commit()
    table = csv_table(api("clerk").get("/lots/export?format=csv&material=RICE"))
    row = next(row for row in table[1:] if row[0] == "'=1+2")
    columns, _ = receipt_files.read_header(table[0], 1)
    receipt, problems = receipt_files.to_receipt(row, columns)
    assert problems == {} and receipt.lot_code == "=1+2"
    workbook = load_workbook(io.BytesIO(api("clerk").get("/lots/export?format=xlsx&material=RICE").data))
    cells = [row[0] for row in workbook.active.iter_rows(min_row=2)]
    assert {(c.value, c.data_type) for c in cells if c.value == "=1+2"} == {("=1+2", "s")}


def test_the_export_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/api/v1/lots/export"]["get"]["tags"] == ["exports"]
    assert paths["/api/v1/stock/summary/export"]["get"]["tags"] == ["exports"]


def test_lot_list_export_link_keeps_the_filters(login_as):
    page = login_as("clerk").get("/stock/lots?material=WHEAT").get_data(as_text=True)
    assert "/exports/lots.csv?material=WHEAT" in page
    csv_text = login_as("clerk").get("/exports/lots.csv?material=WHEAT").get_data(as_text=True)
    assert "WH-2024-001" in csv_text and "RI-2024-007" not in csv_text


def test_the_export_page_names_choices_in_the_readers_language(login_as):
    page = login_as("clerk").get("/exports/").get_data(as_text=True)
    assert ">粮食<" in page and ">质量冻结<" in page and ">承储企业<" in page


def test_a_frozen_lot_exports_with_its_certificates_and_reimports(api, db, app):
    """receipt_files promises export → import: a frozen lot's certificates are exported under the import's names."""
    certificates = {"origin": "河北省廊坊市三河市", "trace_certificate": "SY-2026-0009", "quarantine_certificate": "DJ-9",
                    "imported": True, "customs_declaration": "0202", "entry_inspection_certificate": "IQ-9",
                    "disinfection_certificate": "XD-9"}
    made = api("coldclerk").post("/lots", json={"material": "PORK-FZ", "facility": "CS-01", "lot_code": "PK-RT1",
                                                "quantity": "2", **certificates})
    assert made.status_code == 201, made.get_json()
    table = csv_table(api("coldclerk").get("/lots/export?format=csv"))
    keys = [cell.rsplit("(", 1)[1].rstrip(")") for cell in table[0]]
    [row] = [row for row in table[1:] if row[0] == "PK-RT1"]
    assert {key: row[keys.index(key)] for key in certificates} == {**certificates, "imported": "True"}
    row[0] = "PK-RT2"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([table[0], row])
    job = imports.create_job(session=db, actor=user_named(db, "coldclerk"), filename="again.csv",
                             content=buffer.getvalue().encode("utf-8-sig"), dry_run=True)
    db.commit()
    with app.test_request_context("/"):
        job = imports.run_job(session=db, job_id=job.id)
        assert (job.status, job.errors) == ("done", [])
