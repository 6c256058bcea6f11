"""The inbox along a scrap's way (reserve-materials-measures §三): each step waits for exactly the people who may
take it — the bureau's approver, then a second person of the bureau as witness (never the approver: four eyes),
then the enterprise to execute — and the replenishment it opens waits for the bureau's approver."""
from __future__ import annotations

import pytest

from tests.workflows.waiting import submitted_rotation, submitted_scrap


@pytest.fixture(autouse=True)
def evidence_folder(app, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "evidence")


def _listed(api, username: str) -> set[tuple[str, int]]:
    response = api(username).get("/inbox")
    assert response.status_code == 200, response.get_json()
    return {(item["flow"], item["id"]) for item in response.get_json()["items"]}


def _waiting_for(api, entry: tuple[str, int], users: tuple[str, ...]) -> set[str]:
    return {username for username in users if entry in _listed(api, username)}


PEOPLE = ("reliefclerk", "emofficer", "emapprover", "officer", "approver", "clerk", "gov")


def test_each_step_of_a_scrap_waits_for_whoever_may_take_it(api, db):
    made = submitted_scrap(api, db)
    entry = ("scrap", made.row_id)
    assert _waiting_for(api, entry, PEOPLE) == {"emapprover"}
    assert api("emapprover").post(f"/scraps/{made.row_id}/actions/approve", json={}).status_code == 200
    assert _waiting_for(api, entry, PEOPLE) == {"emofficer"}, "the approver may not witness"
    assert api("emofficer").post(f"/scraps/{made.row_id}/actions/witness", json={}).status_code == 200
    assert _waiting_for(api, entry, PEOPLE) == {"reliefclerk"}
    executed = api("reliefclerk").post(f"/scraps/{made.row_id}/actions/execute", json={}).get_json()
    assert _waiting_for(api, entry, PEOPLE) == set()
    replenishment = ("replenishment", executed["replenishment_id"])
    assert _waiting_for(api, replenishment, PEOPLE) == {"emapprover"}


def test_a_submitted_rotation_waits_for_the_bureaus_approver_only(api, db):
    made = submitted_rotation(api, db)
    assert _waiting_for(api, ("rotation", made.row_id), PEOPLE) == {"approver"}
    assert api("approver").post(f"/rotations/{made.row_id}/actions/approve", json={}).status_code == 200
    assert _waiting_for(api, ("rotation", made.row_id), PEOPLE) == set()
