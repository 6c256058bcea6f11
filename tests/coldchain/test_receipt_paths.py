"""Every way a lot enters stock checks the traceability and quarantine certificates with one rule
(docs/coldchain.md, traceability; services/coldchain/traceability.py through lots.validate_receipt): the receipt
imports, receive instructions, rotations' purchases and dispatch recoveries as the receipt form and ``POST /lots``
do — cold-chain opinions §二(八)1 (入市查验溯源凭证: origin, traceability voucher, quarantine certificate of animal
products) and §二(八)3 (进口冻品: the customs declaration, the entry inspection certificate and the nucleic-acid /
disinfection certificate of imported cold-chain food). A transfer's moved lot carries the source's certificates.
A refusal writes nothing: the lots, the movements and the workflow's own counts are the same before and after."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, Dispatch, Instruction, Lot, Material, Movement, Rotation
from inventory.services.coldchain import traceability
from inventory.services.stock import demo as stock_demo
from inventory.services.stock import imports, transfers
from inventory.services.workflows import inbox, instructions
from inventory.services.workflows.dispatch_plan import LineInput
from inventory.services.workflows.instructions import ReleaseInput
from tests.helpers import assert_error, count_rows, user_named
from tests.workflows.dispatching import act, submitted, wheat_plan

DOMESTIC = {"origin": "河北省廊坊市三河市", "trace_certificate": "SY-2026-0001", "quarantine_certificate": "DJ-13-001"}
CUSTOMS = {"customs_declaration": "020220260001", "entry_inspection_certificate": "IQ-2026-77",
           "disinfection_certificate": "XD-2026-88"}
CERTIFICATE_COLUMNS = list(traceability.FIELDS)
MEAT_NEEDS = {"origin", "trace_certificate", "quarantine_certificate"}


def _written(db) -> tuple[int, int]:
    return count_rows(db, Lot), count_rows(db, Movement)


def _lot(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def _columns(lot: Lot) -> dict:
    return traceability.of_lot(lot).columns()


# -- spreadsheet imports ------------------------------------------------------------------------------------------


HEADER = ["material", "facility", "lot_code", "quantity", *CERTIFICATE_COLUMNS]


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture(autouse=True)
def _context(app):
    """The import jobs render their row errors, and the services their messages, in the application."""
    with app.test_request_context("/"):
        yield


def _import(db, username: str, content: bytes):
    job = imports.create_job(session=db, actor=user_named(db, username), filename="receipts.csv", content=content,
                             dry_run=False)
    db.commit()
    with force_locale("en"):
        return imports.run_job(session=db, job_id=job.id)


def _row(material: str, facility: str, code: str, **certificates) -> list[str]:
    values = {**dict.fromkeys(CERTIFICATE_COLUMNS, ""), **certificates}
    return [material, facility, code, "2", *(values[name] for name in CERTIFICATE_COLUMNS)]


def test_an_imported_row_of_frozen_pork_without_its_certificates_is_refused_by_row_and_field(db):
    """§二(八)1: frozen meat needs origin, voucher and quarantine certificate; the row and the fields are named."""
    before = _written(db)
    job = _import(db, "coldclerk", _csv([_row("CABBAGE", "CS-02", "CB-I1", origin="山东寿光", trace_certificate="SY-9"),
                                         _row("PORK-FZ", "CS-01", "PK-I1", origin="河北三河")]))
    assert job.status == "failed" and job.created_lots == 0
    assert {(e["row"], e["field"]) for e in job.errors} == {(3, "trace_certificate"), (3, "quarantine_certificate")}
    assert all(e["message"] == "required for cold-chain food" for e in job.errors)
    assert _written(db) == before


def test_imported_frozen_food_in_a_file_needs_the_customs_documents(db):
    """§二(八)3: an imported row (imported = 是) names the customs declaration, the entry inspection certificate
    and the disinfection certificate."""
    before = _written(db)
    job = _import(db, "coldclerk", _csv([_row("PORK-FZ", "CS-01", "PK-I2", imported="是", **DOMESTIC,
                                              customs_declaration="0202")]))
    assert job.status == "failed"
    assert {(e["row"], e["field"]) for e in job.errors} == {(2, "entry_inspection_certificate"),
                                                             (2, "disinfection_certificate")}
    assert _written(db) == before
    job = _import(db, "coldclerk", _csv([_row("PORK-FZ", "CS-01", "PK-I2", imported="是", **DOMESTIC, **CUSTOMS),
                                         _row("EGGS", "CS-02", "EG-I2", **DOMESTIC)]))
    assert (job.status, job.created_lots, job.errors) == ("done", 2, [])
    assert _columns(_lot(db, "PK-I2")) == {**DOMESTIC, **CUSTOMS, "imported": True}
    assert _columns(_lot(db, "EG-I2")) == {**DOMESTIC, **dict.fromkeys(CUSTOMS, ""), "imported": False}
    receipt = db.exec(select(AuditEvent).where(AuditEvent.action == "lot.receive", AuditEvent.entity_id ==
                                               _lot(db, "PK-I2").id)).one()
    assert receipt.after["certificates"]["customs_declaration"] == CUSTOMS["customs_declaration"]


def test_a_file_says_imported_with_yes_or_no(db):
    job = _import(db, "coldclerk", _csv([_row("PORK-FZ", "CS-01", "PK-I3", imported="perhaps", **DOMESTIC)]))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "imported")]
    job = _import(db, "coldclerk", _csv([_row("PORK-FZ", "CS-01", "PK-I3", imported="no", **DOMESTIC)]))
    assert (job.status, _lot(db, "PK-I3").imported) == ("done", False)


def test_a_certificate_too_long_for_its_column_is_refused_on_its_row(db):
    job = _import(db, "coldclerk", _csv([_row("PORK-FZ", "CS-01", "PK-I4", **{**DOMESTIC, "origin": "产" * 129})]))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "origin")]


def test_a_file_of_goods_that_need_no_certificates_passes_without_them(db):
    """Outside §二(八)'s cold-chain food: the certificate columns may be empty or left out."""
    before = _written(db)
    job = _import(db, "clerk", _csv([_row("WHEAT", "GR-01", "WH-I1")]))
    assert (job.status, job.errors) == ("done", [])
    job = _import(db, "clerk", _csv([["RICE", "GR-01", "RI-I1", "3"]], header=HEADER[:4]))
    assert (job.status, job.errors) == ("done", [])
    assert _written(db) == (before[0] + 2, before[1] + 2)
    assert not traceability.of_lot(_lot(db, "WH-I1")).given()


def test_the_template_has_the_certificate_columns(login_as):
    header = login_as("clerk").get("/imports/template.csv").data.decode("utf-8-sig").splitlines()[0]
    for name in CERTIFICATE_COLUMNS:
        assert f"({name})" in header


# -- receive instructions -----------------------------------------------------------------------------------------


@pytest.fixture
def pork_instruction(api) -> dict:
    """The commerce bureau instructs ENT-COLD to receive 50 t of frozen pork; the enterprise acknowledges."""
    made = api("bizofficer").post("/instructions", json={
        "kind": "receive", "enterprise": "ENT-COLD", "material": "PORK-FZ", "quantity": "50",
        "deadline": (business_today() + timedelta(days=10)).isoformat(), "reason": "补充冻猪肉储备"})
    assert made.status_code == 201, made.get_json()
    row = made.get_json()
    assert api("coldclerk").post(f"/instructions/{row['id']}/actions/acknowledge", json={}).status_code == 200
    return row


def _execute(api, instruction: dict, code: str, **certificates):
    return api("coldclerk").post(f"/instructions/{instruction['id']}/executions", json={"receipt": {
        "facility": "CS-01", "lot_code": code, "quantity": "20", **certificates}})


def test_a_receive_instruction_refuses_frozen_pork_without_its_certificates(api, db, pork_instruction):
    """§二(八)1 on the instruction's receipt: 422 naming each missing certificate, nothing executed or written."""
    before = _written(db)
    error = assert_error(_execute(api, pork_instruction, "PK-IN1", origin="河北三河"), 422, "validation_error")
    # named inside ``receipt``, as the schema names a bad ``receipt.quantity`` in the same body (docs/api.md)
    assert set(error["fields"]) == {f"receipt.{name}" for name in MEAT_NEEDS - {"origin"}}
    assert _written(db) == before
    assert db.get(Instruction, pork_instruction["id"]).executed == 0
    error = assert_error(_execute(api, pork_instruction, "PK-IN1", imported=True, **DOMESTIC), 422,
                         "validation_error")
    assert set(error["fields"]) == {f"receipt.{name}" for name in CUSTOMS}       # §二(八)3
    done = _execute(api, pork_instruction, "PK-IN1", imported=True, **DOMESTIC, **CUSTOMS)
    assert done.status_code == 201, done.get_json()
    assert _columns(_lot(db, "PK-IN1")) == {**DOMESTIC, **CUSTOMS, "imported": True}
    db.expire_all()
    assert db.get(Instruction, pork_instruction["id"]).executed == Decimal("20")


def test_the_instruction_form_puts_the_refusal_on_the_certificate_field(api, db, login_as, pork_instruction):
    client = login_as("coldclerk")
    client.get("/lang/en")
    form = {"execute-facility": "CS-01", "execute-lot_code": "PK-IN2", "execute-quantity": "5",
            "execute-inspection_result": "passed"}
    before = _written(db)
    refused = client.post(f"/instructions/{pork_instruction['id']}/execute", data=form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    for name in MEAT_NEEDS:
        assert f'class="form-control form-control-sm is-invalid" id="execute-{name}"' in page, name
    assert "required for cold-chain food" in page
    assert _written(db) == before
    done = client.post(f"/instructions/{pork_instruction['id']}/execute",
                       data={**form, **{f"execute-{k}": v for k, v in DOMESTIC.items()}})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert _columns(_lot(db, "PK-IN2"))["quarantine_certificate"] == DOMESTIC["quarantine_certificate"]


# -- rotations ----------------------------------------------------------------------------------------------------


@pytest.fixture
def pork_rotation(api, db) -> int:
    """ENT-COLD rotates 10 t of PK-2026-031 out, approved by the commerce bureau, and sells it."""
    lot_id = _lot(db, "PK-2026-031").id
    made = api("coldclerk").post("/rotations", json={"lots": [lot_id], "quantity": "10", "mode": "market",
                                                      "sale_price": "21000"})
    assert made.status_code == 201, made.get_json()
    rotation_id = made.get_json()["id"]
    assert api("coldclerk").post(f"/rotations/{rotation_id}/actions/submit", json={}).status_code == 200
    approved = api("bizapprover").post(f"/rotations/{rotation_id}/actions/approve", json={})
    assert approved.status_code == 200, approved.get_json()
    out = api("coldclerk").post(f"/rotations/{rotation_id}/out", json={"lot": lot_id, "quantity": "10"})
    assert out.status_code == 201, out.get_json()
    return rotation_id


def _bring_in(api, rotation_id: int, code: str, **certificates):
    return api("coldclerk").post(f"/rotations/{rotation_id}/in", json={
        "material": "PORK-FZ", "facility": "CS-01", "lot_code": code, "quantity": "10", "unit_price": "19500",
        **certificates})


def test_a_rotation_brings_frozen_pork_back_only_with_its_certificates(api, db, pork_rotation):
    """rotation_in is a receipt like any other (§二(八)1, §二(八)3): refused without the certificates, nothing
    written and nothing counted in; with them the new lot keeps them and its movement is the rotation's."""
    before = _written(db)
    error = assert_error(_bring_in(api, pork_rotation, "PK-RT1"), 422, "validation_error")
    assert set(error["fields"]) == MEAT_NEEDS
    error = assert_error(_bring_in(api, pork_rotation, "PK-RT1", imported=True, **DOMESTIC), 422,
                         "validation_error")
    assert set(error["fields"]) == set(CUSTOMS)
    assert _written(db) == before
    db.expire_all()
    assert db.get(Rotation, pork_rotation).quantity_in == 0
    done = _bring_in(api, pork_rotation, "PK-RT1", imported=True, **DOMESTIC, **CUSTOMS)
    assert done.status_code == 201, done.get_json()
    lot = _lot(db, "PK-RT1")
    assert _columns(lot) == {**DOMESTIC, **CUSTOMS, "imported": True}
    movement = db.exec(select(Movement).where(Movement.lot_id == lot.id)).one()
    assert (movement.kind, movement.ref_type, movement.ref_id, movement.quantity) == (
        "rotation_in", "rotation", pork_rotation, Decimal("10"))
    assert "purchase 19500.000/unit" in movement.note
    db.expire_all()
    assert (db.get(Rotation, pork_rotation).quantity_in, db.get(Rotation, pork_rotation).status) == (
        Decimal("10"), "completed")
    audit = db.exec(select(AuditEvent).where(AuditEvent.action == "lot.receive", AuditEvent.entity_id == lot.id)).one()
    assert audit.after["rotation"] == db.get(Rotation, pork_rotation).code
    assert audit.after["certificates"]["entry_inspection_certificate"] == CUSTOMS["entry_inspection_certificate"]


def test_the_rotation_form_puts_the_refusal_on_the_certificate_field(api, db, login_as, pork_rotation):
    client = login_as("coldclerk")
    client.get("/lang/en")
    form = {"in-facility": "CS-01", "in-lot_code": "PK-RT2", "in-quantity": "10", "in-unit_price": "19500",
            "in-inspection_result": "passed"}
    before = _written(db)
    refused = client.post(f"/rotations/{pork_rotation}/in", data=form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'class="form-control form-control-sm is-invalid" id="in-trace_certificate"' in page
    assert _written(db) == before
    done = client.post(f"/rotations/{pork_rotation}/in", data={**form, **{f"in-{k}": v for k, v in DOMESTIC.items()}})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert _lot(db, "PK-RT2").origin == DOMESTIC["origin"]


# -- dispatch recoveries ------------------------------------------------------------------------------------------


@pytest.fixture
def pork_dispatch(db) -> Dispatch:
    """100 t of frozen pork dispatched from ENT-COLD, released in full."""
    row = submitted(db, wheat_plan(lines=(LineInput("PORK-FZ", "100", "24000"),)), by="bizofficer")
    for signer in ("coordinator", "finance", "bizapprover"):
        row = act(db, row, signer, "approve")
    row = act(db, row, "gov", "approve", "同意")
    instruction = db.exec(select(Instruction).where(Instruction.dispatch_id == row.id)).one()
    inbox.decide(session=db, actor=user_named(db, "coldclerk"), flow="instruction", row_id=instruction.id,
                 action="acknowledge")
    instructions.execute(session=db, actor=user_named(db, "coldclerk"), instruction_id=instruction.id,
                         release=ReleaseInput())
    db.commit()
    return row


def _recover(api, dispatch: Dispatch, code: str, **certificates):
    return api("coldclerk").post(f"/dispatches/{dispatch.id}/recoveries", json={
        "material": "PORK-FZ", "facility": "CS-01", "lot_code": code, "quantity": "30", **certificates})


def test_a_recovery_comes_back_into_a_new_lot_only_with_its_certificates(api, db, pork_dispatch):
    """A recovery receives into a new lot (services/workflows/recoveries.py: ``receive_lot``), never back into the
    lot it left from, so it is a receipt like any other (§二(八)1)."""
    before = _written(db)
    error = assert_error(_recover(api, pork_dispatch, "PK-BACK1", origin="河北三河", trace_certificate="SY-1"), 422,
                         "validation_error")
    assert set(error["fields"]) == {"quarantine_certificate"}
    assert _written(db) == before
    done = _recover(api, pork_dispatch, "PK-BACK1", **DOMESTIC)
    assert done.status_code == 201, done.get_json()
    lot = _lot(db, "PK-BACK1")
    assert lot.id == done.get_json()["lot_id"] and _columns(lot)["origin"] == DOMESTIC["origin"]
    assert _written(db) == (before[0] + 1, before[1] + 1)


def test_the_recovery_form_puts_the_refusal_on_the_certificate_field(db, login_as, pork_dispatch):
    client = login_as("coldclerk")
    client.get("/lang/en")
    form = {"recover-material": "PORK-FZ", "recover-facility": "CS-01", "recover-lot_code": "PK-BACK2",
            "recover-quantity": "5", "recover-inspection_result": "passed"}
    before = _written(db)
    refused = client.post(f"/dispatches/{pork_dispatch.id}/recover", data=form)
    assert refused.status_code == 422
    assert 'class="form-control form-control-sm is-invalid" id="recover-origin"' in refused.get_data(as_text=True)
    assert _written(db) == before
    done = client.post(f"/dispatches/{pork_dispatch.id}/recover",
                       data={**form, **{f"recover-{k}": v for k, v in DOMESTIC.items()}})
    assert done.status_code == 302, done.get_data(as_text=True)


# -- transfers and the demo ---------------------------------------------------------------------------------------


def test_a_transferred_lot_carries_the_certificates_of_the_lot_it_left(db):
    """The same goods in another store: the moved lot copies the source's columns and is not asked again."""
    source = _lot(db, "PK-2026-052")   # the demo's imported pork, with its customs documents (§二(八)3)
    moved = transfers.request_transfer(session=db, actor=user_named(db, "coldclerk"), lot_id=source.id,
                                       to_facility="CS-03", amount=Decimal("5"), reason="转运至冷藏车")
    assert moved.status == "pending"
    transfers.decide_transfer(session=db, actor=user_named(db, "bizapprover"), transfer_id=moved.id,
                              action="approve")
    db.commit()
    db.expire_all()
    target = db.get(Lot, moved.to_lot_id)
    assert target.facility_id != source.facility_id
    assert _columns(target) == _columns(source) and target.imported and target.customs_declaration


def test_the_demo_city_receives_its_cold_chain_food_with_certificates(db):
    """Demo data goes through the same check: every demo lot of chilled or frozen food carries what it needs."""
    for lot in db.exec(select(Lot)):
        material = db.get(Material, lot.material_id)
        traceability.check(material, traceability.of_lot(lot))
    assert _lot(db, "PK-2026-052").imported and set(stock_demo.CERTIFICATES) == {
        "PK-2026-031", "PK-2026-052", "CB-2026-110", "EG-2026-301"}


@pytest.mark.parametrize("schema", ["LotCreate", "ReceiptIn", "InIn", "RecoveryIn"])
def test_the_openapi_document_declares_the_certificates_on_every_receipt_body(client, schema):
    """The four bodies that bring a new lot in (docs/api.md): each takes the certificate fields."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    name = next(key for key in schemas if key == schema or key.startswith(f"{schema}."))
    properties = schemas[name]["properties"]
    assert set(traceability.FIELDS) <= set(properties)
    assert properties["imported"]["type"] == "boolean" and properties["origin"]["maxLength"] == 128
