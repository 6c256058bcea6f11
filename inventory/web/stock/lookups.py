"""Names for the ids on a page and choices for the select boxes, always through scope."""
from __future__ import annotations


from sqlmodel import Session, select
from wtforms.fields import SelectChoice

from inventory import scope
from inventory.models import Facility, Material, Organisation, User
from inventory.core.vocab import OrgKind
from inventory.core.vocab import Category, LotStatus
from inventory.services.stock.names import material_name


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
    return [SelectChoice(code, label) for code, label in Category.labels().items()]


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in LotStatus.labels().items()]
