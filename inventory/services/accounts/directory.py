"""Organisations, users, passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlmodel import Session, select

from inventory.models import ApiToken, District, Organisation, User
from inventory.core.vocab import OrgKind, Role
from inventory import scope
from inventory.services.audit import trail
from inventory.core.errors import Conflict, Invalid, NotFound
from inventory.core.clock import utcnow

_hasher = PasswordHasher()
#: last_used_at is refreshed at most this often, so token auth does not write on every request
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 8

#: which organisation kinds a role may belong to; admin, inspector and viewer fit any organisation
ROLE_ORG_KINDS: dict[str, set[str]] = {
    Role.enterprise_clerk: {OrgKind.enterprise},
    Role.enterprise_manager: {OrgKind.enterprise},
    Role.bureau_officer: {OrgKind.bureau},
    Role.bureau_approver: {OrgKind.bureau},
    Role.coordinator: {OrgKind.coordinator},
    Role.government_approver: {OrgKind.government},
    Role.blood_officer: {OrgKind.blood_station},
    Role.health_officer: {OrgKind.bureau},
}


def configure_hashing(*, time_cost: int, memory_cost: int) -> None:
    """Argon2 cost comes from settings; tests lower it so seeding users stays fast."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_org(
    *, session: Session, code: str, kind: str, name: str, district_code: str | None = None,
    domain: str | None = None, actor: User | None = None,
) -> Organisation:
    """``actor`` None: the system itself (CLI, demo data), which needs no permission."""
    if actor is not None:
        scope.require(actor, "create", "organisation")
    if kind not in OrgKind.__members__:
        raise Invalid.field("kind", _l("unknown organisation kind %(kind)r", kind=kind))
    if session.exec(select(Organisation).where(Organisation.code == code)).first():
        raise Conflict(_l("organisation %(code)s exists", code=code), code="duplicate_code")
    district_id = None
    if district_code:
        district = session.exec(select(District).where(District.code == district_code)).first()
        if district is None:
            raise Invalid.field("district", _l("unknown district %(district)r", district=district_code))
        district_id = district.id
    org = Organisation(code=code, kind=kind, name=name, district_id=district_id, domain=domain)
    session.add(org)
    session.flush()
    trail.record(session, actor=actor, action="org.create", entity="organisation", entity_id=org.id,
                 org_id=org.id, after={"code": code, "kind": kind, "name": name})
    return org


def create_user(
    *, session: Session, username: str, org_code: str, role: str, password: str,
    display_name: str = "", actor: User | None = None,
) -> User:
    """``actor`` None: the system itself (CLI, demo data), which needs no permission."""
    if actor is not None:
        scope.require(actor, "create", "user")
    if role not in Role.__members__:
        raise Invalid.field("role", _l("unknown role %(role)r", role=role))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid.field("password", _l("at least %(count)s characters", count=MIN_PASSWORD_LENGTH))
    org = session.exec(select(Organisation).where(Organisation.code == org_code)).first()
    if org is None:
        raise Invalid.field("org", _l("unknown organisation %(org)r", org=org_code))
    allowed = ROLE_ORG_KINDS.get(role)
    if allowed and org.kind not in allowed:
        raise Invalid.field("role", _l("role %(role)s does not fit an organisation of kind %(kind)s",
                                       role=role, kind=org.kind))
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(_l("user %(username)s exists", username=username), code="duplicate_code")
    user = User(username=username, org_id=org.id, role=role, password_hash=hash_password(password),
                display_name=display_name or username)
    session.add(user)
    session.flush()
    trail.record(session, actor=actor, action="user.create", entity="user", entity_id=user.id,
                 org_id=org.id, after={"username": username, "role": role, "org": org_code})
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        _hasher.hash(password)  # same cost whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.add(user)
    return user


def end_sessions(*, session: Session, user: User) -> int:
    """Bump the user's session epoch: every session cookie signed with an older one stops working.

    Session cookies are signed, not stored, so they cannot be deleted on the server; the epoch in each
    cookie is compared with this counter instead (docs/architecture.md, accounts). Returns the new epoch.
    """
    session.execute(update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1))
    session.refresh(user, ["session_epoch"])
    return user.session_epoch


def logout(*, session: Session, user: User) -> None:
    end_sessions(session=session, user=user)
    trail.record(session, actor=user, action="user.logout", entity="user", entity_id=user.id, org_id=user.org_id)


def change_password(*, session: Session, user: User, current: str, new: str) -> int:
    """Check the current password, store the new one and end every other session; returns the new epoch."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise Invalid.field("current_password", _l("the current password is wrong")) from None
    if len(new) < MIN_PASSWORD_LENGTH:
        raise Invalid.field("new_password", _l("at least %(count)s characters", count=MIN_PASSWORD_LENGTH))
    if new == current:
        raise Invalid.field("new_password", _l("the new password must differ from the current one"))
    user.password_hash = hash_password(new)
    session.add(user)
    session.flush()
    trail.record(session, actor=user, action="user.password", entity="user", entity_id=user.id, org_id=user.org_id)
    return end_sessions(session=session, user=user)


def set_active(*, session: Session, actor: User, user_id: int, active: bool) -> User:
    """Deactivate (ending every session and token use at once) or reactivate a user.

    Only who holds ``("user", "deactivate")`` (scope/accounts.py) may.
    """
    scope.require(actor, "deactivate", "user")
    user = session.exec(scope.users_query(session, actor).where(User.id == user_id)).first()
    if user is None:
        raise NotFound(_l("user not found"))
    if user.id == actor.id and not active:
        raise Conflict(_l("you cannot deactivate yourself"), code="own_account")
    if user.active == active:
        return user
    user.active = active
    session.add(user)
    session.flush()
    trail.record(session, actor=actor, action="user.activate" if active else "user.deactivate", entity="user",
                 entity_id=user.id, org_id=user.org_id, before={"active": not active}, after={"active": active})
    if not active:
        end_sessions(session=session, user=user)
    return user


def issue_token(*, session: Session, user: User, name: str) -> str:
    """Returns the plain token once; only its digest is kept."""
    token = "rsv_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:64] or "token", token_hash=_token_digest(token), prefix=token[:10])
    session.add(row)
    session.flush()
    trail.record(session, actor=user, action="token.issue", entity="api_token", entity_id=row.id,
                 org_id=user.org_id, after={"name": row.name, "prefix": row.prefix})
    return token


def revoke_token(*, session: Session, user: User, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_l("token not found"))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        trail.record(session, actor=user, action="token.revoke", entity="api_token", entity_id=row.id,
                     org_id=user.org_id, after={"prefix": row.prefix})
    return row


def user_for_token(*, session: Session, token: str) -> User | None:
    found = session.exec(select(ApiToken, User, Organisation.kind).join(User, User.id == ApiToken.user_id)
                         .join(Organisation, Organisation.id == User.org_id)
                         .where(ApiToken.token_hash == _token_digest(token))).first()
    if found is None:
        return None
    row, user, kind = found
    if row.revoked_at is not None or not user.active:
        return None
    scope.remember_org_kind(session, user, kind)
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_INTERVAL:
        row.last_used_at = now
        session.add(row)
        session.commit()
    return user


def organisation_of(*, session: Session, user: User) -> Organisation | None:
    return session.get(Organisation, user.org_id)


def user_tokens(*, session: Session, user: User) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))
