"""Catalogue versions through the pages (reserve-materials-measures §二(二)): the list and a version's page for every
role that reads them, a draft drafted, signed by every party and approved — superseding the version in force — each
step offered only to who may take it, bad input shown on its field with nothing written, and a draft a 404 for an
enterprise."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import CatalogueLine, CatalogueVersion, PlanSignature
from tests.helpers import count_rows

PAGES = "/plans/catalogue"
REVIEW = (business_today() + timedelta(days=200)).isoformat()


def text(response) -> str:
    return response.get_data(as_text=True)


def actions(page: str) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', page))


def signed(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-party="([\w-]+)" data-signed="(\w+)"', page))


def in_force(db) -> CatalogueVersion:
    db.expire_all()
    return db.exec(select(CatalogueVersion).where(CatalogueVersion.status == "in_force")).one()


def count_where(db, model, *where) -> int:
    db.expire_all()
    return len(db.exec(select(model).where(*where)).all())


def draft_form(**changes) -> dict:
    return {"title": "目录修订（页面）", "review_due_on": REVIEW,
            "lines-0-material": "WHEAT", "lines-0-target_quantity": "9000", "lines-0-storage_months": "36",
            "lines-1-material": "", "lines-1-target_quantity": "", "lines-1-storage_months": "",
            "lines-2-material": "TENT", "lines-2-target_quantity": "1500", "lines-2-storage_months": "",
            **changes}


@pytest.mark.parametrize("username", ["coordinator", "approver", "gov", "clerk", "viewer"])
def test_the_list_and_the_version_in_force_open_for_every_reader(login_as, db, username):
    """§二(二): the catalogue is a city document; an enterprise reads the versions that are or were in force."""
    client = login_as(username)
    listed = text(client.get(f"{PAGES}/"))
    current = in_force(db)
    assert f'data-version-id="{current.id}"' in listed
    page = client.get(f"{PAGES}/{current.id}")
    assert page.status_code == 200
    body = text(page)
    assert 'data-material="WHEAT"' in body and 'id="document-timeline"' in body and 'id="document-versions"' in body
    assert signed(body)["CO-NDRC"] == "yes" and signed(body)["government"] == "yes"
    assert actions(body) == set()
    assert ('id="amend-form"' in body) == (username in ("coordinator", "approver"))


def test_an_enterprise_sees_no_draft_and_gets_404_for_one(login_as, db):
    """§二(二): a draft is the drafters' and the parties' until approved (docs/plans.md, tenancy)."""
    cosigning = db.exec(select(CatalogueVersion).where(CatalogueVersion.status == "cosigning")).one()
    client = login_as("clerk")
    assert f'data-version-id="{cosigning.id}"' not in text(client.get(f"{PAGES}/"))
    assert client.get(f"{PAGES}/{cosigning.id}").status_code == 404
    assert client.post(f"{PAGES}/{cosigning.id}/steps", data={"action": "sign"}).status_code == 404
    assert 'data-version-id' not in text(client.get(f"{PAGES}/?status=cosigning"))
    assert client.get(f"{PAGES}/new").status_code == 403


def test_drafted_signed_by_every_party_and_approved_through_the_pages(login_as, client, db):
    """§二(二): 会同 — CO-NDRC, CO-FIN and each responsible bureau sign once in any order, the drafter never; the
    government approves and the version in force before is superseded."""
    old = in_force(db)
    login_as("officer")
    assert client.get(f"{PAGES}/new").status_code == 200
    made = client.post(f"{PAGES}/new", data=draft_form())
    assert made.status_code == 302, text(made)
    version = db.exec(select(CatalogueVersion).order_by(CatalogueVersion.id.desc())).first()
    show = f"{PAGES}/{version.id}"
    assert made.headers["Location"].endswith(show)
    lines = db.exec(select(CatalogueLine).where(CatalogueLine.version_id == version.id)).all()
    assert [(line.target_quantity, line.storage_months) for line in lines] == [(9000, 36), (1500, 12)]
    page = text(client.get(show))
    assert actions(page) == {"submit", "withdraw"} and 'id="edit-draft"' in page
    assert client.post(f"{show}/steps", data={"action": "submit"}).status_code == 302
    assert actions(text(client.get(show))) == set(), "the drafter does not sign"
    assert signed(text(client.get(show))) == {"CO-NDRC": "no", "CO-FIN": "no", "BUR-GRAIN": "no",
                                               "BUR-EMERGENCY": "no", "government": "no"}
    for username, party in (("emapprover", "BUR-EMERGENCY"), ("finance", "CO-FIN"), ("approver", "BUR-GRAIN"),
                            ("coordinator", "CO-NDRC")):
        login_as(username)
        assert actions(text(client.get(show))) == {"sign", "reject"}, username
        response = client.post(f"{show}/steps", data={"action": "sign", "note": "同意"})
        assert response.status_code == 302, text(response)
        assert signed(text(client.get(show)))[party] == "yes"
        assert actions(text(client.get(show))) == set(), "a party signs once"
    login_as("gov")
    page = text(client.get(show))
    assert 'data-status="cosigned"' in page and actions(page) == {"approve", "reject"}
    assert client.post(f"{show}/steps", data={"action": "approve", "note": "同意"}).status_code == 302
    db.expire_all()
    assert db.get(CatalogueVersion, version.id).status == "in_force"
    assert db.get(CatalogueVersion, old.id).status == "superseded"
    assert count_where(db, PlanSignature, PlanSignature.flow == "catalogue", PlanSignature.entity_id == version.id) == 4
    history = text(client.get(show))
    assert f'data-version-id="{old.id}"' in history and 'data-status="superseded"' in history
    assert [s for s in re.findall(r'data-step="(\w+)"', history)] == [
        "request", "submit", "sign", "sign", "sign", "sign", "sign", "approve"]


def test_a_rejection_needs_a_reason_on_the_page_and_returns_the_draft(login_as, client, db):
    """§二(二): a party yet to sign may reject, with a reason; the draft comes back for the next round."""
    login_as("officer")
    client.post(f"{PAGES}/new", data=draft_form())
    version = db.exec(select(CatalogueVersion).order_by(CatalogueVersion.id.desc())).first()
    show = f"{PAGES}/{version.id}"
    client.post(f"{show}/steps", data={"action": "submit"})
    client.get("/lang/en")
    login_as("finance")
    bare = client.post(f"{show}/steps", data={"action": "reject"})
    assert bare.status_code == 422 and "a rejection needs a reason" in text(bare)
    db.expire_all()
    assert db.get(CatalogueVersion, version.id).status == "cosigning"
    assert client.post(f"{show}/steps", data={"action": "reject", "note": "规模过大"}).status_code == 302
    db.expire_all()
    assert (db.get(CatalogueVersion, version.id).status, db.get(CatalogueVersion, version.id).round) == ("draft", 2)
    login_as("officer")
    page = text(client.get(show))
    assert "规模过大" in page and actions(page) == {"submit", "withdraw"}


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(login_as, client, db):
    """§二(二): a scale is a positive quantity of a known material, once a line; the review date lies ahead."""
    before = count_rows(db, CatalogueVersion)
    client.get("/lang/en")
    login_as("officer")
    bad = client.post(f"{PAGES}/new", data=draft_form(**{
        "lines-0-target_quantity": "-5", "lines-2-storage_months": "700",
        "review_due_on": business_today().isoformat()}))
    page = text(bad)
    assert bad.status_code == 422
    assert re.search(r'id="lines-0-target_quantity"[^>]*is-invalid|is-invalid[^>]*id="lines-0-target_quantity"', page)
    assert "must be positive" in page and "a whole number of months from 1 to 600" in page
    assert "the review date must be after today" in page
    twice = client.post(f"{PAGES}/new", data=draft_form(**{"lines-2-material": "WHEAT"}))
    assert twice.status_code == 422 and "WHEAT is listed twice" in text(twice)
    assert count_rows(db, CatalogueVersion) == before


def test_the_drafting_organisation_edits_its_draft_and_another_does_not(login_as, client, db):
    login_as("officer")
    client.post(f"{PAGES}/new", data=draft_form())
    version = db.exec(select(CatalogueVersion).order_by(CatalogueVersion.id.desc())).first()
    edit = f"{PAGES}/{version.id}/edit"
    form = text(client.get(edit))
    assert 'value="9000"' in form and 'id="lines-4-material"' in form  # two lines and three blank rows
    saved = client.post(edit, data=draft_form(**{"lines-0-target_quantity": "9500", "lines-2-material": "",
                                                         "lines-2-target_quantity": ""}))
    assert saved.status_code == 302
    db.expire_all()
    assert [line.target_quantity for line in db.exec(select(CatalogueLine).where(
        CatalogueLine.version_id == version.id))] == [9500]
    login_as("coordinator")
    assert client.get(edit).status_code == 403


def test_amending_the_version_in_force_starts_a_draft_copied_from_it(login_as, client, db):
    """§二(二) "动态调整": an amendment is a new version through the same chain."""
    current = in_force(db)
    login_as("coordinator")
    response = client.post(f"{PAGES}/{current.id}/amend")
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    db.expire_all()
    made = db.exec(select(CatalogueVersion).order_by(CatalogueVersion.id.desc())).first()
    assert made.status == "draft" and count_where(db, CatalogueLine, CatalogueLine.version_id == made.id) == \
        count_where(db, CatalogueLine, CatalogueLine.version_id == current.id)
    cosigning = db.exec(select(CatalogueVersion).where(CatalogueVersion.status == "cosigning")).one()
    before = count_rows(db, CatalogueVersion)
    assert client.post(f"{PAGES}/{cosigning.id}/amend").status_code == 422
    assert count_rows(db, CatalogueVersion) == before
