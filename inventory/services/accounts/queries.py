"""Reads of the accounts domain for the pages: organisations, users and districts a user may see."""
from __future__ import annotations

from sqlmodel import Session, select

from inventory import scope
from inventory.models import District, Organisation, User


def organisations(*, session: Session, user: User) -> list[Organisation]:
    return list(session.exec(scope.organisations_query(session, user).order_by(Organisation.kind, Organisation.code)))


def users(*, session: Session, user: User) -> list[User]:
    return list(session.exec(scope.users_query(session, user).order_by(User.username)))


def organisations_by_id(*, session: Session, user: User) -> dict[int, Organisation]:
    return {o.id: o for o in session.exec(scope.organisations_query(session, user))}


def districts(*, session: Session) -> list[District]:
    """Every district: populations are public figures (census), readable by all roles."""
    return list(session.exec(select(District).order_by(District.area, District.id)))


def districts_by_id(*, session: Session) -> dict[int, District]:
    return {d.id: d for d in districts(session=session)}
