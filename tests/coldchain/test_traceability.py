"""Traceability and quarantine certificates on receipt of cold-chain goods (docs/coldchain.md, traceability):
cold-chain opinions §二(八)1 (入市查验溯源凭证) and §二(八)3 (进口冻品集中监管, 进口冷链食品检验检疫)."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from inventory.models import Lot, Movement
from tests.helpers import assert_error, count_rows

PORK = {"material": "PORK-FZ", "facility": "CS-01", "lot_code": "PK-T1", "quantity": "2"}
DOMESTIC = {"origin": "河北省廊坊市三河市", "trace_certificate": "SY-2026-0001", "quarantine_certificate": "DJ-13-001"}
CUSTOMS = {"customs_declaration": "020220260001", "entry_inspection_certificate": "IQ-2026-77",
           "disinfection_certificate": "XD-2026-88"}


def _nothing_written(db, before: tuple[int, int]) -> None:
    assert (count_rows(db, Lot), count_rows(db, Movement)) == before


@pytest.mark.parametrize(("body", "missing"), [
    ({}, {"origin", "trace_certificate", "quarantine_certificate"}),        # §二(八)1: frozen meat
    ({**DOMESTIC, "quarantine_certificate": " "}, {"quarantine_certificate"}),
    ({**DOMESTIC, "imported": True}, {"customs_declaration", "entry_inspection_certificate",
                                      "disinfection_certificate"}),       # §二(八)3: imported frozen food
    ({**DOMESTIC, **CUSTOMS, "imported": True, "disinfection_certificate": ""}, {"disinfection_certificate"}),
])
def test_frozen_food_without_its_certificates_is_422_naming_them(api, db, body, missing):
    before = (count_rows(db, Lot), count_rows(db, Movement))
    error = assert_error(api("coldclerk").post("/lots", json={**PORK, **body}), 422, "validation_error")
    assert missing <= set(error["fields"]) and not set(error["fields"]) & (set(DOMESTIC) | set(CUSTOMS)) - missing
    _nothing_written(db, before)


def test_imported_frozen_pork_keeps_its_documents_on_the_lot(api, db):
    # §二(八)3: the customs documents of imported cold-chain food are recorded with the lot
    response = api("coldclerk").post("/lots", json={**PORK, **DOMESTIC, **CUSTOMS, "imported": True})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["imported"] is True and body["customs_declaration"] == "020220260001"
    lot = db.exec(select(Lot).where(Lot.lot_code == "PK-T1")).one()
    assert (lot.origin, lot.trace_certificate, lot.disinfection_certificate) == (
        "河北省廊坊市三河市", "SY-2026-0001", "XD-2026-88")
    assert api("coldclerk").get(f"/lots/{lot.id}").get_json()["entry_inspection_certificate"] == "IQ-2026-77"


def test_chilled_vegetables_need_origin_and_voucher_but_no_quarantine_certificate(api, db):
    # §二(八)1: every food lot has its traceability voucher; quarantine certificates are for animal products
    body = {"material": "CABBAGE", "facility": "CS-02", "lot_code": "CB-T1", "quantity": "1"}
    error = assert_error(api("coldclerk").post("/lots", json=body), 422, "validation_error")
    assert set(error["fields"]) == {"origin", "trace_certificate"}
    ok = api("coldclerk").post("/lots", json={**body, "origin": "山东寿光", "trace_certificate": "SY-9"})
    assert ok.status_code == 201, ok.get_json()


def test_ambient_goods_need_no_certificates(api):
    # outside §二(八)'s cold-chain food: nothing required
    body = {"material": "WHEAT", "facility": "GR-01", "lot_code": "WH-T1", "quantity": "1"}
    assert api("clerk").post("/lots", json=body).status_code == 201


def test_the_receipt_form_requires_them_and_the_lot_page_shows_them(login_as, db):
    client = login_as("coldclerk")
    client.get("/lang/en")
    form = {"material": "PORK-FZ", "facility": "CS-01", "lot_code": "PK-W1", "quantity": "3",
            "inspection_result": "passed"}
    before = (count_rows(db, Lot), count_rows(db, Movement))
    refused = client.post("/stock/receive", data=form)
    assert refused.status_code == 422
    assert "required for cold-chain food" in refused.get_data(as_text=True)
    _nothing_written(db, before)
    done = client.post("/stock/receive", data={**form, **DOMESTIC, **CUSTOMS, "imported": "y"})
    assert done.status_code == 302, done.get_data(as_text=True)
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    certificates = re.search(r'<dl class="row small" id="lot-certificates">(.*?)</dl>', page, re.S).group(1)
    for value in (*DOMESTIC.values(), *CUSTOMS.values()):
        assert value in certificates


def test_imported_is_a_strict_boolean(api, db):
    """docs/api.md: ``"true"`` is not a boolean in a body."""
    before = (count_rows(db, Lot), count_rows(db, Movement))
    error = assert_error(api("coldclerk").post("/lots", json={**PORK, **DOMESTIC, **CUSTOMS, "imported": "true"}),
                         422, "validation_error")
    assert "imported" in error["fields"]
    _nothing_written(db, before)


def test_a_certificate_with_a_control_character_is_refused(api, db, login_as):
    """A bell in a voucher number is refused, by the API (422 naming it) and the form, nothing written."""
    before = (count_rows(db, Lot), count_rows(db, Movement))
    error = assert_error(api("coldclerk").post("/lots", json={**PORK, **DOMESTIC, "trace_certificate": "T\u0007X"}),
                         422, "validation_error")
    assert set(error["fields"]) == {"trace_certificate"}
    _nothing_written(db, before)
    client = login_as("coldclerk")
    client.get("/lang/en")
    refused = client.post("/stock/receive", data={
        "material": "PORK-FZ", "facility": "CS-01", "lot_code": "PK-W2", "quantity": "3", "inspection_result": "passed",
        **DOMESTIC, "origin": "河北\u0007三河"})
    assert refused.status_code == 422 and "no control characters" in refused.get_data(as_text=True)
    _nothing_written(db, before)
