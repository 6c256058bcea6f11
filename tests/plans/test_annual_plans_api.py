"""Annual plans over the API (reserve-materials-measures §二(三)): versions of a year through the co-signing chain,
approval superseding the same year's version only, amendments as new versions, reserve varieties only."""
from __future__ import annotations

from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AnnualPlan, AnnualPlanLine, WorkflowStep
from tests.helpers import assert_error, count_rows
from tests.plans.making import act, cosigned, draft_plan

PATH = "/annual-plans"


def _in_force(api, year: int) -> list[dict]:
    return api("gov").get(f"{PATH}?year={year}&status=in_force").get_json()["items"]


def test_a_plan_version_supersedes_only_its_own_years_version_in_force(api, db):
    """§二(三): the government approves the plan; amendments are new versions; every version is kept."""
    year = business_today().year
    demo = _in_force(api, year)[0]
    next_year = draft_plan(api, year=year + 1)
    cosigned(api, f"{PATH}/{next_year['id']}")
    assert act(api, "gov", f"{PATH}/{next_year['id']}", "approve").get_json()["status"] == "in_force"
    assert [p["id"] for p in _in_force(api, year)] == [demo["id"]]
    amendment = api("officer").post(f"{PATH}/{demo['id']}/amend").get_json()
    assert (amendment["year"], amendment["version"], amendment["amends_id"]) == (year, demo["version"] + 1, demo["id"])
    path = f"{PATH}/{amendment['id']}"
    assert amendment["parties"][:2] == ["CO-NDRC", "CO-FIN"] and len(amendment["parties"]) > 4
    edited = api("officer")._call("PUT", path, json={"lines": [
        {"material": "WHEAT", "enterprise": "ENT-GRAIN", "target_quantity": "6500"}]})
    assert edited.status_code == 200, edited.get_json()
    cosigned(api, path, signers=("coordinator", "finance", "approver"))
    approved = act(api, "gov", path, "approve").get_json()
    assert approved["status"] == "in_force"
    assert api("gov").get(f"{PATH}/{demo['id']}").get_json()["status"] == "superseded"
    assert [p["id"] for p in _in_force(api, year + 1)] == [next_year["id"]]
    versions = api("clerk").get(f"{PATH}?year={year}").get_json()["items"]
    assert [v["version"] for v in versions] == [1, 2]


def test_a_line_outside_the_reserve_varieties_is_refused_by_name_and_nothing_is_written(api, db, token_for):
    """§二(三) on §二(二): a plan lists reserve varieties only — the catalogue in force, or an addition in force."""
    version = api("gov").get("/catalogue-versions?status=in_force").get_json()["items"][0]
    amend = api("officer").post(f"/catalogue-versions/{version['id']}/amend").get_json()
    api("officer")._call("PUT", f"/catalogue-versions/{amend['id']}", json={"lines": [
        {"material": "WHEAT", "target_quantity": "8000"}]})
    path = f"/catalogue-versions/{amend['id']}"
    cosigned(api, path, signers=("coordinator", "finance", "approver"))
    assert act(api, "gov", path, "approve").status_code == 200
    before = count_rows(db, AnnualPlan), count_rows(db, AnnualPlanLine), count_rows(db, WorkflowStep)
    response = api("officer").post(PATH, json={"year": business_today().year, "lines": [
        {"material": "WHEAT", "target_quantity": "10"}, {"material": "TENT", "target_quantity": "10"}]})
    error = assert_error(response, 422, "validation_error")
    assert list(error["fields"]) == ["lines[1].material"] and "TENT" in error["fields"]["lines[1].material"][0]
    assert (count_rows(db, AnnualPlan), count_rows(db, AnnualPlanLine), count_rows(db, WorkflowStep)) == before


def test_bad_input_is_named_and_nothing_is_written(api, db):
    before = count_rows(db, AnnualPlan), count_rows(db, AnnualPlanLine)
    error = assert_error(api("officer").post(PATH, json={"year": 2026, "lines": [
        {"material": "WHEAT", "enterprise": "BUR-GRAIN", "target_quantity": "1"},
        {"material": "UNKNOWN", "target_quantity": "1"},
        {"material": "RICE", "target_quantity": "1"}, {"material": "RICE", "target_quantity": "2"}]}),
        422, "validation_error")
    assert set(error["fields"]) == {"lines[0].enterprise", "lines[1].material", "lines[3].material"}
    assert_error(api("officer").post(PATH, json={"year": 2026, "lines": [
        {"material": "WHEAT", "target_quantity": "-1"}]}), 422, "validation_error")
    assert_error(api("officer").post(PATH, json={"year": 1999, "lines": []}), 422, "validation_error")
    assert (count_rows(db, AnnualPlan), count_rows(db, AnnualPlanLine)) == before


def test_guards_of_the_plan_chain(api, db):
    """Four eyes (§二(三)): the drafter neither signs nor approves; a signer does not approve; wrong party 403."""
    made = draft_plan(api, user="approver")
    path = f"{PATH}/{made['id']}"
    assert act(api, "approver", path, "submit").status_code == 200
    assert_error(act(api, "approver", path, "sign"), 403, "forbidden")
    assert_error(act(api, "gov", path, "approve"), 409, "illegal_transition")
    assert_error(act(api, "manager", path, "sign"), 404, "not_found")
    for user in ("coordinator", "finance", "emapprover"):
        assert act(api, user, path, "sign").status_code == 200
    assert_error(act(api, "emapprover", path, "sign"), 409, "illegal_transition")
    # the grain bureau drafted it: its approver cannot sign for it, so it waits for nobody else — it cannot close
    assert api("gov").get(path).get_json()["missing"] == ["BUR-GRAIN"]
    assert_error(act(api, "coordinator", path, "withdraw"), 409, "illegal_transition")


def test_an_enterprise_does_not_see_draft_plans(api, db):
    made = draft_plan(api)
    assert_error(api("clerk").get(f"{PATH}/{made['id']}"), 404, "not_found")
    assert api("emofficer").get(f"{PATH}/{made['id']}").status_code == 200
    assert db.exec(select(AnnualPlan).where(AnnualPlan.id == made["id"])).one().status == "draft"
