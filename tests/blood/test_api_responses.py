"""The response checklist and the temporary blood-handling units over the API (docs/api.md, blood; blood-supply
plan §四 and §六(三))."""
from __future__ import annotations

from sqlmodel import select

from inventory.models import BloodResponse
from tests.blood.web import emergency
from tests.helpers import assert_error, count_rows, user_named


def test_the_checklist_is_read_and_ticked_once(db, api):
    """§四(三)1–3: Level III's measures in the plan's order."""
    row = emergency(db, "III", status="confirmed")
    path = f"/blood/emergencies/{row.id}/responses"
    found = api("gov").get(path)
    assert found.status_code == 200
    assert [m["measure"] for m in found.get_json()["measures"]] == ["III.1", "III.2", "III.3"]
    done = api("health").post(path, json={"measure": "III.2", "note": "各县区启动应急献血队伍"})
    assert done.status_code == 201
    ticked = next(m for m in done.get_json()["measures"] if m["measure"] == "III.2")
    assert ticked["done"] and ticked["done_by"] == user_named(db, "health").id and ticked["done_at"]
    assert_error(api("health").post(path, json={"measure": "III.2"}), 409, "already_done")
    assert_error(api("health").post(path, json={"measure": "IV.1"}), 422, "validation_error")
    assert_error(api("clerk").post(path, json={"measure": "III.1"}), 403, "forbidden")
    assert_error(api("clerk").get(path), 403, "forbidden")
    assert count_rows(db, BloodResponse) == 1
    assert db.exec(select(BloodResponse.note)).one() == "各县区启动应急献血队伍"


def test_units_only_for_levels_ii_and_i(db, api):
    """§六(三): temporary blood-handling units in a Level II or I emergency."""
    two, four = emergency(db, "II", status="confirmed", origin="declared"), emergency(db, "IV", status="confirmed")
    body = {"name": "霸州市第三医院", "kind": "hospital", "designated_by": "city"}
    done = api("health").post(f"/blood/emergencies/{two.id}/units", json=body)
    assert done.status_code == 201 and done.get_json()["units"][0]["name"] == "霸州市第三医院"
    assert_error(api("health").post(f"/blood/emergencies/{four.id}/units", json=body), 422, "validation_error")
    assert_error(api("blood").post(f"/blood/emergencies/{two.id}/units", json=body), 403, "forbidden")
    assert_error(api("health").get("/blood/emergencies/999999/responses"), 404, "not_found")


def test_the_end_of_a_level_over_the_api(db, api):
    """§五: the assessment first, the level's authority decides, the review closes it."""
    row = emergency(db, "IV", status="confirmed")
    base = f"/blood/emergencies/{row.id}"
    found = api("viewer").get(f"{base}/responses").get_json()["end"]
    assert (found["authority"], found["closed"], found["needed"]) == ("health_commission", False, 7)
    assert_error(api("health").post(f"{base}/termination", json={"authority": "health_commission"}), 422,
                 "validation_error")
    assert_error(api("health").post(f"{base}/review", json={"review": "x"}), 409, "illegal_transition")
    assert api("health").post(f"{base}/assessment", json={"assessment": "专家组建议终止"}).status_code == 201
    assert_error(api("health").post(f"{base}/assessment", json={"assessment": "again"}), 409, "already_done")
    assert_error(api("health").post(f"{base}/termination", json={"authority": "province"}), 422, "validation_error")
    assert api("health").post(f"{base}/termination", json={"authority": "health_commission"}).status_code == 201
    done = api("health").post(f"{base}/review", json={"review": "总结评估"})
    assert done.status_code == 201 and done.get_json()["end"]["closed"]
    assert_error(api("blood").post(f"{base}/assessment", json={"assessment": "x"}), 403, "forbidden")
