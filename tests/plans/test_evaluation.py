"""The annual evaluation (年度综合考评, reserve-materials-measures §二(五)3): facts measured from the records of the
year with exact deductions, the evaluator's bounded and explained adjustment, four eyes and decided once on
finalising, and tenancy (an enterprise its own, a bureau its enterprises)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from sqlmodel import select

from inventory.models import (
    CountMismatch, Evaluation, Excursion, Facility, Inspection, InspectionFinding, Instruction, Lot, Movement,
    Sanction, StatisticsReport, StockCount,
)
from inventory.services.plans import evaluation
from tests.helpers import assert_error, count_rows, org_coded, user_named

YEAR = 2025


def _at(month: int, day: int = 15) -> datetime:
    return datetime(YEAR, month, day, 4, tzinfo=timezone.utc)


def _report(db, month: int, rows: list[dict]) -> None:
    db.add(StatisticsReport(period_start=date(YEAR, month, 1), period_end=date(YEAR, month, 28), scope_key="city",
                            content={"enterprises": rows}))


def _grain_year(db) -> int:
    """ENT-GRAIN's records of 2025: every kind of fact, a known number of each."""
    grain, officer = org_coded(db, "ENT-GRAIN"), user_named(db, "officer")
    lot = db.exec(select(Lot).where(Lot.lot_code == "WH-2024-001")).one()
    facility = db.exec(select(Facility).where(Facility.code == "GR-01")).one()
    count = StockCount(facility_id=facility.id, enterprise_id=grain.id, opened_by=officer.id, status="approved")
    db.add(count)
    db.flush()
    for _ in range(2):
        db.add(CountMismatch(count_id=count.id, lot_id=lot.id, enterprise_id=grain.id, book=Decimal(10),
                             counted=Decimal(9), difference=Decimal(-1), created_at=_at(3)))
    db.add(Movement(lot_id=lot.id, seq=900, kind="adjustment", quantity=Decimal(-5), on_hand_after=Decimal(0),
                    at=_at(6), hash="x"))
    db.add(Movement(lot_id=lot.id, seq=901, kind="adjustment", quantity=Decimal(5), on_hand_after=Decimal(0),
                    at=_at(6), hash="y"))  # a write-up is no write-down
    for code, status, late in (("I-REF", "refused", False), ("I-LATE", "executed", True), ("I-OK", "executed", False)):
        db.add(Instruction(code=code, kind="release", status=status, late=late, enterprise_id=grain.id,
                           material_id=lot.material_id, quantity=Decimal(1), deadline=date(YEAR, 5, 1),
                           issued_by=officer.id, issuing_org_id=officer.org_id))
    for hour in range(3):
        db.add(Excursion(facility_id=facility.id, rule_code="R", storage_class="ambient", metric="temperature",
                         comparison="above", threshold=Decimal(25), minutes=30, mode="continuous",
                         started_at=_at(7, 1 + hour), ended_at=_at(7, 1 + hour), ongoing=False, peak=Decimal(30),
                         duration_seconds=3600))
    inspection = Inspection(code="INS-T", enterprise_id=grain.id, bureau_id=officer.org_id,
                            inspected_on=date(YEAR, 8, 1), scope="all", recorded_by=user_named(db, "inspector").id)
    db.add(inspection)
    db.flush()
    db.add(InspectionFinding(inspection_id=inspection.id, enterprise_id=grain.id, bureau_id=officer.org_id,
                             kind="false_quantity", evidence="e", recorded_by=inspection.recorded_by,
                             created_at=_at(8)))
    db.add(Sanction(code="S-T", kind="interview", status="recorded", enterprise_id=grain.id,
                    inspection_id=inspection.id, bureau_id=officer.org_id, org_id=officer.org_id,
                    decided_on=date(YEAR, 8, 2), minutes="m", proposed_by=officer.id))
    # coverage kept: 80 % in one month; in the other 50 % + 30 % allowed (a rotation in its window) and a second
    # material over-covered (counted as full): (0.8 + (0.8 + 1) / 2) / 2 = 0.85, 15 points short
    _report(db, 3, [{"enterprise_id": grain.id, "plan_quantity": "100", "available": "80", "allowed_shortfall": "0"}])
    _report(db, 4, [{"enterprise_id": grain.id, "plan_quantity": "100", "available": "50", "allowed_shortfall": "30"},
                    {"enterprise_id": grain.id, "plan_quantity": "100", "available": "200", "allowed_shortfall": "0"},
                    {"enterprise_id": 9999, "plan_quantity": "100", "available": "0", "allowed_shortfall": "0"}])
    db.commit()
    return grain.id


def test_the_facts_of_the_year_give_exact_deductions(app, db):
    """§二(五)3 年度综合考评: each registered fact measured for the year, deducted per unit up to its cap."""
    grain_id = _grain_year(db)
    with app.app_context():
        facts, score = evaluation.measure(db, grain_id, YEAR)
    assert {key: (Decimal(f["value"]), Decimal(f["deducted"])) for key, f in facts.items()} == {
        "coverage_shortfall": (Decimal("15.0"), Decimal("7.5")),
        "count_differences": (2, 4), "write_downs": (1, 1), "instructions_missed": (2, 10),
        "temperature_excursions": (3, 3), "inspection_findings": (1, 3), "sanctions": (1, 10)}
    assert score == Decimal("61.5")
    with app.app_context():  # the year before has none of them
        assert evaluation.measure(db, grain_id, YEAR - 1)[1] == Decimal(100)


def test_a_deduction_stops_at_its_cap():
    """§二(五)3: one fact cannot sink the score by itself beyond its cap."""
    from inventory.services.plans.evaluation_facts import FACTS
    assert FACTS["temperature_excursions"].deduction(Decimal(40)) == Decimal(15)


def _computed(api, db, user: str = "officer") -> dict:
    response = api(user).post("/evaluations", json={"enterprise": org_coded(db, "ENT-GRAIN").id, "year": YEAR})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_compute_adjust_and_finalise_with_four_eyes(api, db):
    """§二(五)3: the evaluator adjusts with a comment; another person finalises, once."""
    _grain_year(db)
    made = _computed(api, db)
    assert made["computed_score"] == "61.500" and made["status"] == "draft" and made["review_recommended"] is False
    path = f"/evaluations/{made['id']}"
    adjusted = api("coordinator").post(f"{path}/adjust", json={"adjustment": "-5", "comment": "多次整改不到位"})
    assert adjusted.status_code == 200, adjusted.get_json()
    assert adjusted.get_json()["final_score"] == "56.500" and adjusted.get_json()["review_recommended"] is True
    assert_error(api("coordinator").post(f"{path}/actions/finalise", json={}), 403, "forbidden")  # set it: four eyes
    assert api("approver").post(f"{path}/actions/finalise", json={}).status_code == 200
    assert_error(api("finance").post(f"{path}/actions/finalise", json={}), 409, "illegal_transition")
    assert_error(api("officer").post("/evaluations", json={"enterprise": made["enterprise_id"], "year": YEAR}),
                 409, "illegal_transition")  # no recomputation once final
    assert_error(api("officer").post(f"{path}/adjust", json={"adjustment": 0}), 409, "illegal_transition")
    assert evaluation.latest_evaluation(db, made["enterprise_id"]).id == made["id"]


def test_the_adjustment_is_bounded_and_explained(api, db):
    """§二(五)3: an adjustment of −20…+20; a non-zero one needs the evaluator's comment; nothing written else."""
    made = _computed(api, db)
    path = f"/evaluations/{made['id']}/adjust"
    for body in ({"adjustment": 21, "comment": "x"}, {"adjustment": "-20.5", "comment": "x"}, {"adjustment": "abc"}):
        assert api("officer").post(path, json=body).status_code == 422
    error = assert_error(api("officer").post(path, json={"adjustment": 3, "comment": "  "}), 422, "validation_error")
    assert "comment" in error["fields"]
    db.expire_all()
    row = db.get(Evaluation, made["id"])
    assert row.adjustment == 0 and row.comment == ""
    assert api("officer").post(path, json={"adjustment": 0}).status_code == 200


def test_tenancy_of_evaluations(api, db):
    """§二(五)3 and docs/plans.md: an enterprise sees only its own evaluation; a bureau only its enterprises'."""
    made = _computed(api, db)
    cold = org_coded(db, "ENT-COLD").id
    assert api("manager").get(f"/evaluations/{made['id']}").status_code == 200
    assert_error(api("coldmanager").get(f"/evaluations/{made['id']}"), 404, "not_found")
    assert_error(api("emapprover").get(f"/evaluations/{made['id']}"), 404, "not_found")
    # the grain bureau neither evaluates ENT-COLD (it keeps no grain) nor sees its evaluation
    assert_error(api("officer").post("/evaluations", json={"enterprise": cold, "year": YEAR}), 404, "not_found")
    theirs = api("coordinator").post("/evaluations", json={"enterprise": cold, "year": YEAR}).get_json()
    assert_error(api("approver").get(f"/evaluations/{theirs['id']}"), 404, "not_found")
    assert [e["id"] for e in api("approver").get(f"/evaluations?year={YEAR}").get_json()["items"]] == [made["id"]]
    assert_error(api("manager").post("/evaluations", json={"enterprise": made["enterprise_id"], "year": YEAR}),
                 403, "forbidden")
    assert api("officer").post("/evaluations", json={"enterprise": cold, "year": 2999}).status_code == 422
    assert count_rows(db, Evaluation) == 2


def test_the_ranking_page_flags_a_low_score(login_as, api, db):
    """§二(五)3: the ranking shows each enterprise's facts and flags a final score below the threshold."""
    _grain_year(db)
    made = _computed(api, db)
    api("officer").post(f"/evaluations/{made['id']}/adjust", json={"adjustment": -10, "comment": "整改不到位"})
    client = login_as("approver")
    client.get("/lang/en")
    page = client.get(f"/plans/evaluations/?year={YEAR}").get_data(as_text=True)
    assert "qualification review recommended" in page and "Coverage kept through the year: −7.5" in page
    shown = client.get(f"/plans/evaluations/{made['id']}").get_data(as_text=True)
    assert 'id="finalise-form"' in shown and 'data-fact="sanctions"' in shown
    assert client.post(f"/plans/evaluations/{made['id']}/finalise").status_code == 302
    db.expire_all()
    assert db.get(Evaluation, made["id"]).status == "final"
