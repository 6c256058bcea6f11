"""Tenancy matrix for stock: every demo user against materials, facilities, lots, movements, counts,
transfers and adjustments. An enterprise sees and changes only its own stock (DESIGN §1); a bureau sees
the materials in its remit; coordinators and the government see the city."""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.models import Lot
from inventory.services.system import demo
from inventory.services.stock.demo import LOTS, MATERIALS

ORG_OF = {username: org for username, org, *_ in demo.USERS}
ROLE_OF = {username: role for username, _org, role, _ in demo.USERS}
BUREAU_OF_MATERIAL = {code: bureau for code, *_rest, bureau in MATERIALS}
ENTERPRISE_OF_CLERK = {"clerk": "ENT-GRAIN", "coldclerk": "ENT-COLD", "reliefclerk": "ENT-RELIEF"}
LOT_ENTERPRISE = {code: ENTERPRISE_OF_CLERK[clerk] for clerk, code, *_ in LOTS}
LOT_MATERIAL = {code: material for _clerk, code, material, *_ in LOTS}
CITY = {"admin", "coordinator", "finance", "gov", "viewer"}
PROBES = ["WH-2024-001", "PK-2026-031", "TENT-2020-01", "MASK-2024-09"]


def visible_lot_codes(username: str) -> set[str]:
    org = ORG_OF[username]
    if username in CITY:
        return set(LOT_ENTERPRISE)
    if org.startswith("ENT-"):
        return {code for code, ent in LOT_ENTERPRISE.items() if ent == org}
    if org.startswith("BUR-"):
        return {code for code, m in LOT_MATERIAL.items() if BUREAU_OF_MATERIAL[m] == org}
    return set()


USERS = sorted(ORG_OF)


@pytest.mark.parametrize("username", USERS)
def test_lot_list(api, username):
    codes = {i["lot_code"] for i in api(username).get("/lots?limit=500").get_json()["items"]}
    assert codes == visible_lot_codes(username)


@pytest.mark.parametrize("username", USERS)
def test_lot_and_ledger_reads(api, db, username):
    for code in PROBES:
        lot_id = db.exec(select(Lot.id).where(Lot.lot_code == code)).one()
        expected = 200 if code in visible_lot_codes(username) else 404
        assert api(username).get(f"/lots/{lot_id}").status_code == expected, code
        assert api(username).get(f"/lots/{lot_id}/movements").status_code == expected, code


@pytest.mark.parametrize("username", USERS)
def test_issue_only_from_own_enterprise(api, db, username):
    for code in PROBES:
        lot_id = db.exec(select(Lot.id).where(Lot.lot_code == code)).one()
        status = api(username).post(f"/lots/{lot_id}/movements", json={"kind": "issue", "quantity": "1"}).status_code
        own = ROLE_OF[username] in {"enterprise_clerk", "enterprise_manager"} and LOT_ENTERPRISE[code] == ORG_OF[username]
        if own:
            assert status == 201
        elif code in visible_lot_codes(username):
            assert status == 403
        else:
            assert status == 404


@pytest.mark.parametrize("username", USERS)
def test_facility_list(api, username):
    enterprises = {f["enterprise"] for f in api(username).get("/facilities?limit=500").get_json()["items"]}
    org = ORG_OF[username]
    if username in CITY or org.startswith("BUR-"):
        assert enterprises == {"ENT-GRAIN", "ENT-COLD", "ENT-RELIEF", "ENT-BAZHOU"}
    elif org.startswith("ENT-"):
        assert enterprises == {org}
    else:
        assert enterprises == set()


@pytest.mark.parametrize("username", USERS)
def test_catalogue_is_readable_by_everyone(api, username):
    assert len(api(username).get("/materials?limit=500").get_json()["items"]) == len(MATERIALS)


@pytest.mark.parametrize("username", USERS)
def test_receive_only_into_own_facilities(api, username):
    body = {"material": "WHEAT", "facility": "GR-01", "lot_code": f"M-{username}", "quantity": "1"}
    status = api(username).post("/lots", json=body).status_code
    if ROLE_OF[username] in {"enterprise_clerk", "enterprise_manager"}:
        assert status == (201 if ORG_OF[username] == "ENT-GRAIN" else 422)
    else:
        assert status == 403


@pytest.fixture
def workflows(api, db):
    """One transfer awaiting approval, one pending adjustment and one open count per enterprise."""
    made = {}
    for clerk, moved, target, written_down, facility in (
        ("clerk", "WH-2025-014", "GR-03", "WH-2025-014", "GR-01"),
        ("coldclerk", "PK-2026-031", "CS-03", "PK-2026-052", "CS-01"),
    ):
        ids = {code: db.exec(select(Lot.id).where(Lot.lot_code == code)).one() for code in (moved, written_down)}
        transfer = api(clerk).post("/transfers", json={"lot": ids[moved], "to_facility": target, "quantity": "1", "reason": "r"})
        adjustment = api(clerk).post(f"/lots/{ids[written_down]}/movements",
                                     json={"kind": "adjustment", "quantity": "-50", "note": "n"})
        count = api(clerk).post("/counts", json={"facility": facility})
        made[ENTERPRISE_OF_CLERK[clerk]] = (transfer.get_json()["id"], adjustment.get_json()["adjustment"]["id"],
                                            count.get_json()["id"])
    return made


#: the bureau responsible for the materials of each enterprise's workflow rows (wheat; eggs and pork)
WORKFLOW_BUREAU = {"ENT-GRAIN": "BUR-GRAIN", "ENT-COLD": "BUR-COMMERCE"}


@pytest.mark.parametrize("username", USERS)
def test_workflow_rows_visibility(api, workflows, username):
    """A bureau sees a transfer, write-down or count only when it concerns a material in its remit."""
    org = ORG_OF[username]
    if username in CITY:
        expected = set(workflows)
    elif org.startswith("BUR-"):
        expected = {ent for ent in workflows if WORKFLOW_BUREAU[ent] == org}
    elif org.startswith("ENT-"):
        expected = {org} & set(workflows)
    else:
        expected = set()
    for index, path in enumerate(("/transfers", "/adjustments", "/counts")):
        ids = {i["id"] for i in api(username).get(path + "?limit=500").get_json()["items"]}
        assert ids == {workflows[ent][index] for ent in expected}, path


@pytest.mark.parametrize("username", USERS)
def test_only_the_responsible_bureau_approver_decides(api, workflows, username):
    transfer_id, adjustment_id, _ = workflows["ENT-GRAIN"]
    status = api(username).post(f"/adjustments/{adjustment_id}/actions/approve", json={}).status_code
    org = ORG_OF[username]
    sees_it = username in CITY or org in {"BUR-GRAIN", "ENT-GRAIN"}
    if username == "approver":
        assert status == 200
    else:
        assert status == (403 if sees_it else 404)


@pytest.mark.parametrize("username", ["officer", "approver", "emofficer", "emapprover", "health"])
def test_a_bureau_reads_the_audit_events_of_its_remit_only(api, username):
    """Issue 7 item 1: the emergency bureau read 31 events about grain receipts; now each bureau reads only the
    events about lots of its own materials."""
    events = api(username).get("/audit?entity=lot&limit=500").get_json()["items"]
    codes = {event["after"]["lot_code"] for event in events if event["action"] == "lot.receive"}
    assert codes == visible_lot_codes(username)
