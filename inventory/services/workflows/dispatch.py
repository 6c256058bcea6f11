"""Dispatch plans (动用, reserve-materials-measures §四(一)) on the workflow registry.

Drafted by the reserve bureau of the materials or by a coordinator; co-signed by the three that propose a dispatch
together (会同: the development and reform commission, the finance bureau and the responsible reserve bureau);
approved by the government, which allocates the stock first expiry, first out across enterprises and, in the same
transaction, sends the enterprises their release instructions; completed once no instruction is open, which
proposes the replenishments. An emergency plan (紧急调用) skips the chain: its authorised drafter executes it at once,
records when the work ended on completing it and files it with the government within 20 days.

The co-signatures come in any order. Each one moves the status a step (cosigning → cosigned_1 → cosigned_2 →
cosigned) through the transition helper, so each is decided exactly once by a conditional update; entering the
status stamps the signing party. A party yet to sign, then the government, may reject with a reason: the plan
returns to draft and its signatures are cleared for the next round, the timeline keeping them all. Four eyes
throughout: the drafter neither signs nor decides, and nobody signs twice.
"""
from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import BUSINESS_TZ, business_today, utcnow
from inventory.core.errors import Conflict, Forbidden, Invalid
from inventory.core.quantities import quantity_text
from inventory.core.vocab import DispatchParty, DispatchTrigger, Role
from inventory.core.vocab import DispatchStatus as S
from inventory.core.vocab import WorkflowAction as A
from inventory.db import lock_row
from inventory.models import Dispatch, DispatchAllocation, DispatchLine, Material, Organisation, User
from inventory.scope.dispatch import PERMISSIONS
from inventory.services.audit import trail
from inventory.services.workflows import emergency, engine, instructions, replenishments
from inventory.services.workflows.dispatch_allocation import (
    AllocationInput, allocations_of, check_given, propose,
)
from inventory.services.workflows.dispatch_plan import PlanInput, ReadPlan, plan_lines, read_plan, require_complete
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

#: the coordinator organisations that hold the development-and-reform and the finance signatures
PARTY_ORGS = {DispatchParty.ndrc: "CO-NDRC", DispatchParty.finance: "CO-FIN"}
COSIGNERS = PERMISSIONS[("dispatch", "cosign")]
GOVERNMENT = PERMISSIONS[("dispatch", "approve")]
REJECTION = {"four_eyes": True, "by": "rejected_by", "at": "rejected_at", "note": "rejection_note"}


def party_of(session: Session, actor: User, dispatch: Dispatch) -> DispatchParty | None:
    """The signature this person gives for their organisation, if any: a coordinator of one of the two coordinator
    organisations, or an approver of the plan's reserve bureau."""
    if actor.role == Role.coordinator:
        org = session.get(Organisation, actor.org_id)
        return next((party for party, code in PARTY_ORGS.items() if org is not None and org.code == code), None)
    if actor.role == Role.bureau_approver and actor.org_id == dispatch.bureau_id:
        return DispatchParty.bureau
    return None


def signatures(dispatch: Dispatch) -> dict[DispatchParty, int | None]:
    """Who signed for each party in this round."""
    return {party: getattr(dispatch, f"{party}_signed_by") for party in DispatchParty}


def _drafting_org(session: Session, actor: User, dispatch: Dispatch) -> None:
    if actor.org_id != dispatch.drafting_org_id:
        raise Forbidden(_l("only the organisation that drafted the plan may change, submit or cancel it"))


def _complete(session: Session, actor: User, dispatch: Dispatch) -> None:
    _drafting_org(session, actor, dispatch)
    if dispatch.emergency:
        raise Conflict(_l("an emergency plan is executed at once and filed afterwards, not co-signed"),
                       code="illegal_transition")
    require_complete(session, dispatch)


def _may_dispatch_at_once(session: Session, actor: User, dispatch: Dispatch) -> None:
    """紧急调用: the drafting organisation executes its emergency plan at once, under an authorisation in force."""
    _drafting_org(session, actor, dispatch)
    if not dispatch.emergency:
        raise Conflict(_l("only an emergency plan is executed without the co-signatures and the approval"),
                       code="illegal_transition")
    if emergency.authorisation_of(session, actor.org_id) is None:
        raise Forbidden(_l("your organisation holds no emergency authorisation in force"))
    require_complete(session, dispatch)


def _completer(session: Session, actor: User, dispatch: Dispatch) -> None:
    """The drafting organisation or the responsible bureau closes the dispatch once no instruction is open."""
    if actor.org_id not in (dispatch.drafting_org_id, dispatch.bureau_id):
        raise Forbidden(_l("only the organisation that drafted the plan or its reserve bureau completes it"))
    if instructions.open_count(session, dispatch.id):
        raise Conflict(_l("instructions of this dispatch are still open"), code="illegal_transition")


def _filer(session: Session, actor: User, dispatch: Dispatch) -> None:
    _drafting_org(session, actor, dispatch)
    if not dispatch.emergency:
        raise Conflict(_l("only an emergency dispatch is filed: the others were approved beforehand"),
                       code="illegal_transition")


def _party(session: Session, actor: User, dispatch: Dispatch) -> DispatchParty:
    party = party_of(session, actor, dispatch)
    if party is None:
        raise Forbidden(_l("only the development and reform commission, the finance bureau and the plan's "
                           "reserve bureau co-sign or reject it"))
    return party


def _not_signed_before(actor: User, dispatch: Dispatch) -> None:
    if actor.id in signatures(dispatch).values():
        raise Forbidden(_l("you have signed this plan already: nobody signs twice (four eyes)"))


def _unsigned_party(session: Session, actor: User, dispatch: Dispatch) -> None:
    """A party decides once a round: having signed, it neither signs again nor rejects what it signed."""
    party = _party(session, actor, dispatch)
    if getattr(dispatch, f"{party}_signed_by") is not None:
        raise Conflict(_l("%(party)s has signed this plan already", party=party.label), code="illegal_transition")


def _may_cosign(session: Session, actor: User, dispatch: Dispatch) -> None:
    _unsigned_party(session, actor, dispatch)
    _not_signed_before(actor, dispatch)


def _may_approve(session: Session, actor: User, dispatch: Dispatch) -> None:
    _not_signed_before(actor, dispatch)


def _describe(session: Session, user: User, rows: list[Dispatch]) -> dict[int, InboxEntry]:
    lines = list(session.exec(select(DispatchLine).where(DispatchLine.dispatch_id.in_([r.id for r in rows]))
                              .order_by(DispatchLine.id)))
    materials = {m.id: m for m in session.exec(select(Material).where(
        Material.id.in_({line.material_id for line in lines})))} if lines else {}
    details: dict[int, list[str]] = {}
    for line in lines:
        material = materials[line.material_id]
        details.setdefault(line.dispatch_id, []).append(
            f"{material.name_zh} {quantity_text(line.quantity)} {material.unit}")
    return {row.id: InboxEntry(
        title=f"{row.code} · {DispatchTrigger.label_of(row.trigger)}", detail=", ".join(details.get(row.id, [])),
        endpoint="dispatches.show", args={"dispatch_id": row.id}, requested_by=row.drafted_by,
        requested_at=row.submitted_at or row.created_at, reason=row.trigger_description) for row in rows}


DISPATCH = register(Flow(
    name="dispatch", label=_l("dispatch"), model=Dispatch, initial=S.draft, missing=_l("dispatch not found"),
    requester="drafted_by", statuses=S,
    transitions=(
        Transition(S.draft, A.submit, S.cosigning, PERMISSIONS[("dispatch", "submit")], _complete,
                   by="submitted_by", at="submitted_at", awaited=False),
        *(Transition(source, A.approve, target, COSIGNERS, _may_cosign, four_eyes=True)
          for source, target in zip(S.signing(), (S.cosigned_1, S.cosigned_2, S.cosigned))),
        *(Transition(source, A.reject, S.draft, COSIGNERS, _unsigned_party, **REJECTION)
          for source in S.signing()),
        Transition(S.cosigned, A.approve, S.approved, GOVERNMENT, _may_approve, four_eyes=True,
                   by="approved_by", at="approved_at", note="approval_note"),
        Transition(S.cosigned, A.reject, S.draft, GOVERNMENT, **REJECTION),
        Transition(S.draft, A.cancel, S.cancelled, PERMISSIONS[("dispatch", "cancel")], _drafting_org,
                   by="cancelled_by", at="cancelled_at", note="cancel_note", awaited=False),
        Transition(S.draft, A.execute, S.executing, PERMISSIONS[("dispatch", "execute")], _may_dispatch_at_once,
                   by="executed_by", at="executed_at", awaited=False),
        Transition(S.approved, A.execute, S.executing, by="executed_by", at="executed_at"),
        Transition(S.executing, A.complete, S.completed, PERMISSIONS[("dispatch", "complete")], _completer,
                   by="completed_by", at="completed_at"),
        Transition(S.completed, A.file, S.filed, PERMISSIONS[("dispatch", "file")], _filer,
                   by="filed_by", at="filed_at"),
    ),
    describe=_describe,
))


def _stamp(session: Session, dispatch: Dispatch, condition: Any, values: dict[str, Any]) -> None:
    """A conditional update of the plan's row, mirrored on the loaded object; 0 rows means someone else acted."""
    result = session.execute(update(Dispatch).where(Dispatch.id == dispatch.id, condition).values(**values)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_l("someone else has acted on this plan; reload it"), code="illegal_transition")
    for name, value in values.items():
        if name != "round":
            set_committed_value(dispatch, name, value)


@DISPATCH.on_enter(S.cosigned_1)
@DISPATCH.on_enter(S.cosigned_2)
@DISPATCH.on_enter(S.cosigned)
def _sign(session: Session, actor: User, dispatch: Dispatch, note: str) -> None:
    """Stamp the party this signer signs for (the transition's check found it unsigned)."""
    party = _party(session, actor, dispatch)
    column = getattr(Dispatch, f"{party}_signed_by")
    _stamp(session, dispatch, column.is_(None), {f"{party}_signed_by": actor.id, f"{party}_signed_at": utcnow()})


@DISPATCH.on_enter(S.draft)
def _returned(session: Session, actor: User, dispatch: Dispatch, note: str) -> None:
    """A rejection, with its reason, clears the round's signatures: the next submission is signed afresh."""
    if not note.strip():
        raise Invalid.field("note", _l("a rejection needs a reason"))
    cleared: dict[str, Any] = {f"{party}_signed_{part}": None for party in DispatchParty for part in ("by", "at")}
    _stamp(session, dispatch, Dispatch.status == S.draft, {**cleared, "round": Dispatch.round + 1})
    set_committed_value(dispatch, "round", dispatch.round + 1)


def _allocate(session: Session, actor: User, dispatch: Dispatch) -> None:
    """The approver's allocations were stored before the decision; otherwise the FEFO proposal is (or 409)."""
    allocations = allocations_of(session, dispatch.id)
    if not allocations:
        allocations = propose(session, dispatch)
        session.add_all(allocations)
        session.flush()
    trail.record(session, actor=actor, action="dispatch.allocate", entity="dispatch", entity_id=dispatch.id,
                 org_id=actor.org_id, after={"allocations": [
                     {"line": a.line_id, "lot": a.lot_id, "enterprise": a.enterprise_id,
                      "quantity": str(a.quantity)} for a in allocations]})


@DISPATCH.on_enter(S.approved)
def _approved(session: Session, actor: User, dispatch: Dispatch, note: str) -> None:
    """Approval allocates the stock and sends the instructions in the same transaction."""
    _allocate(session, actor, dispatch)
    engine.follow(session, flow=DISPATCH, row=dispatch, action=A.execute, actor=actor)


@DISPATCH.on_enter(S.executing)
def _instruct(session: Session, actor: User, dispatch: Dispatch, note: str) -> None:
    """Each allocated enterprise gets its release instructions; an emergency plan is allocated here first, under
    the authorisation it is executed by."""
    if dispatch.emergency:
        authorisation = emergency.authorisation_of(session, actor.org_id)
        _stamp(session, dispatch, Dispatch.authorisation_id.is_(None), {"authorisation_id": authorisation.id})
        _allocate(session, actor, dispatch)
    instructions.issue_for_dispatch(session, actor, dispatch)


@DISPATCH.on_enter(S.completed)
def _completed(session: Session, actor: User, dispatch: Dispatch, note: str) -> None:
    """An emergency dispatch's work has ended (its filing falls due); every dispatch is replenished (§四(二))."""
    if dispatch.emergency:
        if dispatch.work_ended_on is None:
            raise Invalid.field("work_ended_on", _l("say when the emergency work ended"))
        _stamp(session, dispatch, Dispatch.status == S.completed,
               {"filing_due_on": emergency.filing_due(dispatch.work_ended_on)})
    replenishments.propose_for_dispatch(session, actor, dispatch, instructions.released(session, dispatch.id))


@DISPATCH.on_enter(S.filed)
def _filed(session: Session, actor: User, dispatch: Dispatch, note: str) -> None:
    """The filing (备案) states the five items of the plan and the document's reference."""
    if not dispatch.filing_reference:
        raise Invalid.field("reference", _l("the filing needs its document's reference"))
    trail.record(session, actor=actor, action="dispatch.filing", entity="dispatch", entity_id=dispatch.id,
                 org_id=actor.org_id, after={"reference": dispatch.filing_reference,
                                             "work_ended_on": dispatch.work_ended_on.isoformat(),
                                             **_snapshot(session, dispatch)})


def _snapshot(session: Session, dispatch: Dispatch) -> dict[str, Any]:
    """The plan as the audit trail keeps it."""
    return {
        "trigger": dispatch.trigger, "trigger_description": dispatch.trigger_description,
        "recipients": dispatch.recipients, "district_id": dispatch.district_id, "address": dispatch.address,
        "transport": dispatch.transport,
        "requested_on": dispatch.requested_on.isoformat() if dispatch.requested_on else None,
        "lines": [{"material_id": line.material_id, "quantity": str(line.quantity),
                   "unit_price": None if line.unit_price is None else str(line.unit_price),
                   "price_note": line.price_note} for line in plan_lines(session, dispatch.id)],
    }


def _store(session: Session, dispatch: Dispatch, read: ReadPlan) -> None:
    for name, value in read.values.items():
        setattr(dispatch, name, value)
    dispatch.bureau_id = read.bureau_id
    session.add(dispatch)
    for line in plan_lines(session, dispatch.id):
        session.delete(line)
    session.flush()
    for line in read.lines:
        line.dispatch_id = dispatch.id
        session.add(line)
    session.flush()


def draft_dispatch(*, session: Session, actor: User, plan: PlanInput) -> Dispatch:
    """A new plan in draft, by a reserve bureau (its own materials) or a coordinator; fields may stay empty."""
    scope.require(actor, "draft", "dispatch")
    read = read_plan(session, actor, plan)
    dispatch = Dispatch(code=f"new-{uuid4().hex}", drafted_by=actor.id, drafting_org_id=actor.org_id)
    session.add(dispatch)
    session.flush()
    dispatch.code = f"DP-{business_today().year}-{dispatch.id:05d}"
    _store(session, dispatch, read)
    engine.opened(session, flow=DISPATCH, row=dispatch, actor=actor)
    trail.record(session, actor=actor, action="dispatch.draft", entity="dispatch", entity_id=dispatch.id,
                 org_id=actor.org_id, after={"code": dispatch.code, **_snapshot(session, dispatch)})
    return dispatch


def edit_dispatch(*, session: Session, actor: User, dispatch_id: int, plan: PlanInput) -> Dispatch:
    """Replace the whole plan while it is a draft (a submitted one is changed only after a rejection)."""
    dispatch = scope.visible_dispatch(session, actor, dispatch_id)
    scope.require(actor, "draft", "dispatch")
    _drafting_org(session, actor, dispatch)
    lock_row(session, Dispatch.__table__, dispatch.id)
    session.refresh(dispatch)
    if dispatch.status != S.draft:
        raise Conflict(_l("a plan can be changed only while it is a draft; this one is %(status)s",
                          status=S.label_of(dispatch.status)), code="illegal_transition")
    read = read_plan(session, actor, plan)
    before = _snapshot(session, dispatch)
    _store(session, dispatch, read)
    trail.record(session, actor=actor, action="dispatch.edit", entity="dispatch", entity_id=dispatch.id,
                 org_id=actor.org_id, before=before, after=_snapshot(session, dispatch))
    return dispatch


def decide_dispatch(*, session: Session, actor: User, dispatch_id: int, action: str, note: str = "",
                    allocations: list[AllocationInput] | None = None, work_ended_on: date | None = None,
                    reference: str = "") -> Dispatch:
    """Submit, co-sign (``approve`` while co-signing), approve, reject, cancel, execute at once (emergency),
    complete or file a plan.

    ``allocations`` replace the FEFO proposal and go only with the government's approval; they are checked and
    stored in the transaction of the decision, so a refused decision leaves none behind. ``work_ended_on`` goes
    with completing an emergency dispatch, ``reference`` with filing it.
    """
    dispatch = engine.visible_row(session, actor, DISPATCH, dispatch_id)
    if action == A.complete and work_ended_on is not None:
        engine.check(session, actor, DISPATCH, dispatch, action)
        _work_ended(session, dispatch, work_ended_on)
    if action == A.file and reference.strip():
        engine.check(session, actor, DISPATCH, dispatch, action)
        if len(reference.strip()) > 100:
            raise Invalid.field("reference", _l("at most %(count)s characters", count=100))
        _stamp(session, dispatch, Dispatch.status == S.completed, {"filing_reference": reference.strip()})
    if action in (A.submit, A.execute):
        # the completeness check reads the lines: an edit must not slip in between
        lock_row(session, Dispatch.__table__, dispatch.id)
        session.refresh(dispatch)
    if allocations is not None:
        if action != A.approve or dispatch.status != S.cosigned:
            raise Invalid.field("allocations", _l("allocations are given with the government's approval only"))
        engine.check(session, actor, DISPATCH, dispatch, action)
        session.add_all(check_given(session, dispatch, allocations))
        session.flush()
    return engine.take(session, flow=DISPATCH, row_id=dispatch_id, action=action, actor=actor, note=note)


def _work_ended(session: Session, dispatch: Dispatch, day: date) -> None:
    if not dispatch.emergency:
        raise Invalid.field("work_ended_on", _l("only an emergency dispatch records when its work ended"))
    started = (dispatch.executed_at or dispatch.created_at).astimezone(BUSINESS_TZ).date()
    if not started <= day <= business_today():
        raise Invalid.field("work_ended_on", _l("must be from the day it was executed (%(day)s) to today",
                                                day=started.isoformat()))
    _stamp(session, dispatch, Dispatch.status == S.executing, {"work_ended_on": day})


def preview_allocations(*, session: Session, actor: User, dispatch_id: int) -> list[DispatchAllocation]:
    """The FEFO proposal the approval would store now, for the approver to review or change; writes nothing."""
    dispatch = scope.visible_dispatch(session, actor, dispatch_id)
    scope.require(actor, "approve", "dispatch")
    return propose(session, dispatch)
