"""The enterprises the plans forms offer come from the tenancy module (scope.organisations_query), never from a raw
query: an enterprise's user is offered itself only, a bureau the city's enterprises — of which a contract form
offers none that is suspended or revoked (§六(二): no contract for it, 409 ``enterprise_sanctioned``) or withdrawn,
and the selection form none withdrawn."""
from __future__ import annotations

import pytest

from inventory.models import Qualification
from inventory.services.plans import plan_views
from tests.helpers import org_coded, user_named
from tests.plans.contracting import drafted

ENTERPRISES = ["ENT-BAZHOU", "ENT-COLD", "ENT-GRAIN", "ENT-RELIEF"]


def offered(client, path: str) -> set[str]:
    page = client.get(path).get_data(as_text=True)
    options = page.split('name="enterprise"', 1)[1].split("</select>", 1)[0]
    return {code for code in ENTERPRISES if f'value="{code}"' in options}


def bar(db, code: str, state: str) -> None:
    db.add(Qualification(enterprise_id=org_coded(db, code).id, state=state))
    db.commit()


def test_the_enterprises_offered_are_those_the_user_may_see(db):
    codes = lambda username: [o.code for o in plan_views.enterprises(db, user_named(db, username))]  # noqa: E731
    assert codes("manager") == ["ENT-GRAIN"]
    assert codes("officer") == codes("coordinator") == ENTERPRISES
    assert codes("blood") == []


@pytest.mark.parametrize("state", ["suspended", "revoked"])
def test_the_contract_form_offers_no_barred_or_withdrawn_enterprise(login_as, db, state):
    bar(db, "ENT-BAZHOU", state)
    org_coded(db, "ENT-RELIEF").active = False
    db.commit()
    client = login_as("officer")
    assert offered(client, "/contracts/new") == {"ENT-COLD", "ENT-GRAIN"}
    assert offered(client, "/qualifications/selections/new") == {"ENT-BAZHOU", "ENT-COLD", "ENT-GRAIN"}


def test_a_draft_whose_enterprise_is_barred_keeps_it_on_its_edit_form(api, login_as, db):
    """Its enterprise stays chosen (saving it is refused, 409), rather than the form choosing another unseen."""
    made = drafted(api)
    bar(db, "ENT-BAZHOU", "suspended")
    page = login_as("officer").get(f"/contracts/{made['id']}/edit").get_data(as_text=True)
    options = page.split('name="enterprise"', 1)[1].split("</select>", 1)[0]
    assert 'selected value="ENT-BAZHOU"' in options
    assert offered(login_as("officer"), "/contracts/new") == {"ENT-COLD", "ENT-GRAIN", "ENT-RELIEF"}
