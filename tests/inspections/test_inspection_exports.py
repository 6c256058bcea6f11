"""Inspections and findings as CSV and XLSX (issue 10, "CSV/XLSX export of inspections and findings"), on the page
and over the API: the columns a reader needs, the list's filters applied, and only the rows the reader may see
(reserve-materials-measures §五(二): the inspecting bureau, the enterprise inspected and the city-wide roles)."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from inventory.core.clock import business_today
from tests.inspections.making import answer, record

FINDING = {"kind": "no_safety_system", "evidence": "灭火器过期两年", "note": "二号仓"}


def _xlsx(response) -> list[tuple]:
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet"), response.data[:200]
    return list(load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def made(api, db) -> dict:
    return record(api, db, findings=[FINDING])


def test_the_inspections_workbook_has_one_row_per_inspection_with_its_findings_tally(api, login_as, made):
    rows = _xlsx(api("inspector").get("/inspections/export?format=xlsx"))
    assert len(rows) == 2
    row = dict(zip(range(len(rows[1])), rows[1]))
    assert (row[0], row[1], row[2], row[7], row[8], row[9], row[10]) == (
        made["code"], "ENT-GRAIN", "GR-01", 1, 1, "open", "none")
    page = _xlsx(login_as("clerk").get("/inspections/export/inspections.xlsx"))
    assert page[1][0] == made["code"], "the enterprise inspected exports it from the list page"


def test_the_findings_export_follows_the_answer(api, login_as, made):
    assert answer(api, made["findings"][0]["id"]).status_code == 200
    rows = _csv(login_as("inspector").get("/inspections/export/findings.csv"))
    assert len(rows) == 2
    assert rows[1][:4] == [made["code"], "ENT-GRAIN", business_today().isoformat(), "no_safety_system"]
    assert rows[1][6] == "answered" and rows[1][7] == "更换灭火器并培训保管员"
    workbook = _xlsx(login_as("gov").get("/inspections/export/findings.xlsx"))
    assert workbook[1][6] == "answered"


@pytest.mark.parametrize(("query", "count"), [
    ("status=open", 1), ("status=closed", 0), ("enterprise=ENT-GRAIN", 1), ("enterprise=ENT-COLD", 0),
    (f"inspected_from={(business_today() + timedelta(days=1)).isoformat()}", 0),
])
def test_the_exports_apply_the_lists_filters(api, login_as, made, query, count):
    assert len(_csv(api("inspector").get(f"/inspections/export?format=csv&{query}"))) == 1 + count
    assert len(_csv(login_as("inspector").get(f"/inspections/export/findings.csv?{query}"))) == 1 + count


@pytest.mark.parametrize("username", ["emofficer", "coldclerk", "reliefclerk"])
def test_another_bureau_or_enterprise_exports_only_the_header(api, login_as, made, username):
    assert len(_csv(api(username).get("/inspections/findings/export?format=csv"))) == 1
    assert len(_xlsx(login_as(username).get("/inspections/export/inspections.xlsx"))) == 1
