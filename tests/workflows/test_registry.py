"""The workflow registry walked as a whole: every flow's transitions reachable, every person's action
naming its roles, and the role inbox listing each waiting row to exactly the users who may decide it."""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.core.errors import DomainError
from inventory.core.vocab import Role
from inventory.models import User, WorkflowStep
from inventory.services.workflows import inbox
from inventory.services.workflows.registry import FLOWS
from tests.workflows.waiting import MAKERS


def test_every_registered_flow_has_a_maker():
    assert set(FLOWS) == set(MAKERS)


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_transition_is_reachable_from_the_initial_status(name):
    flow = FLOWS[name]
    reached, frontier = {flow.initial}, [flow.initial]
    while frontier:
        status = frontier.pop()
        for transition in flow.transitions:
            if transition.source == status and transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)
    assert {t.source for t in flow.transitions} <= reached


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_action_names_who_may_take_it(name):
    flow = FLOWS[name]
    for transition in flow.transitions:
        assert transition.roles <= set(Role)
        if not transition.roles:
            # a system step follows a person's step into its source status
            assert any(t.roles and t.target == transition.source for t in flow.transitions), transition
        if transition.four_eyes:
            assert hasattr(flow.model, flow.requester)


def _may_act(app, db, user: User, flow_name: str, row_id: int) -> bool:
    """Try every action of the flow as this user and roll back: True when one gets past the access checks
    (an input problem such as an uncounted lot still counts as allowed: it is not a 403 or 404)."""
    for action in {t.action for t in FLOWS[flow_name].transitions if t.awaited}:
        try:
            with app.test_request_context():
                inbox.decide(session=db, actor=user, flow=flow_name, row_id=row_id, action=action)
            return True
        except DomainError as error:
            if error.status not in (403, 404, 409):
                return True
        finally:
            db.rollback()
    return False


def test_the_inbox_shows_each_waiting_item_to_exactly_the_users_who_may_decide_it(app, api, db):
    made = {name: maker(api, db) for name, maker in MAKERS.items()}
    waiting = {name: row.row_id for name, row in made.items()}
    opened = api("coldclerk").post("/counts", json={"facility": "CS-01"}).get_json()["id"]
    subjects = [*waiting.items(), ("count", opened)]
    for user in db.exec(select(User)).all():
        with app.test_request_context():
            listed = {(item.flow.name, item.row.id) for item in inbox.items_for(session=db, user=user)}
        db.rollback()
        for flow_name, row_id in subjects:
            assert ((flow_name, row_id) in listed) == _may_act(app, db, user, flow_name, row_id), \
                (user.username, flow_name, row_id)
    # the check above is not vacuous: each waiting row is in its decider's inbox (the grain approver's, or the
    # enterprise clerk's for an instruction), the cold-store clerk finishes the open count
    for name, row in made.items():
        decider = db.exec(select(User).where(User.username == row.decider)).one()
        with app.test_request_context():
            assert (name, row.row_id) in {(i.flow.name, i.row.id) for i in inbox.items_for(session=db, user=decider)}


def test_every_step_is_on_the_timeline(api, db):
    made = MAKERS["transfer"](api, db)
    api(made.decider).post(f"{made.path}/actions/approve", json={"note": "同意"})
    steps = db.exec(select(WorkflowStep).where(WorkflowStep.flow == "transfer", WorkflowStep.entity_id == made.row_id)
                    .order_by(WorkflowStep.id)).all()
    assert [(s.action, s.from_status, s.to_status, s.role) for s in steps] == [
        ("request", None, "pending", "enterprise_clerk"), ("approve", "pending", "approved", "bureau_approver"),
        ("execute", "approved", "executed", "bureau_approver")]
    assert steps[1].note == "同意" and steps[1].org_id is not None
