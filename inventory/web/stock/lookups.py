"""Names for the ids on a page and choices for the select boxes, always through scope."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select
from wtforms.fields import SelectChoice

from inventory import scope
from inventory.models import Facility, Lot, Material, Organisation, User
from inventory.models.enums import OrgKind
from inventory.web.stock_display import CATEGORY_LABELS, STATUS_LABELS, material_name


@dataclass(frozen=True)
class Names:
    materials: dict[int, Material]
    facilities: dict[int, Facility]
    orgs: dict[int, Organisation]


def names_for(session: Session, user: User, lots: Iterable[Lot]) -> Names:
    """Three small queries for a page of lots instead of one per row."""
    lots = list(lots)
    facility_ids = {lot.facility_id for lot in lots}
    org_ids = {lot.enterprise_id for lot in lots}
    return Names(
        materials={m.id: m for m in session.exec(scope.materials_query(session, user))},
        facilities={f.id: f for f in session.exec(select(Facility).where(Facility.id.in_(facility_ids)))},
        orgs={o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(org_ids)))},
    )


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.display_name or u.username for u in session.exec(select(User).where(User.id.in_(wanted)))}


def material_choices(session: Session, user: User, *, active_only: bool = False) -> list[SelectChoice]:
    query = scope.materials_query(session, user).order_by(Material.category, Material.code)
    if active_only:
        query = query.where(Material.active)
    return [SelectChoice(m.code, f"{m.code} · {material_name(m)} ({m.unit})") for m in session.exec(query)]


def facility_choices(session: Session, user: User) -> list[SelectChoice]:
    query = scope.facilities_query(session, user).where(Facility.active).order_by(Facility.code)
    return [SelectChoice(f.code, f"{f.code} · {f.name}") for f in session.exec(query)]


def enterprise_choices(session: Session, user: User) -> list[SelectChoice]:
    query = (scope.organisations_query(session, user).where(Organisation.kind == OrgKind.enterprise)
             .order_by(Organisation.code))
    return [SelectChoice(o.code, o.name) for o in session.exec(query)]


def bureau_choices(session: Session) -> list[SelectChoice]:
    """Blank first: a count covers every material unless one bureau's are chosen."""
    query = select(Organisation).where(Organisation.kind == OrgKind.bureau).order_by(Organisation.code)
    return [SelectChoice("", "—")] + [SelectChoice(o.code, o.name) for o in session.exec(query)]


def category_choices() -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in CATEGORY_LABELS.items()]


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in STATUS_LABELS.items()]
