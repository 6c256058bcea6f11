"""Tenancy matrix for organisations, users and the audit log: every role against every resource.

DESIGN §1: an enterprise user never sees another enterprise's data; coordinators and the government
see the whole city; bureaus supervise enterprises.
"""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.models import Organisation, User
from inventory.services.audit import trail as audit_service
from inventory.services.system import demo

ALL_ORGS = {code for code, *_ in demo.ORGANISATIONS}
ORG_OF = {username: org for username, org, *_ in demo.USERS}
ROLE_OF = {username: role for username, _org, role, _ in demo.USERS}
USERS_BY_ORG: dict[str, set[str]] = {}
for _username, _org in ORG_OF.items():
    USERS_BY_ORG.setdefault(_org, set()).add(_username)

CITY_WIDE = {"admin", "coordinator", "finance", "gov", "viewer"}  # admin role or coordinator/government organisation
BUREAU_USERS = {"officer", "approver", "emofficer", "emapprover", "health", "inspector", "bizofficer", "bizapprover",
                "bizinspector", "indapprover", "waterapprover", "healthapprover", "coopapprover"}


def expected_orgs(username: str) -> set[str]:
    if username in CITY_WIDE | BUREAU_USERS:
        return ALL_ORGS
    return {ORG_OF[username]}


def expected_users(username: str) -> set[str]:
    role = ROLE_OF[username]
    if role == "admin":
        return set(ORG_OF)
    if role in {"enterprise_manager", "bureau_approver"}:
        return USERS_BY_ORG[ORG_OF[username]]
    return {username}


AUDIT_READERS = {"admin", "coordinator", "finance", "manager", "coldmanager", "officer", "approver",
                 "emofficer", "emapprover", "health", "bizofficer", "bizapprover", "indapprover", "waterapprover",
                 "healthapprover", "coopapprover", "bzmanager"}


def all_items(api_user, path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        response = api_user.get(path + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items


@pytest.mark.parametrize("username", sorted(ORG_OF))
def test_organisations_visible(api, username):
    codes = {item["code"] for item in all_items(api(username), "/organisations?limit=500")}
    assert codes == expected_orgs(username)


@pytest.mark.parametrize("username", sorted(ORG_OF))
def test_users_visible(api, username):
    names = {item["username"] for item in all_items(api(username), "/users?limit=500")}
    assert names == expected_users(username)


@pytest.mark.parametrize("username", sorted(ORG_OF))
def test_create_organisation_and_user_only_admin(api, username):
    org = {"code": f"NEW-{username}", "kind": "enterprise", "name": "n"}
    user = {"username": f"new-{username}", "org": "ENT-GRAIN", "role": "enterprise_clerk", "password": "long-enough-1"}
    expected = 201 if ROLE_OF[username] == "admin" else 403
    assert api(username).post("/organisations", json=org).status_code == expected
    assert api(username).post("/users", json=user).status_code == expected


@pytest.mark.parametrize("username", sorted(ORG_OF))
def test_audit_visibility(api, db, username):
    """Each reader sees exactly the events of the organisations in its remit."""
    orgs = {o.code: o.id for o in db.exec(select(Organisation))}
    probed = {"ENT-GRAIN", "ENT-COLD", "BLOOD", "BUR-GRAIN", "CO-FIN"}
    for code in sorted(probed):
        audit_service.record(db, actor=None, action="probe", entity="organisation", entity_id=orgs[code], org_id=orgs[code])
    db.commit()
    response = api(username).get("/audit?action=probe&limit=500")
    if username not in AUDIT_READERS:
        assert response.status_code == 403
        return
    ids = {orgs_id for orgs_id in (item["org_id"] for item in response.get_json()["items"])}
    seen = {code for code, oid in orgs.items() if oid in ids}
    if username in {"admin", "coordinator", "finance"}:
        assert seen == probed
    elif ROLE_OF[username] == "enterprise_manager":
        assert seen == {ORG_OF[username]} & probed
    else:  # bureau roles: their own organisation; enterprises' events only where they concern the remit
        assert seen == {ORG_OF[username]} & {"BUR-GRAIN"}


@pytest.mark.parametrize("username", sorted(ORG_OF))
def test_audit_page_matches_api_permission(login_as, username):
    client = login_as(username)
    assert client.get("/admin/audit").status_code == (200 if username in AUDIT_READERS else 403)


def test_enterprise_users_page_lists_only_their_colleagues(login_as, db):
    page = login_as("manager").get("/admin/users").get_data(as_text=True)
    assert "clerk" in page and "coldclerk" not in page
    assert db.exec(select(User).where(User.username == "coldclerk")).one()
