"""The inbox with plan documents in it (reserve-materials-measures §二(二)–(四)): each waiting catalogue version, plan
and addition links to its page; a party's signature is given on the page (``decide`` records it), never by the
inbox's generic approve; the government approves from the inbox; a returned draft waits for its drafters."""
from __future__ import annotations

import re

from sqlmodel import select

from inventory.models import AnnualPlan, CatalogueVersion
from tests.plans.making import cosigned, draft_plan, draft_version, submitted_addition


def text(response) -> str:
    return response.get_data(as_text=True)


def row(page: str, flow: str, row_id: int) -> str:
    found = re.search(rf'<tr data-{flow}-id="{row_id}">(.*?)</tr>', page, re.S)
    assert found, f"{flow} {row_id} is not in the inbox"
    return found[1]


def test_a_signer_finds_the_version_and_signs_it_on_its_page(login_as, db):
    """§二(二) 会同: the finance bureau is still to sign the demo amendment (CO-NDRC has)."""
    waiting = db.exec(select(CatalogueVersion).where(CatalogueVersion.status == "cosigning")).one()
    page = text(login_as("finance").get("/inbox/"))
    item = row(page, "catalogue", waiting.id)
    assert f'href="/plans/catalogue/{waiting.id}"' in item
    assert "decision-form" not in item, "a signature is not the inbox's generic approval"
    assert f'href="/plans/catalogue/{waiting.id}"' in text(login_as("finance").get("/")), "the home page's list"
    assert 'data-catalogue-id' not in text(login_as("coordinator").get("/inbox/")), "CO-NDRC has signed"


def test_the_government_approves_a_cosigned_plan_from_the_inbox(api, login_as, client, db):
    """§二(三): the government approves the co-signed plan; the year's version in force is superseded."""
    made = draft_plan(api)
    cosigned(api, f"/annual-plans/{made['id']}")
    addition = submitted_addition(api)
    page = text(login_as("gov").get("/inbox/"))
    assert f'href="/plans/annual/{made["id"]}"' in row(page, "annual_plan", made["id"])
    assert "decision-form" in row(page, "annual_plan", made["id"])
    assert f'href="/plans/additions/{addition["id"]}"' in row(page, "temporary_addition", addition["id"])
    old = db.exec(select(AnnualPlan).where(AnnualPlan.status == "in_force")).one()
    response = client.post(f"/inbox/annual_plan/{made['id']}", data={f"annual_plan-{made['id']}-approve": "1"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(AnnualPlan, made["id"]).status == "in_force" and db.get(AnnualPlan, old.id).status == "superseded"


def test_the_drafter_of_a_rejected_draft_finds_it_waiting(api, login_as, db):
    """§二(二): a rejection returns the version to its drafters, with the reason, to submit again."""
    made = draft_version(api)
    path = f"/catalogue-versions/{made['id']}"
    api("officer").post(f"{path}/actions/submit", json={})
    assert api("approver").post(f"{path}/actions/reject", json={"note": "小麦规模待核"}).status_code == 200
    page = text(login_as("officer").get("/inbox/"))
    item = row(page, "catalogue", made["id"])
    assert "小麦规模待核" in item and f'href="/plans/catalogue/{made["id"]}"' in item
    assert "decision-form" not in item
