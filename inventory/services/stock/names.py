"""The one name loader: what the ids on a page of lots (or requests about lots) are called, in a few queries."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import get_locale
from sqlmodel import Session, select

from inventory import scope
from inventory.models import Facility, Lot, Material, Organisation, User


@dataclass(frozen=True)
class Names:
    materials: dict[int, Material]
    facilities: dict[int, Facility]
    orgs: dict[int, Organisation]


def names_for(session: Session, user: User, lots: Iterable[Lot], *, facility_ids: Iterable[int] = ()) -> Names:
    """Three small queries for a page of lots instead of one per row; ``facility_ids`` adds other facilities
    named on the page (a transfer's destination)."""
    lots = list(lots)
    wanted_facilities = {lot.facility_id for lot in lots} | set(facility_ids)
    wanted_orgs = {lot.enterprise_id for lot in lots} | {lot.held_by_org_id for lot in lots if lot.held_by_org_id}
    facilities = {f.id: f for f in session.exec(select(Facility).where(Facility.id.in_(wanted_facilities)))}
    wanted_orgs |= {f.enterprise_id for f in facilities.values()}
    return Names(
        materials={m.id: m for m in session.exec(scope.materials_query(session, user))},
        facilities=facilities,
        orgs={o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(wanted_orgs)))},
    )


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.display_name or u.username for u in session.exec(select(User).where(User.id.in_(wanted)))}


def material_name(material: Material | None) -> str:
    """The material's name in the reader's language (Chinese unless English is chosen and given)."""
    if material is None:
        return "—"
    if str(get_locale()) == "en" and material.name_en:
        return material.name_en
    return material.name_zh
