"""Temporary additions over the API (reserve-materials-measures §二(四)): approved by the government, a reserve
variety for their period, then let lapse or proposed into the catalogue — a decision recorded either way — with
``addition_ending`` before the end that stays open until the decision."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, CatalogueLine, Material, TemporaryAddition
from inventory.services.plans import varieties
from tests.alerts.helpers import alert_for, scan
from tests.helpers import assert_error, count_rows
from tests.plans.making import act, addition_body, submitted_addition

PATH = "/temporary-additions"


def _ended(db, addition_id: int, days_ago: int = 1) -> None:
    today = business_today()
    db.execute(update(TemporaryAddition).where(TemporaryAddition.id == addition_id).values(
        starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=days_ago)))
    db.commit()


def _material_id(db, code: str) -> int:
    return db.exec(select(Material.id).where(Material.code == code)).one()


def test_an_approved_addition_makes_a_variety_for_its_period_and_is_then_let_lapse(app, api, db):
    """§二(四): 报市人民政府批准 — in force, the material counts; at the end the bureau decides, recorded."""
    made = submitted_addition(api, material="SALT", user="coordinator", ends_on=(
        business_today() + timedelta(days=5)).isoformat())
    path = f"{PATH}/{made['id']}"
    assert made["status"] == "submitted" and api("gov").get(path).get_json()["actions"] == ["approve", "reject"]
    assert_error(act(api, "indapprover", path, "approve"), 403, "forbidden")
    approved = act(api, "gov", path, "approve", "同意").get_json()
    assert approved["status"] == "in_force"
    assert _material_id(db, "SALT") in varieties.varieties(db, business_today())
    assert_error(act(api, "indapprover", path, "lapse"), 409, "illegal_transition")  # not ended yet
    with app.app_context():
        scan(db, "addition_ending")
    assert alert_for(db, "addition_ending", made["id"]).severity == "warning"
    _ended(db, made["id"])
    with app.app_context():
        scan(db, "addition_ending")
    assert alert_for(db, "addition_ending", made["id"]).severity == "critical"
    assert_error(act(api, "emapprover", path, "lapse"), 404, "not_found")  # SALT is the industry bureau's
    lapsed = act(api, "indapprover", path, "lapse", "到期不再储备").get_json()
    assert lapsed["status"] == "lapsed" and lapsed["decision_note"] == "到期不再储备" and lapsed["decided_by"]
    assert [s["action"] for s in lapsed["timeline"]] == ["request", "submit", "approve", "lapse"]
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "temporary_addition.lapse")).one()
    with app.app_context():
        scan(db, "addition_ending")
    assert alert_for(db, "addition_ending", made["id"]).resolved_at is not None


def test_proposing_adds_the_line_to_the_draft_catalogue_version_copied_from_the_one_in_force(api, db):
    """§二(四): 或者纳入储备目录 — through the catalogue's own chain (a draft version)."""
    made = submitted_addition(api)
    path = f"{PATH}/{made['id']}"
    act(api, "gov", path, "approve")
    _ended(db, made["id"], days_ago=0)
    proposed = act(api, "coordinator", path, "propose", "纳入目录").get_json()
    assert proposed["status"] == "proposed" and proposed["catalogue_version_id"]
    draft = api("coordinator").get(f"/catalogue-versions/{proposed['catalogue_version_id']}").get_json()
    assert draft["status"] == "draft" and draft["timeline"][-1]["action"] == "propose"
    maize = next(line for line in draft["lines"] if line["material"] == "MAIZE")
    assert maize["target_quantity"] == "2300.000"  # the demo's 2,000 t and the addition's 300 t
    second = submitted_addition(api, material="WHEAT")
    act(api, "gov", f"{PATH}/{second['id']}", "approve")
    _ended(db, second["id"])
    again = act(api, "approver", f"{PATH}/{second['id']}", "propose").get_json()
    assert again["catalogue_version_id"] == draft["id"]
    assert count_rows(db, CatalogueLine) > 0


def test_a_rejection_returns_the_draft_and_four_eyes_hold(api, db):
    made = submitted_addition(api)
    path = f"{PATH}/{made['id']}"
    assert_error(act(api, "gov", path, "reject"), 422, "validation_error")
    back = act(api, "gov", path, "reject", "理由不足").get_json()
    assert back["status"] == "draft" and back["rejection_note"] == "理由不足"
    assert_error(act(api, "emofficer", path, "submit"), 404, "not_found")
    assert act(api, "officer", path, "withdraw").get_json()["status"] == "withdrawn"
    assert_error(act(api, "officer", path, "submit"), 409, "illegal_transition")


def test_bad_input_is_named_and_nothing_is_written(api, db):
    before = count_rows(db, TemporaryAddition)
    today = business_today()
    error = assert_error(api("officer").post(PATH, json=addition_body(
        starts_on=today.isoformat(), ends_on=(today - timedelta(days=1)).isoformat())), 422, "validation_error")
    assert list(error["fields"]) == ["ends_on"]
    error = assert_error(api("officer").post(PATH, json=addition_body(material="TENT")), 422, "validation_error")
    assert list(error["fields"]) == ["material"]  # the emergency bureau's, not the grain bureau's
    assert_error(api("officer").post(PATH, json=addition_body(quantity="-3")), 422, "validation_error")
    assert_error(api("officer").post(PATH, json=addition_body(material="NOPE")), 422, "validation_error")
    assert_error(api("officer").post(PATH, json=addition_body(enterprise="BUR-GRAIN")), 422, "validation_error")
    assert_error(api("clerk").post(PATH, json=addition_body()), 403, "forbidden")
    assert count_rows(db, TemporaryAddition) == before


def test_tenancy_another_bureau_and_another_enterprise_get_404(api, db):
    made = submitted_addition(api, enterprise="ENT-BAZHOU")
    path = f"{PATH}/{made['id']}"
    assert_error(api("emofficer").get(path), 404, "not_found")
    assert_error(api("clerk").get(path), 404, "not_found")
    assert api("coordinator").get(path).status_code == 200
    assert made["id"] not in {row["id"] for row in api("clerk").get(PATH).get_json()["items"]}
