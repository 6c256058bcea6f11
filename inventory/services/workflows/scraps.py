"""Scrap (报废, reserve-materials-measures §三) on the workflow registry, with evidence and mandatory replenishment.

"对不需常态化轮换的市级重要储备物资，明确报废品种、时限、条件、程序等……作报废处理的，应当同时进行补充": an enterprise
requests the scrap of lots of one material that may be scrapped — a scrap-policy material past its scrap rule's age,
or any lot that failed inspection or was damaged — with evidence files; the bureau approver of the material
approves; a second person of that bureau (an officer, another approver or its inspector) witnesses it (监销); the
enterprise executes it. Four eyes: requester, approver and witness are three different people. Executing posts the
``scrap`` movements and, in the same transaction, proposes a replenishment of the same quantity
(``replenishments.propose_for_scrap``): either both are written or neither. A scrapped quantity never comes back:
the movements are outbound and the scrap is decided once (docs/domain-rules.md, rotation and scrap).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today
from inventory.db import lock_row
from inventory.core.errors import Conflict, Forbidden, Invalid, NotFound
from inventory.core.quantities import quantity_text
from inventory.core.vocab import (
    InspectionResult, LotStatus, MovementKind, ScrapAgeBasis, ScrapReason, StockPolicy, WorkflowAction as A,
)
from inventory.core.vocab import ScrapStatus as S
from inventory.models import Lot, Material, Scrap, ScrapAttachment, ScrapLine, ScrapRule, User
from inventory.scope.rotation import PERMISSIONS
from inventory.services.audit import trail
from inventory.services.stock import ledger
from inventory.services.workflows import engine, evidence, replenishments
from inventory.services.workflows.dispatch_plan import Problems
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

ENTERPRISE = PERMISSIONS[("scrap", "execute")]
#: statuses in which a scrap still holds its lots' quantities (a second request cannot claim them again)
OPEN = (S.draft, S.submitted, S.approved, S.witnessed)
REASON_LENGTH = 2000
NOTE_LENGTH = 500


def _own_enterprise(session: Session, actor: User, row: Scrap) -> None:
    if actor.org_id != row.enterprise_id:
        raise NotFound(_l("scrap not found"))


def _material_bureau(session: Session, actor: User, row: Scrap) -> None:
    if actor.org_id != session.get(Material, row.material_id).bureau_id:
        raise Forbidden(_l("only the bureau responsible for the material decides its scrap"))


def _witness(session: Session, actor: User, row: Scrap) -> None:
    """A second person of the material's bureau: neither the requester nor the approver (four eyes)."""
    _material_bureau(session, actor, row)
    if actor.id in (row.requested_by, row.approved_by):
        raise Forbidden(_l("the witness must be neither the requester nor the approver (four eyes)"))


def _describe(session: Session, user: User, rows: list[Scrap]) -> dict[int, InboxEntry]:
    materials = {m.id: m for m in session.exec(select(Material).where(
        Material.id.in_({row.material_id for row in rows})))}
    return {row.id: InboxEntry(
        title=f"{row.code} · {materials[row.material_id].name_zh}",
        detail=f"{quantity_text(row.quantity)} {materials[row.material_id].unit} · "
               f"{ScrapReason.label_of(row.reason_kind)}",
        endpoint="scraps.show", args={"scrap_id": row.id}, requested_by=row.requested_by,
        requested_at=row.submitted_at or row.created_at, reason=row.reason) for row in rows}


SCRAP = register(Flow(
    name="scrap", label=_l("scrap"), model=Scrap, initial=S.draft, statuses=S, missing=_l("scrap not found"),
    requester="requested_by",
    transitions=(
        Transition(S.draft, A.submit, S.submitted, ENTERPRISE, _own_enterprise, by="submitted_by",
                   at="submitted_at", awaited=False),
        Transition(S.submitted, A.approve, S.approved, PERMISSIONS[("scrap", "approve")], _material_bureau,
                   four_eyes=True, by="approved_by", at="approved_at", note="approval_note"),
        Transition(S.submitted, A.reject, S.rejected, PERMISSIONS[("scrap", "approve")], _material_bureau,
                   four_eyes=True, by="rejected_by", at="rejected_at", note="rejection_note"),
        Transition(S.approved, A.witness, S.witnessed, PERMISSIONS[("scrap", "witness")], _witness,
                   four_eyes=True, by="witnessed_by", at="witnessed_at", note="witness_note"),
        Transition(S.approved, A.reject, S.rejected, PERMISSIONS[("scrap", "witness")], _witness,
                   four_eyes=True, by="rejected_by", at="rejected_at", note="rejection_note"),
        Transition(S.witnessed, A.execute, S.executed, ENTERPRISE, _own_enterprise, by="executed_by",
                   at="executed_at"),
        *(Transition(source, A.cancel, S.cancelled, ENTERPRISE, _own_enterprise, by="cancelled_by",
                     at="cancelled_at", awaited=False) for source in (S.draft, S.submitted)),
    ),
    describe=_describe,
))


# -- scrap rules -------------------------------------------------------------------------------------------------


def set_rule(*, session: Session, actor: User, material_code: str, age_days: int, counted_from: str,
             conditions: str = "") -> ScrapRule:
    """The bureau of a scrap-policy material sets when its lots may be scrapped by age (报废时限)."""
    scope.require(actor, "set", "scrap_rule")
    material = session.exec(select(Material).where(Material.code == material_code.strip())).first()
    problems = Problems()
    if material is None or material.bureau_id != actor.org_id:
        problems.add("material", _l("not a material of your bureau's remit"))
    elif material.policy != StockPolicy.scrap:
        problems.add("material", _l("the material is rotated, not scrapped"))
    if not isinstance(age_days, int) or isinstance(age_days, bool) or not 1 <= age_days <= 36500:
        problems.add("age_days", _l("a whole number of days from 1 to 36500"))
    if counted_from not in ScrapAgeBasis.values():
        problems.add("counted_from", _l("one of %(choices)s", choices=", ".join(ScrapAgeBasis.values())))
    if len(conditions.strip()) > NOTE_LENGTH:
        problems.add("conditions", _l("at most %(count)s characters", count=NOTE_LENGTH))
    problems.raise_any(_l("the scrap rule has errors; nothing was saved"))
    row = session.exec(select(ScrapRule).where(ScrapRule.material_id == material.id)).first()
    before = None if row is None else {"age_days": row.age_days, "counted_from": row.counted_from,
                                       "conditions": row.conditions}
    if row is None:
        row = ScrapRule(material_id=material.id, age_days=age_days, counted_from=counted_from, set_by=actor.id)
    row.age_days, row.counted_from, row.conditions, row.set_by = age_days, counted_from, conditions.strip(), actor.id
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="scrap_rule.set", entity="material", entity_id=material.id,
                 org_id=actor.org_id, before=before,
                 after={"age_days": age_days, "counted_from": counted_from, "conditions": row.conditions})
    return row


def rules_query(session: Session, actor: User):
    scope.require(actor, "view", "scrap")
    return select(ScrapRule)


def rule_of(session: Session, material_id: int) -> ScrapRule | None:
    return session.exec(select(ScrapRule).where(ScrapRule.material_id == material_id)).first()


def age_in_days(lot: Lot, basis: str, today: date) -> int:
    start = lot.production_date if basis == ScrapAgeBasis.production and lot.production_date else lot.received_on
    return (today - start).days


def eligibility(session: Session, lot: Lot, material: Material, reason_kind: str,
                today: date | None = None) -> str | None:
    """Why the lot may not be scrapped for this reason, or None when it may."""
    today = today or business_today()
    if reason_kind == ScrapReason.aged:
        if material.policy != StockPolicy.scrap:
            return str(_l("%(code)s is rotated, not scrapped, when it ages", code=material.code))
        rule = rule_of(session, material.id)
        if rule is None:
            return str(_l("%(code)s has no scrap rule yet: its bureau sets one", code=material.code))
        age = age_in_days(lot, rule.counted_from, today)
        if age < rule.age_days:
            return str(_l("lot %(lot)s is %(age)s days old; the scrap rule needs %(days)s",
                          lot=lot.lot_code, age=age, days=rule.age_days))
    elif reason_kind == ScrapReason.failed_inspection:
        if lot.inspection_result != InspectionResult.failed and lot.status != LotStatus.quarantined:
            return str(_l("lot %(lot)s has not failed an inspection", lot=lot.lot_code))
    return None


# -- requests ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScrapInput:
    #: (lot id, quantity) per lot
    lines: tuple[tuple[int, Decimal | str | int], ...]
    reason_kind: str
    reason: str


def _claimed(session: Session, lot_ids: list[int], but: int | None = None) -> dict[int, Decimal]:
    """What open scraps (other than ``but``) already claim of each lot."""
    query = select(ScrapLine.lot_id, func.sum(ScrapLine.quantity)).join(Scrap, Scrap.id == ScrapLine.scrap_id).where(
        ScrapLine.lot_id.in_(lot_ids), Scrap.status.in_([str(s) for s in OPEN]))
    if but is not None:
        query = query.where(Scrap.id != but)
    return {lot_id: Decimal(total or 0) for lot_id, total in session.exec(query.group_by(ScrapLine.lot_id))}


def _check_lines(session: Session, actor_org: int, given: tuple[tuple[int, Decimal | str | int], ...],
                 reason_kind: str, problems: Problems, but: int | None = None
                 ) -> tuple[Material | None, list[tuple[Lot, Decimal]]]:
    if not given:
        problems.add("lines", _l("name at least one lot"))
        return None, []
    if len(given) > 100:
        problems.add("lines", _l("at most %(count)s lots", count=100))
        return None, []
    ids = [lot_id for lot_id, _ in given if isinstance(lot_id, int)]
    lots = {lot.id: lot for lot in session.exec(select(Lot).where(Lot.id.in_(ids)))} if ids else {}
    claimed = _claimed(session, list(lots), but)
    material: Material | None = None
    picks: list[tuple[Lot, Decimal]] = []
    for index, (lot_id, amount) in enumerate(given):
        name = f"lines[{index}]"
        lot = lots.get(lot_id)
        if lot is None or lot.enterprise_id != actor_org:
            problems.add(f"{name}.lot", _l("not a lot of your enterprise"))
            continue
        try:
            value = ledger.quantity(amount, field=f"{name}.quantity")
        except Invalid as error:
            problems.add(f"{name}.quantity", error.message)
            continue
        if value <= 0:
            problems.add(f"{name}.quantity", _l("must be positive"))
            continue
        if material is None:
            material = session.get(Material, lot.material_id)
        elif lot.material_id != material.id:
            problems.add(f"{name}.lot", _l("one scrap takes lots of one material"))
            continue
        free = lot.on_hand - claimed.get(lot.id, Decimal(0))
        if value > free:
            problems.add(f"{name}.quantity", _l("lot %(code)s has %(free)s on hand not claimed by another scrap",
                                                code=lot.lot_code, free=quantity_text(max(free, Decimal(0)))))
        if reason_kind in ScrapReason.values():
            why = eligibility(session, lot, material, reason_kind)
            if why:
                problems.add(f"{name}.lot", why)
        picks.append((lot, value))
    if len({lot.id for lot, _ in picks}) != len(picks):
        problems.add("lines", _l("a lot is listed twice"))
    return material, picks


def _inferred_reason(session: Session, enterprise_id: int, given: tuple[tuple[int, Decimal | str | int], ...]) -> str:
    """When the request names no reason: a failed inspection, else the scrap rule's age, if it holds for every
    lot; damage is never assumed."""
    ids = [lot_id for lot_id, _ in given if isinstance(lot_id, int)]
    lots = list(session.exec(select(Lot).where(Lot.id.in_(ids), Lot.enterprise_id == enterprise_id))) if ids else []
    if not lots or len(lots) != len(set(ids)):
        return ""
    for kind in (ScrapReason.failed_inspection, ScrapReason.aged):
        if all(eligibility(session, lot, session.get(Material, lot.material_id), kind) is None for lot in lots):
            return kind.value
    return ""


def request_scrap(*, session: Session, actor: User, given: ScrapInput) -> Scrap:
    """An enterprise's draft scrap request; 422 naming every bad field, nothing written."""
    scope.require(actor, "request", "scrap")
    problems = Problems()
    reason_kind = given.reason_kind.strip() or _inferred_reason(session, actor.org_id, given.lines)
    if not given.reason_kind.strip() and not reason_kind:
        problems.add("reason_kind", _l("the lots neither failed an inspection nor passed their scrap rule's age: "
                                       "say damaged (with evidence) if they were damaged"))
    elif reason_kind not in ScrapReason.values():
        problems.add("reason_kind", _l("one of %(choices)s", choices=", ".join(ScrapReason.values())))
    reason = given.reason.strip()
    if not reason:
        problems.add("reason", _l("say why the stock is scrapped"))
    elif len(reason) > REASON_LENGTH:
        problems.add("reason", _l("at most %(count)s characters", count=REASON_LENGTH))
    # two requests claiming one lot at once: the lots' row locks order them, so the second sees the first's claim
    for lot_id in sorted({lot_id for lot_id, _ in given.lines if isinstance(lot_id, int)}):
        lock_row(session, Lot.__table__, lot_id)
    material, picks = _check_lines(session, actor.org_id, given.lines, reason_kind, problems)
    problems.raise_any(_l("the scrap request has errors; nothing was saved"))
    total = sum((amount for _, amount in picks), Decimal(0))
    row = Scrap(code=f"new-{uuid4().hex}", enterprise_id=actor.org_id, material_id=material.id, quantity=total,
                reason_kind=reason_kind, reason=reason, requested_by=actor.id)
    session.add(row)
    session.flush()
    row.code = f"SC-{business_today().year}-{row.id:05d}"
    session.add_all([ScrapLine(scrap_id=row.id, lot_id=lot.id, quantity=amount) for lot, amount in picks])
    session.flush()
    engine.opened(session, flow=SCRAP, row=row, actor=actor, note=reason[:NOTE_LENGTH])
    trail.record(session, actor=actor, action="scrap.request", entity="scrap", entity_id=row.id,
                 org_id=row.enterprise_id, after={
                     "code": row.code, "material_id": material.id, "quantity": str(total),
                     "reason_kind": row.reason_kind, "lines": [{"lot": lot.id, "quantity": str(amount)}
                                                               for lot, amount in picks]})
    return row


def decide(*, session: Session, actor: User, scrap_id: int, action: str, note: str = "") -> Scrap:
    """A person's step on a scrap: submit, approve, witness, reject, execute or cancel."""
    if len(note) > NOTE_LENGTH:
        raise Invalid.field("note", _l("at most %(count)s characters", count=NOTE_LENGTH))
    return engine.take(session, flow=SCRAP, row_id=scrap_id, action=action, actor=actor, note=note.strip())


@SCRAP.on_enter(S.submitted)
def _submitted(session: Session, actor: User, row: Scrap, note: str) -> None:
    """Submitting needs evidence, and the lots must still hold what is asked and still qualify."""
    problems = Problems()
    if not attachments(session, row.id):
        problems.add("attachments", _l("attach at least one photo or PDF as evidence before submitting"))
    given = tuple((line.lot_id, line.quantity) for line in lines(session, row.id))
    _check_lines(session, row.enterprise_id, given, row.reason_kind, problems, but=row.id)
    problems.raise_any(_l("the scrap cannot be submitted; nothing was changed"))


@SCRAP.on_enter(S.rejected)
def _rejected(session: Session, actor: User, row: Scrap, note: str) -> None:
    if not note.strip():
        raise Invalid.field("note", _l("a rejection needs a reason"))


@SCRAP.on_enter(S.executed)
def _executed(session: Session, actor: User, row: Scrap, note: str) -> None:
    """The scrap movements and the replenishment of the same quantity, in this one transaction."""
    for line in lines(session, row.id):
        ledger.post_movement(session=session, lot_id=line.lot_id, kind=MovementKind.scrap, amount=-line.quantity,
                             actor=actor, ref_type="scrap", ref_id=row.id, note=row.code)
    made = replenishments.propose_for_scrap(session, actor, enterprise_id=row.enterprise_id,
                                            material_id=row.material_id, quantity=row.quantity, scrap_code=row.code)
    session.execute(update(Scrap).where(Scrap.id == row.id).values(replenishment_id=made.id)
                    .execution_options(synchronize_session=False))
    set_committed_value(row, "replenishment_id", made.id)


# -- evidence ----------------------------------------------------------------------------------------------------


def _attaching(session: Session, actor: User, row: Scrap) -> tuple[str, ...]:
    """The statuses in which this reader adds evidence: the enterprise before the decision, the bureau (approver,
    witness) until the witness signs."""
    if actor.org_id == row.enterprise_id:
        return (S.draft, S.submitted)
    if actor.org_id == session.get(Material, row.material_id).bureau_id:
        return (S.submitted, S.approved)
    return ()


def may_attach(session: Session, actor: User, row: Scrap) -> bool:
    """Whether the page offers the upload form."""
    return scope.can(actor, "attach", "scrap") and row.status in _attaching(session, actor, row)


def attach(*, session: Session, actor: User, scrap_id: int, filename: str, content: bytes) -> ScrapAttachment:
    """An evidence file: the enterprise's while it drafts or waits, the bureau's (approver, witness) until the
    scrap is witnessed. Checked by content and size before anything is written."""
    row = scope.visible_scrap(session, actor, scrap_id)
    scope.require(actor, "attach", "scrap")
    if actor.org_id != row.enterprise_id:
        _material_bureau(session, actor, row)
    if row.status not in _attaching(session, actor, row):
        raise Conflict(_l("evidence cannot be added to a scrap that is %(status)s", status=S.label_of(row.status)),
                       code="illegal_transition")
    if session.exec(select(func.count()).select_from(ScrapAttachment)
                    .where(ScrapAttachment.scrap_id == row.id)).one() >= 50:
        raise Invalid.field("file", _l("a scrap takes at most %(count)s files", count=50))
    checked = evidence.check(filename, content)
    added = ScrapAttachment(scrap_id=row.id, filename=filename.strip()[:255], content_type=checked.content_type,
                            size=checked.size, sha256=checked.sha256, stored_as=checked.stored_as,
                            uploaded_by=actor.id)
    session.add(added)
    session.flush()
    evidence.store(checked, content)
    trail.record(session, actor=actor, action="scrap.attach", entity="scrap", entity_id=row.id,
                 org_id=row.enterprise_id, after={"attachment": added.id, "filename": added.filename,
                                                  "content_type": added.content_type, "size": added.size,
                                                  "sha256": added.sha256})
    return added


def attachment_content(*, session: Session, actor: User, scrap_id: int,
                       attachment_id: int) -> tuple[ScrapAttachment, bytes]:
    """An evidence file for someone who may see the scrap; 404 otherwise."""
    row = scope.visible_scrap(session, actor, scrap_id)
    scope.require(actor, "view", "scrap")
    added = session.exec(select(ScrapAttachment).where(ScrapAttachment.id == attachment_id,
                                                       ScrapAttachment.scrap_id == row.id)).first()
    if added is None:
        raise NotFound(_l("attachment not found"))
    return added, evidence.read(added.stored_as, added.sha256)


# -- reads -------------------------------------------------------------------------------------------------------


def scraps_query(session: Session, actor: User):
    scope.require(actor, "view", "scrap")
    return scope.enterprise_rows_query(session, actor, Scrap)


def visible(session: Session, actor: User, scrap_id: int) -> Scrap:
    scope.require(actor, "view", "scrap")
    return scope.visible_scrap(session, actor, scrap_id)


def lines(session: Session, scrap_id: int) -> list[ScrapLine]:
    return list(session.exec(select(ScrapLine).where(ScrapLine.scrap_id == scrap_id).order_by(ScrapLine.id)))


def attachments(session: Session, scrap_id: int) -> list[ScrapAttachment]:
    return list(session.exec(select(ScrapAttachment).where(ScrapAttachment.scrap_id == scrap_id)
                             .order_by(ScrapAttachment.id)))


def actions_for(session: Session, actor: User, row: Scrap) -> list[str]:
    """The person's actions the reader may take now (the page shows only these)."""
    return sorted({t.action for t in SCRAP.transitions if t.roles and t.source == row.status
                   and engine.may_take(session, actor, SCRAP, row, t.action)})
