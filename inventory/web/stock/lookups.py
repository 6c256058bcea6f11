"""Choices for the select boxes, from the rows the stock query service lets the user see."""
from __future__ import annotations

from sqlmodel import Session
from wtforms.fields import SelectChoice

from inventory.core.vocab import Category, LotStatus
from inventory.models import User
from inventory.services.stock import queries
from inventory.services.stock.names import material_name


def material_choices(session: Session, user: User) -> list[SelectChoice]:
    return [SelectChoice(m.code, f"{m.code} · {material_name(m)} ({m.unit})")
            for m in queries.materials(session=session, actor=user)]


def materials_by_category(session: Session, user: User) -> dict[str, list[SelectChoice]]:
    """Active materials grouped by category (option groups), named in the reader's language."""
    groups: dict[str, list[SelectChoice]] = {}
    for m in queries.materials(session=session, actor=user, active_only=True):
        groups.setdefault(str(Category.label_of(m.category)), []).append(
            SelectChoice(m.code, f"{material_name(m)} · {m.code} ({m.unit})"))
    return groups


def facility_choices(session: Session, user: User) -> list[SelectChoice]:
    return [SelectChoice(f.code, f"{f.code} · {f.name}") for f in queries.active_facilities(session=session, actor=user)]


def enterprise_choices(session: Session, user: User) -> list[SelectChoice]:
    return [SelectChoice(o.code, o.name) for o in queries.enterprises(session=session, actor=user)]


def bureau_choices(session: Session) -> list[SelectChoice]:
    """Blank first: the facility's only bureau, or the one an inspector belongs to, is then taken."""
    return [SelectChoice("", "—")] + [SelectChoice(o.code, o.name) for o in queries.bureaus(session=session)]


def category_choices() -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in Category.labels().items()]


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in LotStatus.labels().items()]
