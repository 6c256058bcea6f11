"""The bureau approver's page: pending transfers and write-downs in the bureau's remit, approved or rejected."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.models import Adjustment, Lot, Movement, Transfer
from tests.helpers import count_rows


def lot_coded(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


@pytest.fixture
def english(client):
    client.get("/lang/en")
    return client


@pytest.fixture
def pending_transfer(login_as, db) -> Transfer:
    """Wheat moved from Anci to Guangyang: another district, so the grain bureau must approve."""
    lot = lot_coded(db, "WH-2024-001")
    response = login_as("clerk").post(f"/stock/lots/{lot.id}/transfer", data={
        "transfer-to_facility": "GR-03", "transfer-quantity": "300", "transfer-reason": "closer to the city"})
    assert response.status_code == 302
    db.expire_all()
    return db.exec(select(Transfer)).one()


@pytest.fixture
def pending_adjustment(login_as, db) -> Adjustment:
    lot = lot_coded(db, "RI-2024-007")
    login_as("clerk").post(f"/stock/lots/{lot.id}/adjust", data={"adjust-quantity": "-400", "adjust-note": "mould"})
    db.expire_all()
    return db.exec(select(Adjustment)).one()


def test_every_role_has_an_inbox_holding_only_what_it_may_decide(login_as, pending_transfer, pending_adjustment):
    assert f'data-adjustment-id="{pending_adjustment.id}"' in login_as("approver").get("/inbox/").get_data(as_text=True)
    for username in ("clerk", "officer", "coordinator"):
        page = login_as(username).get("/inbox/")
        assert page.status_code == 200
        assert "data-transfer-id" not in page.get_data(as_text=True)
        assert "data-adjustment-id" not in page.get_data(as_text=True)


def test_pending_requests_show_only_to_the_bureau_responsible(login_as, pending_transfer, pending_adjustment):
    grain = login_as("approver").get("/inbox/").get_data(as_text=True)
    assert f'data-transfer-id="{pending_transfer.id}"' in grain
    assert f'data-adjustment-id="{pending_adjustment.id}"' in grain
    emergency = login_as("emapprover").get("/inbox/").get_data(as_text=True)
    assert "data-transfer-id" not in emergency and "data-adjustment-id" not in emergency


def test_approving_a_transfer_moves_the_stock(login_as, db, pending_transfer):
    assert lot_coded(db, "WH-2024-001").on_hand == Decimal("3000.000")
    response = login_as("approver").post(f"/inbox/transfer/{pending_transfer.id}",
                                         data={f"transfer-{pending_transfer.id}-approve": "1"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Transfer, pending_transfer.id).status == "executed"
    assert lot_coded(db, "WH-2024-001").on_hand == Decimal("2700.000")
    assert lot_coded(db, f"WH-2024-001-T{pending_transfer.id}").on_hand == Decimal("300.000")


def test_rejecting_a_transfer_moves_nothing(login_as, db, pending_transfer):
    before = count_rows(db, Movement)
    login_as("approver").post(f"/inbox/transfer/{pending_transfer.id}",
                              data={f"transfer-{pending_transfer.id}-reject": "1"})
    db.expire_all()
    assert db.get(Transfer, pending_transfer.id).status == "rejected"
    assert count_rows(db, Movement) == before


def test_approving_a_write_down_posts_it(login_as, db, pending_adjustment):
    login_as("approver").post(f"/inbox/adjustment/{pending_adjustment.id}",
                              data={f"adjustment-{pending_adjustment.id}-approve": "1",
                                    f"adjustment-{pending_adjustment.id}-note": "photos seen"})
    db.expire_all()
    decided = db.get(Adjustment, pending_adjustment.id)
    assert (decided.status, decided.decision_note) == ("approved", "photos seen")
    assert lot_coded(db, "RI-2024-007").on_hand == Decimal("2100.000")


def test_another_bureau_cannot_decide(login_as, db, pending_adjustment):
    response = login_as("emapprover").post(f"/inbox/adjustment/{pending_adjustment.id}",
                                           data={f"adjustment-{pending_adjustment.id}-approve": "1"})
    assert response.status_code == 404  # outside its remit: not even seen
    db.expire_all()
    assert db.get(Adjustment, pending_adjustment.id).status == "pending"


def test_deciding_twice_is_refused(login_as, db, english, pending_adjustment):
    client = login_as("approver")
    url = f"/inbox/adjustment/{pending_adjustment.id}"
    client.post(url, data={f"adjustment-{pending_adjustment.id}-reject": "1"})
    again = client.post(url, data={f"adjustment-{pending_adjustment.id}-approve": "1"}, follow_redirects=True)
    assert "cannot approve this stock adjustment: its status is Rejected" in again.get_data(as_text=True)
    db.expire_all()
    assert db.get(Adjustment, pending_adjustment.id).status == "rejected"



def submitted_count(api, body: dict) -> int:
    count = api("reliefclerk").post("/counts", json=body).get_json()
    lines = [{"lot_id": line["lot_id"], "counted": line["book"]} for line in count["lines"]]
    api("reliefclerk").post(f"/counts/{count['id']}/lines", json={"lines": lines})
    assert api("reliefclerk").post(f"/counts/{count['id']}/actions/submit", json={}).status_code == 200
    return count["id"]


def test_the_desk_omits_a_count_of_another_bureaus_materials(api, login_as):
    """RL-01 holds relief, flood-control and epidemic stock: the water bureau's count is not the emergency bureau's."""
    water = submitted_count(api, {"facility": "RL-01", "bureau": "BUR-WATER"})
    assert f'data-count-id="{water}"' not in login_as("emapprover").get("/inbox/").get_data(as_text=True)


def test_the_desk_lists_a_count_of_the_bureaus_own_materials(api, login_as):
    own = submitted_count(api, {"facility": "RL-01", "bureau": "BUR-EMERGENCY"})
    assert f'data-count-id="{own}"' in login_as("emapprover").get("/inbox/").get_data(as_text=True)
    assert f'data-count-id="{own}"' not in login_as("approver").get("/inbox/").get_data(as_text=True)
