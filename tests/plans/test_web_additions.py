"""Temporary additions through the pages (reserve-materials-measures §二(四)): drafted by the bureau, submitted,
approved by the government, and from the period's last day let lapse or proposed into the catalogue — each step
offered only to who may take it, bad input on its field with nothing written, another tenant's addition a 404."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import CatalogueVersion, TemporaryAddition
from tests.helpers import count_rows

PAGES = "/plans/additions"
TODAY = business_today()


def text(response) -> str:
    return response.get_data(as_text=True)


def actions(page: str) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', page))


def addition_form(**changes) -> dict:
    return {"material": "RICE", "quantity": "300", "reason": "春节保供临时储备", "enterprise": "",
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=30)).isoformat(), **changes}


def newest(db) -> TemporaryAddition:
    db.expire_all()
    return db.exec(select(TemporaryAddition).order_by(TemporaryAddition.id.desc())).first()


def test_drafted_submitted_approved_then_proposed_into_the_catalogue(login_as, client, db):
    """§二(四): the government approves; when the period ends the decision — here: into the catalogue — is recorded."""
    login_as("officer")
    assert client.get(f"{PAGES}/new").status_code == 200
    made = client.post(f"{PAGES}/new", data=addition_form(material="WHEAT", enterprise="ENT-GRAIN"))
    assert made.status_code == 302, text(made)
    row = newest(db)
    show = f"{PAGES}/{row.id}"
    assert actions(text(client.get(show))) == {"submit", "withdraw"}
    assert client.post(f"{show}/steps", data={"action": "submit"}).status_code == 302
    assert actions(text(client.get(show))) == set(), "the drafter does not approve"
    login_as("gov")
    assert f'href="{show}"' in text(client.get("/inbox/"))
    assert actions(text(client.get(show))) == {"approve", "reject"}
    assert client.post(f"{show}/steps", data={"action": "approve", "note": "同意"}).status_code == 302
    login_as("approver")
    page = text(client.get(show))
    assert 'data-status="in_force"' in page and actions(page) == set(), "decided from the last day only"
    db.execute(update(TemporaryAddition).where(TemporaryAddition.id == row.id).values(
        starts_on=TODAY - timedelta(days=30), ends_on=TODAY - timedelta(days=1)))
    db.commit()
    assert actions(text(client.get(show))) == {"lapse", "propose"}
    assert client.post(f"{show}/steps", data={"action": "propose", "note": "纳入目录"}).status_code == 302
    page = text(client.get(show))
    assert 'id="addition-decision"' in page and "纳入目录" in page
    draft = newest(db).catalogue_version_id
    assert db.get(CatalogueVersion, draft).status == "draft" and f'href="/plans/catalogue/{draft}"' in page


def test_a_rejection_needs_its_reason_and_the_drafter_finds_it_again(login_as, client, db):
    """§二(四): the government may return it, with a reason, to its drafters."""
    login_as("officer")
    assert client.post(f"{PAGES}/new", data=addition_form()).status_code == 302
    show = f"{PAGES}/{newest(db).id}"
    client.post(f"{show}/steps", data={"action": "submit"})
    client.get("/lang/en")
    login_as("gov")
    bare = client.post(f"{show}/steps", data={"action": "reject"})
    assert bare.status_code == 422 and "a rejection needs a reason" in text(bare)
    assert newest(db).status == "submitted"
    assert client.post(f"{show}/steps", data={"action": "reject", "note": "数量过大"}).status_code == 302
    login_as("officer")
    assert actions(text(client.get(show))) == {"submit", "withdraw"}
    assert "数量过大" in text(client.get(show))


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(login_as, client, db):
    """§二(四): a quantity above zero, a reason, a period that ends after it starts, a material of the bureau."""
    before = count_rows(db, TemporaryAddition)
    client.get("/lang/en")
    login_as("officer")
    bad = client.post(f"{PAGES}/new", data=addition_form(
        quantity="-1", reason=" ", ends_on=(TODAY - timedelta(days=1)).isoformat(), enterprise="ENT-NOPE"))
    page = text(bad)
    assert bad.status_code == 422
    for message in ("must be positive", "say why the addition is needed", "the period ends before it starts",
                    "no storage enterprise with the code ENT-NOPE"):
        assert message in page, message
    remit = client.post(f"{PAGES}/new", data=addition_form(material="TENT"))
    assert remit.status_code == 422 and "TENT is not in your bureau&#39;s remit" in text(remit)
    assert count_rows(db, TemporaryAddition) == before


def test_the_list_filters_and_other_tenants_get_a_404(login_as, client, db):
    """docs/plans.md tenancy: the material's bureau, the enterprise named, coordinators and the government."""
    demo = db.exec(select(TemporaryAddition)).one()  # maize kept by ENT-BAZHOU (the grain bureau's)
    login_as("coordinator")
    assert f'data-addition-id="{demo.id}"' in text(client.get(f"{PAGES}/?material=MAIZE&status=in_force"))
    assert f'data-addition-id="{demo.id}"' not in text(client.get(f"{PAGES}/?material=SALT"))
    assert client.get(f"{PAGES}/{demo.id}").status_code == 200
    for username in ("emapprover", "clerk"):
        login_as(username)
        assert "data-addition-id" not in text(client.get(f"{PAGES}/")), username
        assert client.get(f"{PAGES}/{demo.id}").status_code == 404, username
        assert client.post(f"{PAGES}/{demo.id}/steps", data={"action": "lapse"}).status_code == 404, username
    login_as("gov")
    assert client.get(f"{PAGES}/new").status_code == 403
