"""Storage contracts (承储合同, reserve-materials-measures §二(五)2; docs/plans.md, contracts and selections).

A bureau's officer or approver drafts a contract with an enterprise for materials of the bureau's remit kept in
facilities of THAT enterprise (存储库点), with its rotation, dispatch and subsidy terms and the liability for breach.
While a draft it may be edited; submitted, both parties sign (``signatures.sign``: the bureau's approver, never the
drafter, and the enterprise's manager, in either order); the last signature makes it ``signed``. It becomes
``active`` at once when its period has begun, else on the day it begins (the daily beat, ``run_daily``), which also
lets ended contracts expire; the bureau's approver may terminate it with a reason.

No contract for a suspended or revoked enterprise (409 ``enterprise_sanctioned``: at draft, submission, signing and
activation). While active, each line holds ``active_key`` = "material:facility", unique: of two contracts naming the
same material in the same facility only one is active — the unique index decides, under a savepoint, and the loser
stays signed (409 ``contract_overlap`` naming the line).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import Conflict, DomainError, Forbidden, Invalid
from inventory.core.quantities import quantity_text
from inventory.core.vocab import ContractStatus as S
from inventory.core.vocab import OrgKind, Role
from inventory.core.vocab import WorkflowAction as A
from inventory.models import ContractLine, Facility, Material, Organisation, StorageContract, User
from inventory.scope.plans import PERMISSIONS, visible_contract
from inventory.services.audit import trail
from inventory.services.inspections import qualification
from inventory.services.plans import signatures
from inventory.services.stock import ledger
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_plan import Problems
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

DRAFTERS = PERMISSIONS[("contract", "draft")]
SIGNERS = PERMISSIONS[("contract", "sign")]
TERMINATORS = PERMISSIONS[("contract", "terminate")]
#: who signs for which side
PARTY_ROLE = {"bureau": Role.bureau_approver, "enterprise": Role.enterprise_manager}
SHORTEST, LONGEST = 1, 365
MAX_LINES = 100
TEXT_LIMITS = {"dispatch_terms": 2000, "loan_interest_subsidy": 500, "policy_loss_subsidy": 500, "liability": 2000}
NOTE_LENGTH = 500


def _own_bureau(session: Session, actor: User, row: StorageContract) -> None:
    if actor.org_id != row.bureau_id:
        raise Forbidden(_l("only the bureau that drafted the contract may change, submit or cancel it"))


def parties(row: StorageContract) -> tuple[int, int]:
    return row.bureau_id, row.enterprise_id


def _may_sign(session: Session, actor: User, row: StorageContract) -> None:
    """The bureau's approver for the bureau, the enterprise's manager for the enterprise, each side once."""
    side = {row.bureau_id: PARTY_ROLE["bureau"], row.enterprise_id: PARTY_ROLE["enterprise"]}.get(actor.org_id)
    if side != actor.role:
        raise Forbidden(_l("only the bureau's approver and the enterprise's manager sign a storage contract"))
    if actor.org_id not in signatures.missing(session, CONTRACT, row, parties(row)):
        raise Conflict(_l("your organisation has signed this contract already"), code="illegal_transition")


def _may_activate(session: Session, actor: User, row: StorageContract) -> None:
    """The bureau's approver starts a signed contract whose period runs (after an overlap was cleared)."""
    if actor.org_id != row.bureau_id:
        raise Forbidden(_l("only the bureau that made the contract may activate or terminate it"))
    if not row.starts_on <= business_today() <= row.ends_on:
        raise Conflict(_l("the contract's period runs from %(start)s to %(end)s", start=row.starts_on.isoformat(),
                          end=row.ends_on.isoformat()), code="illegal_transition")


def _may_terminate(session: Session, actor: User, row: StorageContract) -> None:
    if actor.org_id != row.bureau_id:
        raise Forbidden(_l("only the bureau that made the contract may activate or terminate it"))


def _describe(session: Session, user: User, rows: list[StorageContract]) -> dict[int, InboxEntry]:
    orgs = {o.id: o for o in session.exec(select(Organisation).where(
        Organisation.id.in_({r.enterprise_id for r in rows} | {r.bureau_id for r in rows})))}
    return {row.id: InboxEntry(
        title=f"{row.number} · {orgs[row.bureau_id].name} ↔ {orgs[row.enterprise_id].name}",
        detail=f"{row.starts_on.isoformat()} – {row.ends_on.isoformat()}", endpoint="contracts.show",
        args={"contract_id": row.id}, requested_by=row.submitted_by or row.requested_by,
        requested_at=row.submitted_at or row.created_at, reason=S.label_of(row.status)) for row in rows}


CONTRACT = register(Flow(
    name="contract", label=_l("storage contract"), model=StorageContract, initial=S.draft, statuses=S,
    missing=_l("storage contract not found"), requester="requested_by",
    transitions=(
        Transition(S.draft, A.submit, S.signing, DRAFTERS, _own_bureau, by="submitted_by", at="submitted_at",
                   awaited=False),
        # each party's signature (signatures.sign), then the system's step once both signed
        Transition(S.signing, A.sign, S.signed, SIGNERS, _may_sign, four_eyes=True),
        Transition(S.signing, A.sign, S.signed),
        Transition(S.signed, A.activate, S.active, TERMINATORS, _may_activate, at="activated_at", awaited=False),
        Transition(S.signed, A.activate, S.active, at="activated_at"),
        Transition(S.active, A.expire, S.expired, at="ended_at"),
        Transition(S.signed, A.expire, S.expired, at="ended_at"),
        *(Transition(source, A.terminate, S.terminated, TERMINATORS, _may_terminate, by="terminated_by",
                     at="ended_at", note="termination_note", awaited=False) for source in (S.signed, S.active)),
        *(Transition(source, A.cancel, S.cancelled, DRAFTERS, _own_bureau, by="cancelled_by", at="cancelled_at",
                     awaited=False) for source in (S.draft, S.signing)),
    ),
    describe=_describe,
))


# -- drafting ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    material: str
    facility: str
    quantity: Decimal | str | int
    quality_standard: str = ""


@dataclass(frozen=True)
class ContractInput:
    number: str
    enterprise: str
    starts_on: date | None
    ends_on: date | None
    lines: tuple[LineInput, ...]
    rotation_window_days: int | None = None
    rotation_floor_share: Decimal | str | None = None
    dispatch_terms: str = ""
    storage_fee: Decimal | str | int = Decimal(0)
    loan_interest_subsidy: str = ""
    policy_loss_subsidy: str = ""
    liability: str = ""


@dataclass
class _Checked:
    enterprise: Organisation | None = None
    lines: list[ContractLine] = field(default_factory=list)
    values: dict = field(default_factory=dict)


def _number(value, name: str, problems: Problems, *, low: Decimal, high: Decimal | None = None) -> Decimal | None:
    try:
        amount = ledger.quantity(value, field=name)
    except Invalid as error:
        problems.add(name, error.message)
        return None
    if amount < low or (high is not None and amount > high):
        problems.add(name, _l("from %(low)s to %(high)s", low=low, high=high) if high is not None
                     else _l("must not be negative"))
        return None
    return amount


def _check(session: Session, actor: User, given: ContractInput, contract_id: int | None) -> _Checked:
    """Every problem of the input at once (422 naming each field), then the enterprise's qualification (409)."""
    problems, checked = Problems(), _Checked()
    number = given.number.strip()
    if not number or len(number) > 40:
        problems.add("number", _l("1 to %(count)s characters", count=40))
    elif session.exec(select(StorageContract.id).where(StorageContract.number == number,
                                                       StorageContract.id != (contract_id or 0))).first():
        problems.add("number", _l("contract number %(number)s is taken", number=number))
    enterprise = session.exec(select(Organisation).where(Organisation.code == given.enterprise.strip(),
                                                         Organisation.kind == OrgKind.enterprise)).first()
    if enterprise is None:
        problems.add("enterprise", _l("unknown enterprise %(code)r", code=given.enterprise))
    checked.enterprise = enterprise
    if given.starts_on is None:
        problems.add("starts_on", _l("required"))
    if given.ends_on is None:
        problems.add("ends_on", _l("required"))
    elif given.starts_on is not None and given.ends_on < given.starts_on:
        problems.add("ends_on", _l("the period ends before it starts"))
    window = given.rotation_window_days
    if window is not None and (isinstance(window, bool) or not isinstance(window, int)
                               or not SHORTEST <= window <= LONGEST):
        problems.add("rotation_window_days", _l("a whole number of days from %(first)s to %(last)s",
                                                first=SHORTEST, last=LONGEST))
    share = None
    if given.rotation_floor_share not in (None, ""):
        share = _number(given.rotation_floor_share, "rotation_floor_share", problems, low=Decimal(0),
                        high=Decimal(1))
    fee = _number(given.storage_fee if given.storage_fee not in (None, "") else 0, "storage_fee", problems,
                  low=Decimal(0))
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(given, name).strip()) > limit:
            problems.add(name, _l("at most %(count)s characters", count=limit))
    checked.lines = _check_lines(session, actor, enterprise, given.lines, problems)
    problems.raise_any(_l("the contract has errors; nothing was saved"))
    qualification.check_may_receive(session, enterprise.id)
    checked.values = {
        "number": number, "enterprise_id": enterprise.id, "starts_on": given.starts_on, "ends_on": given.ends_on,
        "rotation_window_days": window, "rotation_floor_share": share, "storage_fee": fee,
        **{name: getattr(given, name).strip() for name in TEXT_LIMITS}}
    return checked


def _check_lines(session: Session, actor: User, enterprise: Organisation | None, lines: tuple[LineInput, ...],
                 problems: Problems) -> list[ContractLine]:
    if not lines:
        problems.add("lines", _l("name at least one material and facility"))
        return []
    if len(lines) > MAX_LINES:
        problems.add("lines", _l("at most %(count)s lines", count=MAX_LINES))
        return []
    materials = {m.code: m for m in session.exec(select(Material).where(
        Material.code.in_({line.material.strip() for line in lines})))}
    facilities = {f.code: f for f in session.exec(select(Facility).where(
        Facility.code.in_({line.facility.strip() for line in lines})))}
    made, seen = [], set()
    for index, line in enumerate(lines):
        name = f"lines[{index}]"
        material = materials.get(line.material.strip())
        if material is None or material.bureau_id != actor.org_id:
            problems.add(f"{name}.material", _l("%(code)s is not a material of your bureau's remit",
                                                code=line.material))
        facility = facilities.get(line.facility.strip())
        if facility is None or not facility.active or enterprise is None or facility.enterprise_id != enterprise.id:
            problems.add(f"{name}.facility", _l("%(code)s is not a facility of the contracted enterprise",
                                                code=line.facility))
        amount = _number(line.quantity, f"{name}.quantity", problems, low=Decimal("0.001"))
        if amount is not None and amount <= 0:
            problems.add(f"{name}.quantity", _l("must be positive"))
        if len(line.quality_standard.strip()) > 255:
            problems.add(f"{name}.quality_standard", _l("at most %(count)s characters", count=255))
        if material is not None and facility is not None:
            if (material.id, facility.id) in seen:
                problems.add(name, _l("%(material)s in %(facility)s is listed twice", material=material.code,
                                      facility=facility.code))
            seen.add((material.id, facility.id))
            if amount is not None:
                made.append(ContractLine(contract_id=0, material_id=material.id, facility_id=facility.id,
                                         quantity=amount, quality_standard=line.quality_standard.strip()))
    return made


def draft(*, session: Session, actor: User, given: ContractInput) -> StorageContract:
    """A bureau's draft contract with an enterprise; 422 naming every bad field, 409 for a sanctioned enterprise,
    nothing written either way."""
    scope.require(actor, "draft", "contract")
    checked = _check(session, actor, given, None)
    row = StorageContract(bureau_id=actor.org_id, requested_by=actor.id, **checked.values)
    session.add(row)
    _flush_number(session, row.number)
    _replace_lines(session, row, checked.lines)
    engine.opened(session, flow=CONTRACT, row=row, actor=actor)
    trail.record(session, actor=actor, action="contract.draft", entity="contract", entity_id=row.id,
                 org_id=row.enterprise_id, after=_audited(row, checked.lines))
    return row


def edit(*, session: Session, actor: User, contract_id: int, given: ContractInput) -> StorageContract:
    """Replace the whole draft (its bureau's staff, while it is a draft: 409 otherwise)."""
    scope.require(actor, "draft", "contract")
    row = engine.visible_row(session, actor, CONTRACT, contract_id)
    _own_bureau(session, actor, row)
    row = signatures.locked(session, StorageContract, row.id)
    if row.status != S.draft:
        raise Conflict(_l("only a draft contract is edited; this one is %(status)s", status=S.label_of(row.status)),
                       code="illegal_transition")
    checked = _check(session, actor, given, row.id)
    before = _audited(row, lines_of(session, row.id))
    for name, value in checked.values.items():
        setattr(row, name, value)
    session.add(row)
    _flush_number(session, row.number)
    _replace_lines(session, row, checked.lines)
    trail.record(session, actor=actor, action="contract.edit", entity="contract", entity_id=row.id,
                 org_id=row.enterprise_id, before=before, after=_audited(row, checked.lines))
    return row


def _flush_number(session: Session, number: str) -> None:
    """Two drafts given one number at once: the unique index keeps one, the other is told (422)."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Invalid.field("number", _l("contract number %(number)s is taken", number=number)) from None


def _replace_lines(session: Session, row: StorageContract, lines: list[ContractLine]) -> None:
    session.execute(delete(ContractLine).where(ContractLine.contract_id == row.id))
    for line in lines:
        line.contract_id = row.id
    session.add_all(lines)
    session.flush()


def _audited(row: StorageContract, lines: list[ContractLine]) -> dict:
    return {"number": row.number, "enterprise_id": row.enterprise_id, "starts_on": row.starts_on.isoformat(),
            "ends_on": row.ends_on.isoformat(), "rotation_window_days": row.rotation_window_days,
            "rotation_floor_share": None if row.rotation_floor_share is None else str(row.rotation_floor_share),
            "storage_fee": str(row.storage_fee),
            "lines": [[line.material_id, line.facility_id, str(line.quantity)] for line in lines]}


# -- the flow ----------------------------------------------------------------------------------------------------


def decide(*, session: Session, actor: User, contract_id: int, action: str,
           note: str = "") -> tuple[StorageContract, Conflict | None]:
    """A person's step: submit, sign, activate, terminate (with a reason) or cancel. Returns the contract and, when
    the last signature could not start it because another active contract holds one of its lines, why (the
    signature stands and the contract stays signed: commit, then report it)."""
    if len(note) > NOTE_LENGTH:
        raise Invalid.field("note", _l("at most %(count)s characters", count=NOTE_LENGTH))
    note = note.strip()
    if action == A.sign:
        return _sign(session, actor, contract_id, note)
    if action == A.activate:
        row = engine.visible_row(session, actor, CONTRACT, contract_id)
        _activate(session, row, actor, person=True)
        return row, None
    return engine.take(session, flow=CONTRACT, row_id=contract_id, action=action, actor=actor, note=note), None


def _sign(session: Session, actor: User, contract_id: int, note: str) -> tuple[StorageContract, Conflict | None]:
    row = engine.visible_row(session, actor, CONTRACT, contract_id)
    qualification.check_may_receive(session, row.enterprise_id)
    engine.check(session, actor, CONTRACT, row, A.sign)
    row = signatures.sign(session, flow=CONTRACT, row_id=row.id, actor=actor, parties=parties(row), roles=SIGNERS,
                          waiting=S.signing, note=note)
    if row.status == S.signed and row.starts_on <= business_today():
        try:
            _activate(session, row, actor, person=False)
        except Conflict as refused:
            return row, refused
    return row, None


def _activate(session: Session, row: StorageContract, actor: User | None, *, person: bool) -> None:
    """Signed → active, decided once (the bureau approver's step, or the system's after the last signature or on
    the first day); a clash of lines rolls the whole activation back and the row stays signed."""
    try:
        with session.begin_nested():
            if person:
                engine.take(session, flow=CONTRACT, row_id=row.id, action=A.activate, actor=actor)
            else:
                engine.follow(session, flow=CONTRACT, row=row, action=A.activate, actor=actor)
    except DomainError:
        set_committed_value(row, "status", session.exec(select(StorageContract.status).where(
            StorageContract.id == row.id)).one())
        raise


@CONTRACT.on_enter(S.signing)
def _submitted(session: Session, actor: User, row: StorageContract, note: str) -> None:
    """Checked again as it goes out for signature: still qualified, and no active contract holds one of its lines."""
    qualification.check_may_receive(session, row.enterprise_id)
    clash = overlapping(session, row)
    if clash is not None:
        raise clash


def overlapping(session: Session, row: StorageContract) -> Conflict | None:
    """The first line of the contract that an active contract over the same days already holds, as the error naming
    it (a successor for the next period may be signed while the current one runs)."""
    found = session.exec(select(ContractLine, StorageContract.number, Material.code, Facility.code)
                         .join(StorageContract, StorageContract.id == ContractLine.contract_id)
                         .join(Material, Material.id == ContractLine.material_id)
                         .join(Facility, Facility.id == ContractLine.facility_id)
                         .where(ContractLine.active_key.in_([key_of(line) for line in lines_of(session, row.id)]),
                                ContractLine.contract_id != row.id, StorageContract.starts_on <= row.ends_on,
                                StorageContract.ends_on >= row.starts_on)
                         .order_by(ContractLine.id)).first()
    if found is None:
        return None
    _line, number, material, facility = found
    return _overlap(material, facility, number)


def _overlap(material: str, facility: str, number: str | None) -> Conflict:
    return Conflict(_l("%(material)s in %(facility)s is held by the active contract %(number)s: one line, one "
                       "active contract", material=material, facility=facility, number=number or "?"),
                    code="contract_overlap")


def key_of(line: ContractLine) -> str:
    return f"{line.material_id}:{line.facility_id}"


@CONTRACT.on_enter(S.active)
def _activated(session: Session, actor: User | None, row: StorageContract, note: str) -> None:
    """Each line takes its key; the unique index refuses a line another active contract holds."""
    qualification.check_may_receive(session, row.enterprise_id)
    for line in lines_of(session, row.id):
        try:
            with session.begin_nested():
                session.execute(update(ContractLine).where(ContractLine.id == line.id)
                                .values(active_key=key_of(line)).execution_options(synchronize_session=False))
        except (IntegrityError, OperationalError):
            material = session.get(Material, line.material_id)
            facility = session.get(Facility, line.facility_id)
            holder = session.exec(select(StorageContract.number).join(
                ContractLine, ContractLine.contract_id == StorageContract.id).where(
                ContractLine.active_key == key_of(line))).first()
            raise _overlap(material.code, facility.code, holder) from None


def _release_lines(session: Session, actor: User | None, row: StorageContract, note: str) -> None:
    session.execute(update(ContractLine).where(ContractLine.contract_id == row.id).values(active_key=None)
                    .execution_options(synchronize_session=False))


CONTRACT.on_enter(S.expired)(_release_lines)


@CONTRACT.on_enter(S.terminated)
def _terminated(session: Session, actor: User, row: StorageContract, note: str) -> None:
    if not note.strip():
        raise Invalid.field("note", _l("a termination needs a reason"))
    _release_lines(session, actor, row, note)


@dataclass(frozen=True)
class DailyRun:
    activated: list[int]
    expired: list[int]
    refused: dict[int, str]


def run_daily(session: Session, today: date | None = None) -> DailyRun:
    """The beat's daily step: contracts whose period ended expire (their lines freed first), then signed contracts
    whose period has begun start; one refused (an overlap, a sanction) stays signed and is reported."""
    today = today or business_today()
    expired, activated, refused = [], [], {}
    ended = session.exec(select(StorageContract).where(StorageContract.status.in_([S.active, S.signed]),
                                                       StorageContract.ends_on < today)
                         .order_by(StorageContract.id)).all()
    for row in ended:
        try:
            with session.begin_nested():
                engine.follow(session, flow=CONTRACT, row=row, action=A.expire, actor=None)
            expired.append(row.id)
        except Conflict as error:
            refused[row.id] = error.message
    due = session.exec(select(StorageContract).where(StorageContract.status == S.signed,
                                                     StorageContract.starts_on <= today,
                                                     StorageContract.ends_on >= today)
                       .order_by(StorageContract.id)).all()
    for row in due:
        try:
            _activate(session, row, None, person=False)
            activated.append(row.id)
        except Conflict as error:
            refused[row.id] = error.message
    return DailyRun(activated, expired, refused)


# -- reads -------------------------------------------------------------------------------------------------------


def contracts_query(session: Session, actor: User):
    scope.require(actor, "view", "contract")
    return scope.enterprise_rows_query(session, actor, StorageContract)


def visible(session: Session, actor: User, contract_id: int) -> StorageContract:
    scope.require(actor, "view", "contract")
    return visible_contract(session, actor, contract_id)


def lines_of(session: Session, contract_id: int) -> list[ContractLine]:
    return list(session.exec(select(ContractLine).where(ContractLine.contract_id == contract_id)
                             .order_by(ContractLine.id)))


def actions_for(session: Session, actor: User, row: StorageContract) -> list[str]:
    return sorted({t.action for t in CONTRACT.transitions if t.roles and t.source == row.status
                   and engine.may_take(session, actor, CONTRACT, row, t.action)})


def new_number() -> str:
    """A suggestion for the draft form; the bureau's own numbering may replace it."""
    return f"CT-{business_today().year}-{uuid4().hex[:6].upper()}"


def line_text(line: ContractLine, material: Material) -> str:
    return f"{material.code} {quantity_text(line.quantity)} {material.unit}"


def may_edit(actor: User, row: StorageContract) -> bool:
    return row.status == S.draft and actor.org_id == row.bureau_id and actor.role in DRAFTERS
