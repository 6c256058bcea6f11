"""Tenancy of dispatch plans (动用, reserve-materials-measures §四(一)).

Instructions and replenishments belong to the enterprise that carries them out and to the bureau of their
material; the city-wide roles see all. Who sees a plan: the coordinators (development and reform, finance: two of its three proposers), the government
and administrators, the whole city; a reserve bureau the plans of the materials it is responsible for (it drafts
and co-signs them); an enterprise only the plans that allocate its stock, once approved; nobody else.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.errors import NotFound
from inventory.core.vocab import Role
from inventory.models import Dispatch, DispatchAllocation, Instruction, Material, Replenishment, User
from inventory.scope.rules import (
    ALL_ROLES, ENTERPRISE_ROLES, Ownership, declare_audited, declare_ownership, enterprise_rows_query,
)

DRAFTERS = frozenset({Role.bureau_officer, Role.bureau_approver, Role.coordinator})

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("dispatch", "view"): ALL_ROLES - {Role.blood_officer},
    ("dispatch", "draft"): DRAFTERS,
    ("dispatch", "submit"): DRAFTERS,
    ("dispatch", "cancel"): DRAFTERS,
    ("dispatch", "cosign"): frozenset({Role.coordinator, Role.bureau_approver}),
    ("dispatch", "approve"): frozenset({Role.government_approver}),
    # an authorised department dispatches at once (紧急调用, §四(一)); it completes and files what it dispatched
    ("dispatch", "execute"): DRAFTERS,
    ("dispatch", "complete"): DRAFTERS,
    ("dispatch", "file"): DRAFTERS,
    ("dispatch", "recover"): ENTERPRISE_ROLES,
    ("emergency_authorisation", "record"): frozenset({Role.admin}),
    ("emergency_authorisation", "view"): frozenset({Role.admin, Role.government_approver, Role.coordinator,
                                                    Role.bureau_officer, Role.bureau_approver}),
    ("instruction", "view"): ALL_ROLES - {Role.blood_officer},
    ("instruction", "issue"): frozenset({Role.bureau_officer, Role.bureau_approver}),
    ("instruction", "cancel"): frozenset({Role.bureau_officer, Role.bureau_approver}),
    ("instruction", "consent"): frozenset({Role.bureau_approver}),
    ("instruction", "execute"): ENTERPRISE_ROLES,
    ("replenishment", "view"): ALL_ROLES - {Role.blood_officer},
    ("replenishment", "confirm"): frozenset({Role.bureau_approver}),
}


class _AllocatedEnterprise:
    """Stands among ``Ownership``'s enterprise columns for "an enterprise holding an allocation of the plan":
    the ownership rule compares each of them with the reader's enterprise, and this comparison is a subquery."""

    def __eq__(self, enterprise_id: object) -> ColumnElement[bool]:  # type: ignore[override]
        return Dispatch.id.in_(select(DispatchAllocation.dispatch_id)
                               .where(DispatchAllocation.enterprise_id == enterprise_id))

    __hash__ = object.__hash__


def _of_bureau_of(materials) -> ColumnElement[bool]:
    """Plans whose responsible bureau is the bureau of ``materials`` (the reader's remit)."""
    return Dispatch.bureau_id.in_(select(Material.bureau_id).where(Material.id.in_(materials)))


declare_ownership(
    Ownership(Dispatch, (_AllocatedEnterprise(),), _of_bureau_of),
    # an instruction and a replenishment are the enterprise's to carry out and its material's bureau's to watch
    Ownership(Instruction, (Instruction.enterprise_id,), lambda materials: Instruction.material_id.in_(materials)),
    Ownership(Replenishment, (Replenishment.enterprise_id,),
              lambda materials: Replenishment.material_id.in_(materials)),
)


def dispatches_query(session: Session, user: User) -> SelectOfScalar[Dispatch]:
    return enterprise_rows_query(session, user, Dispatch)


def visible_dispatch(session: Session, user: User, dispatch_id: int) -> Dispatch:
    """The plan if this user may see it; 404 otherwise, exactly as for one that does not exist."""
    dispatch = session.exec(dispatches_query(session, user).where(Dispatch.id == dispatch_id)).first()
    if dispatch is None:
        raise NotFound(_l("dispatch not found"))
    return dispatch


def visible_instruction(session: Session, user: User, instruction_id: int) -> Instruction:
    row = session.exec(enterprise_rows_query(session, user, Instruction).where(Instruction.id == instruction_id)).first()
    if row is None:
        raise NotFound(_l("instruction not found"))
    return row


def visible_replenishment(session: Session, user: User, replenishment_id: int) -> Replenishment:
    row = session.exec(enterprise_rows_query(session, user, Replenishment)
                       .where(Replenishment.id == replenishment_id)).first()
    if row is None:
        raise NotFound(_l("replenishment not found"))
    return row


declare_audited({
    "dispatch": lambda session, user: dispatches_query(session, user).with_only_columns(Dispatch.id),
    "instruction": lambda session, user: enterprise_rows_query(session, user, Instruction)
    .with_only_columns(Instruction.id),
    "replenishment": lambda session, user: enterprise_rows_query(session, user, Replenishment)
    .with_only_columns(Replenishment.id),
})
