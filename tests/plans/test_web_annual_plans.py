"""Annual plans through the pages (reserve-materials-measures §二(三)): the list by year and status, a plan's page for
every role that reads it, the year's next version drafted with lines split by enterprise, signed by the parties and
approved — superseding that year's version in force — and a material outside the reserve varieties refused on its
row with nothing written."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import delete
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AnnualPlan, AnnualPlanLine, CatalogueLine, Material
from tests.helpers import count_rows

PAGES = "/plans/annual"
YEAR = business_today().year


def text(response) -> str:
    return response.get_data(as_text=True)


def actions(page: str) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', page))


def plan_in_force(db) -> AnnualPlan:
    db.expire_all()
    return db.exec(select(AnnualPlan).where(AnnualPlan.status == "in_force")).one()


def plan_form(**changes) -> dict:
    return {"year": str(YEAR), "title": "年度计划调整（页面）",
            "lines-0-material": "WHEAT", "lines-0-enterprise": "ENT-GRAIN", "lines-0-target_quantity": "7000",
            "lines-0-storage_months": "36",
            "lines-1-material": "TENT", "lines-1-enterprise": "", "lines-1-target_quantity": "1200",
            "lines-1-storage_months": "120", **changes}


@pytest.mark.parametrize("username", ["coordinator", "approver", "gov", "clerk"])
def test_the_year_filter_and_the_plan_in_force_open_for_every_reader(login_as, db, username):
    """§二(三): the plan in force is read by the coordinators, the bureaus, the government and the enterprises."""
    client = login_as(username)
    plan = plan_in_force(db)
    assert f'data-plan-id="{plan.id}"' in text(client.get(f"{PAGES}/?year={YEAR}"))
    assert f'data-plan-id="{plan.id}"' not in text(client.get(f"{PAGES}/?year={YEAR + 1}"))
    page = text(client.get(f"{PAGES}/{plan.id}"))
    assert page.count('data-material="WHEAT"') == 2, "split between the two grain enterprises"
    assert 'id="document-signatures"' in page and actions(page) == set()


def test_a_bad_year_filter_is_shown_on_the_filter(login_as, client):
    client.get("/lang/en")
    login_as("coordinator")
    page = text(client.get(f"{PAGES}/?year=1800"))
    assert "Number must be between 2000 and 2100" in page and "data-plan-id" not in page


def test_the_next_version_is_signed_approved_and_supersedes_only_that_years_plan(login_as, client, db):
    """§二(三): an amendment is the year's next version through the same chain; every version is kept."""
    old = plan_in_force(db)
    login_as("officer")
    made = client.post(f"{PAGES}/new", data=plan_form())
    assert made.status_code == 302, text(made)
    plan = db.exec(select(AnnualPlan).order_by(AnnualPlan.id.desc())).first()
    assert (plan.year, plan.version, plan.amends_id) == (YEAR, old.version + 1, old.id)
    show = f"{PAGES}/{plan.id}"
    assert client.post(f"{show}/steps", data={"action": "submit"}).status_code == 302
    for username in ("coordinator", "finance", "approver", "emapprover"):
        login_as(username)
        assert actions(text(client.get(show))) == {"sign", "reject"}, username
        assert client.post(f"{show}/steps", data={"action": "sign"}).status_code == 302, username
    login_as("gov")
    assert client.post(f"{show}/steps", data={"action": "approve"}).status_code == 302
    db.expire_all()
    assert db.get(AnnualPlan, plan.id).status == "in_force" and db.get(AnnualPlan, old.id).status == "superseded"
    page = text(client.get(show))
    assert f'data-version-id="{old.id}"' in page and f'data-version-id="{plan.id}"' in page
    login_as("clerk")
    assert client.get(show).status_code == 200, "an enterprise reads the plan in force"


def test_a_material_outside_the_varieties_is_refused_on_its_row_and_nothing_is_written(login_as, client, db):
    """§二(三), docs/plans.md "reserve varieties only": the catalogue in force lists the plan's materials."""
    tent = db.exec(select(Material.id).where(Material.code == "TENT")).one()
    db.execute(delete(CatalogueLine).where(CatalogueLine.material_id == tent))  # the catalogue no longer lists it
    db.commit()
    before = count_rows(db, AnnualPlan), count_rows(db, AnnualPlanLine)
    client.get("/lang/en")
    login_as("officer")
    form = text(client.get(f"{PAGES}/new"))
    assert f'value="{YEAR}"' in form and 'id="lines-2-enterprise"' in form
    bad = client.post(f"{PAGES}/new", data=plan_form(**{"lines-0-target_quantity": "0",
                                                         "lines-0-enterprise": "ENT-NOPE"}))
    page = text(bad)
    assert bad.status_code == 422
    assert "no storage enterprise with the code ENT-NOPE" in page
    assert "TENT is not a reserve variety" in page
    assert re.search(r'is-invalid[^>]*id="lines-1-material"|id="lines-1-material"[^>]*is-invalid', page)
    year = client.post(f"{PAGES}/new", data=plan_form(year="abc"))
    assert year.status_code == 422 and "Not a valid integer value." in text(year)
    assert (count_rows(db, AnnualPlan), count_rows(db, AnnualPlanLine)) == before


def test_a_plan_draft_is_a_404_for_an_enterprise_and_the_drafter_edits_it(login_as, client, db):
    login_as("officer")
    client.post(f"{PAGES}/new", data=plan_form())
    plan = db.exec(select(AnnualPlan).order_by(AnnualPlan.id.desc())).first()
    edit = f"{PAGES}/{plan.id}/edit"
    form = text(client.get(edit))
    assert 'name="year"' not in form and 'value="7000"' in form
    assert client.post(edit, data=plan_form(**{"lines-0-target_quantity": "7100"})).status_code == 302
    db.expire_all()
    assert sorted(line.target_quantity for line in db.exec(
        select(AnnualPlanLine).where(AnnualPlanLine.plan_id == plan.id))) == [1200, 7100]
    login_as("clerk")
    assert client.get(f"{PAGES}/{plan.id}").status_code == 404
    assert client.get(edit).status_code == 404
