"""Catalogue versions over the API (reserve-materials-measures §二(二)): drafted, co-signed by CO-NDRC, CO-FIN and
every responsible bureau (会同), approved by the government, superseding the version in force; every guard."""
from __future__ import annotations

from sqlmodel import select

from inventory.models import AuditEvent, CatalogueLine, CatalogueVersion, PlanSignature, WorkflowStep
from tests.helpers import assert_error, count_rows
from tests.plans.making import LINES, act, cosigned, draft_version

PATH = "/catalogue-versions"


def _demo_in_force(api) -> dict:
    return api("gov").get(f"{PATH}?status=in_force").get_json()["items"][0]


def test_a_version_is_signed_by_every_party_approved_and_supersedes_the_one_in_force(api, db):
    """§二(二): 会同 drafting, the government approves; the version in force before is superseded at once."""
    old = _demo_in_force(api)
    made = draft_version(api)
    path = f"{PATH}/{made['id']}"
    assert made["status"] == "draft" and [line["bureau"] for line in made["lines"]] == ["BUR-GRAIN", "BUR-EMERGENCY"]
    assert made["parties"] == ["CO-NDRC", "CO-FIN", "BUR-GRAIN", "BUR-EMERGENCY"]
    assert made["actions"] == ["submit", "withdraw"]
    submitted = act(api, "officer", path, "submit").get_json()
    assert submitted["status"] == "cosigning" and submitted["missing"] == submitted["parties"]
    assert api("approver").get(path).get_json()["actions"] == ["reject", "sign"]
    for user in ("emapprover", "finance", "approver"):
        body = act(api, user, path, "sign").get_json()
        assert body["status"] == "cosigning"
    assert body["missing"] == ["CO-NDRC"]
    body = act(api, "coordinator", path, "sign").get_json()
    assert body["status"] == "cosigned" and body["missing"] == []
    assert {s["party"] for s in body["signatures"]} == {"CO-NDRC", "CO-FIN", "BUR-GRAIN", "BUR-EMERGENCY"}
    approved = act(api, "gov", path, "approve", "同意").get_json()
    assert approved["status"] == "in_force" and approved["approval_note"] == "同意"
    old_now = api("gov").get(f"{PATH}/{old['id']}").get_json()
    assert old_now["status"] == "superseded" and old_now["superseded_at"]
    # four parties sign; the last signature's system step (also ``sign``) moves it to co-signed
    assert [s["action"] for s in approved["timeline"]] == ["request", "submit", "sign", "sign", "sign", "sign",
                                                          "sign", "approve"]
    assert [s["action"] for s in old_now["timeline"]][-1] == "supersede"
    assert count_rows(db, PlanSignature) > 4
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "catalogue.approve",
                                            AuditEvent.entity_id == str(made["id"]))).one()


def test_four_eyes_the_drafter_never_signs_nor_approves(api, db):
    """§二(二): the drafter is not a signer; a party signs once; the government approves, not a signer."""
    made = draft_version(api, user="approver")
    path = f"{PATH}/{made['id']}"
    act(api, "approver", path, "submit")
    assert_error(act(api, "approver", path, "sign"), 403, "forbidden")
    assert act(api, "coordinator", path, "sign").status_code == 200
    assert_error(act(api, "coordinator", path, "sign"), 409, "illegal_transition")
    assert_error(act(api, "gov", path, "approve"), 409, "illegal_transition")
    assert_error(act(api, "gov", path, "sign"), 403, "forbidden")


def test_a_party_that_is_not_one_of_the_lines_bureaus_cannot_sign(api, db):
    """§二(二): the responsible bureaus of the lines sign — another bureau's approver does not."""
    made = draft_version(api, lines=[LINES[0]])
    path = f"{PATH}/{made['id']}"
    act(api, "officer", path, "submit")
    assert_error(act(api, "emapprover", path, "sign"), 403, "forbidden")
    assert_error(act(api, "clerk", path, "sign"), 404, "not_found")  # an enterprise does not see a draft
    assert_error(act(api, "officer", path, "sign"), 403, "forbidden")


def test_a_rejection_needs_a_reason_returns_to_draft_and_the_next_round_is_signed_afresh(api, db):
    """§二(二): a party may reject while signing; the signatures of the first round are kept with it."""
    made = draft_version(api)
    path = f"{PATH}/{made['id']}"
    act(api, "officer", path, "submit")
    act(api, "coordinator", path, "sign")
    assert_error(act(api, "coordinator", path, "reject", "改"), 409, "illegal_transition")
    assert_error(act(api, "finance", path, "reject"), 422, "validation_error")
    rejected = act(api, "finance", path, "reject", "规模过大").get_json()
    assert rejected["status"] == "draft" and rejected["round"] == 2 and rejected["rejection_note"] == "规模过大"
    assert rejected["signatures"] == []
    assert count_rows(db, PlanSignature) > 0
    edited = api("officer")._call("PUT", path, json={"title": "改", "lines": [{**LINES[0], "target_quantity": "8500"}]})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["parties"] == ["CO-NDRC", "CO-FIN", "BUR-GRAIN"]
    body = cosigned(api, path, signers=("coordinator", "finance", "approver"))
    assert body["round"] == 2
    back = act(api, "gov", path, "reject", "再议").get_json()
    assert back["status"] == "draft" and back["round"] == 3


def test_wrong_roles_and_illegal_steps(api, db):
    made = draft_version(api)
    path = f"{PATH}/{made['id']}"
    assert_error(act(api, "gov", path, "approve"), 409, "illegal_transition")
    assert_error(act(api, "coordinator", path, "submit"), 403, "forbidden")
    assert_error(act(api, "gov", path, "nonsense"), 422, "validation_error")
    assert_error(api("clerk").post(PATH, json={"lines": LINES}), 403, "forbidden")
    withdrawn = act(api, "officer", path, "withdraw").get_json()
    assert withdrawn["status"] == "withdrawn"
    assert_error(act(api, "officer", path, "submit"), 409, "illegal_transition")
    assert_error(api("officer")._call("PUT", path, json={"lines": LINES}), 409, "illegal_transition")


def test_an_empty_draft_is_not_submitted(api, db):
    made = draft_version(api, lines=[])
    error = assert_error(act(api, "officer", f"{PATH}/{made['id']}", "submit"), 422, "validation_error")
    assert "lines" in error["fields"]


def test_bad_lines_are_named_and_nothing_is_written(api, db):
    before = count_rows(db, CatalogueVersion), count_rows(db, CatalogueLine), count_rows(db, WorkflowStep)
    response = api("officer").post(PATH, json={"lines": [
        {"material": "NOPE", "target_quantity": "1"}, {"material": "WHEAT", "target_quantity": "1"},
        {"material": "WHEAT", "target_quantity": "2"}]})
    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"lines[0].material", "lines[2].material"}
    assert_error(api("officer").post(PATH, json={"lines": [{"material": "WHEAT", "target_quantity": "-5"}]}),
                 422, "validation_error")
    assert_error(api("officer").post(PATH, json={"lines": [{"material": "WHEAT", "target_quantity": "5",
                                                            "storage_months": 0}]}), 422, "validation_error")
    assert_error(api("officer").post(PATH, json={"review_due_on": "2000-01-01", "lines": LINES}), 422,
                 "validation_error")
    assert (count_rows(db, CatalogueVersion), count_rows(db, CatalogueLine), count_rows(db, WorkflowStep)) == before


def test_amend_copies_the_version_in_force_and_only_it(api, db):
    old = _demo_in_force(api)
    amended = api("coordinator").post(f"{PATH}/{old['id']}/amend")
    assert amended.status_code == 201, amended.get_json()
    body = amended.get_json()
    assert body["status"] == "draft" and len(body["lines"]) == len(api("gov").get(f"{PATH}/{old['id']}")
                                                                   .get_json()["lines"])
    assert_error(api("coordinator").post(f"{PATH}/{body['id']}/amend"), 409, "illegal_transition")


def test_an_enterprise_sees_only_versions_that_are_or_were_in_force_and_a_bureau_reads_all(api, db):
    """Tenancy (docs/plans.md): a draft is the drafters' and signers' business; an enterprise gets 404."""
    made = draft_version(api)
    assert_error(api("clerk").get(f"{PATH}/{made['id']}"), 404, "not_found")
    assert made["id"] not in {row["id"] for row in api("clerk").get(PATH).get_json()["items"]}
    assert api("clerk").get(f"{PATH}/{_demo_in_force(api)['id']}").status_code == 200
    assert api("emofficer").get(f"{PATH}/{made['id']}").status_code == 200
    assert_error(api("blood").get(PATH), 403, "forbidden")
