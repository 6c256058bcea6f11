"""``GET /api/v1/inbox``: the caller's role inbox, the same list as the web's, across every registered flow."""
from __future__ import annotations

from inventory.services.workflows import inbox
from inventory.services.workflows.registry import FLOWS
from tests.helpers import assert_error, user_named
from tests.workflows.waiting import MAKERS


def test_the_inbox_lists_what_waits_for_the_caller_with_the_actions_they_may_take(api, db):
    waiting = {name: MAKERS[name](api, db) for name in FLOWS}
    for name, made in waiting.items():  # each in its decider's inbox (the grain approver's, a clerk's)
        body = api(made.decider).get("/inbox")
        assert body.status_code == 200
        item = {(item["flow"], item["id"]): item for item in body.get_json()["items"]}[(name, made.row_id)]
        assert made.action in item["actions"]
        assert item["title"] and item["status"] and item["requested_by"] == user_named(db, made.requester).id
        assert item["requested_at"].endswith("+00:00")
    # every listed action can be taken by the reader: none answers 403 (or 404)
    for name, made in waiting.items():
        response = api(made.decider).post(f"{made.path}/actions/{made.action}", json={"note": "ok"})
        assert response.status_code == 200, (name, response.get_json())
    for decider in {made.decider for made in waiting.values()}:
        assert not [i for i in api(decider).get("/inbox").get_json()["items"]
                    if (i["flow"], i["id"]) in {(n, m.row_id) for n, m in waiting.items() if m.action in i["actions"]}]


def test_the_inbox_shows_nothing_of_another_bureau_or_to_the_requester(api, db):
    waiting = {name: MAKERS[name](api, db) for name in FLOWS}
    # the rows of the grain bureau's remit (all but the relief tents' scrap) reach no emergency-bureau approver's
    # inbox, and the tents' scrap no grain approver's
    emergency = {(n, m.row_id) for n, m in waiting.items() if m.decider == "emapprover"}
    grain = {(n, m.row_id) for n, m in waiting.items()} - emergency
    assert emergency, "the check is not vacuous"
    for other, theirs_not in (("emapprover", grain), ("approver", emergency)):
        assert not {(i["flow"], i["id"]) for i in api(other).get("/inbox").get_json()["items"]} & theirs_not
    for item in api("clerk").get("/inbox").get_json()["items"]:
        assert "approve" not in item["actions"]  # four eyes: the requester never decides


def test_the_api_inbox_is_the_service_inbox_for_every_role(api, db):
    for name in FLOWS:
        MAKERS[name](api, db)
    for username in ("admin", "approver", "emapprover", "clerk", "manager", "inspector", "viewer"):
        listed = {(i["flow"], i["id"], tuple(i["actions"])) for i in api(username).get("/inbox").get_json()["items"]}
        expected = {(i.flow.name, i.row.id, tuple(i.actions))
                    for i in inbox.items_for(session=db, user=user_named(db, username))}
        assert listed == expected, username


def test_the_inbox_needs_a_token(client):
    assert_error(client.get("/api/v1/inbox"), 401, "unauthorized")
