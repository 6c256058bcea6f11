"""Scraps and rotations through the pages: the whole way of each as its users click through it, only the allowed
steps shown, evidence uploaded and shown inline, bad input writing nothing, and another tenant's row a 404."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func
from sqlmodel import select

from inventory.models import Lot, Movement, Replenishment, Rotation, Scrap, ScrapAttachment, WorkflowStep
from tests.workflows.waiting import PNG


@pytest.fixture(autouse=True)
def evidence_folder(app, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "evidence")


def text(response) -> str:
    return response.get_data(as_text=True)


def _lot(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _actions(page: str) -> set[str]:
    import re
    return set(re.findall(r'data-action="(\w+)"', page))


def test_a_scrap_through_the_pages(api, db, client, login_as):
    assert api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825}).status_code == 200
    tent = _lot(db, "TENT-2020-01")
    held = tent.on_hand
    login_as("reliefclerk")
    form = client.get("/scraps/new")
    assert form.status_code == 200 and "TENT-2020-01" in text(form)
    bad = client.post("/scraps/new", data={"lot": tent.id, "quantity": "abc", "reason": "old"})
    assert bad.status_code == 422 and _count(db, Scrap) == 0
    made = client.post("/scraps/new", data={"lot": tent.id, "quantity": "10", "reason": "超过报废年限"})
    assert made.status_code == 302, text(made)
    scrap_id = db.exec(select(Scrap.id)).one()
    show = f"/scraps/{scrap_id}"
    script = client.post(f"{show}/attachments", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"<script>alert(1)</script>"), "photo.jpg")})
    assert script.status_code == 422 and _count(db, ScrapAttachment) == 0
    photo = client.post(f"{show}/attachments", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(PNG), "tents.png")})
    assert photo.status_code == 302
    page = text(client.get(show))
    assert "tents.png" in page and _actions(page) == {"submit", "cancel"}
    evidence = db.exec(select(ScrapAttachment.id)).one()
    inline = client.get(f"{show}/attachments/{evidence}")
    assert inline.status_code == 200 and inline.mimetype == "image/png" and inline.data == PNG
    assert client.post(f"{show}/steps", data={"action": "submit"}).status_code == 302
    login_as("emapprover")
    assert f'href="/scraps/{scrap_id}"' in text(client.get("/inbox/"))  # the waiting scrap, linked
    for user, action, offered in (("emapprover", "approve", {"approve", "reject"}),
                                  ("emofficer", "witness", {"witness", "reject"}),
                                  ("reliefclerk", "execute", {"execute"})):
        login_as(user)
        assert _actions(text(client.get(show))) == offered, user
        assert client.post(f"{show}/steps", data={"action": action, "note": "ok"}).status_code == 302, user
    page = text(client.get(show))
    assert 'id="scrap-replenishment"' in page and _actions(page) == set()
    assert _lot(db, "TENT-2020-01").on_hand == held - 10
    assert db.exec(select(Replenishment.quantity)).one() == 10
    login_as("coldclerk")
    assert client.get(show).status_code == 404
    assert client.get(f"{show}/attachments/{evidence}").status_code == 404
    assert client.post(f"{show}/steps", data={"action": "cancel"}).status_code == 404
    login_as("gov")
    listed = text(client.get("/scraps/?status=executed&material=TENT"))
    assert f'data-scrap-id="{scrap_id}"' in listed
    assert f'data-scrap-id="{scrap_id}"' not in text(client.get("/scraps/?status=draft"))


def test_a_refused_step_on_the_page_writes_nothing(api, db, client, login_as):
    api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825})
    login_as("reliefclerk")
    client.post("/scraps/new", data={"lot": _lot(db, "TENT-2020-01").id, "quantity": "10", "reason": "old"})
    scrap_id = db.exec(select(Scrap.id)).one()
    steps = _count(db, WorkflowStep)
    refused = client.post(f"/scraps/{scrap_id}/steps", data={"action": "submit"})  # no evidence yet
    assert refused.status_code == 422 and _count(db, WorkflowStep) == steps
    db.expire_all()
    assert db.get(Scrap, scrap_id).status == "draft"
    illegal = client.post(f"/scraps/{scrap_id}/steps", data={"action": "approve"})  # 409 shown on the page
    assert illegal.status_code == 422 and _count(db, WorkflowStep) == steps


def test_a_rotation_through_the_pages(db, client, login_as):
    wheat = _lot(db, "WH-2024-001")
    login_as("clerk")
    assert "WH-2024-001" in text(client.get("/rotations/new"))
    bad = client.post("/rotations/new", data={"lots": [wheat.id], "quantity": "-1", "mode": "market",
                                              "sale_price": "2600"})
    assert bad.status_code == 422 and _count(db, Rotation) == 0
    made = client.post("/rotations/new", data={"lots": [wheat.id], "quantity": "100", "mode": "market",
                                               "sale_price": "2600", "window_days": "30"})
    assert made.status_code == 302, text(made)
    rotation_id = db.exec(select(Rotation.id)).one()
    show = f"/rotations/{rotation_id}"
    assert client.post(f"{show}/steps", data={"action": "submit"}).status_code == 302
    login_as("approver")
    assert f'href="/rotations/{rotation_id}"' in text(client.get("/inbox/"))
    assert _actions(text(client.get(show))) == {"approve", "reject"}
    assert client.post(f"{show}/steps", data={"action": "approve"}).status_code == 302
    login_as("clerk")
    page = text(client.get(show))
    assert 'id="rotation-out-form"' in page and 'id="rotation-in-form"' in page
    movements = _count(db, Movement)
    over = client.post(f"{show}/out", data={"out-lot": wheat.id, "out-quantity": "100.001"})
    assert over.status_code == 422 and _count(db, Movement) == movements
    assert client.post(f"{show}/out", data={"out-lot": wheat.id, "out-quantity": "100",
                                            "out-unit_price": "2700"}).status_code == 302
    came = client.post(f"{show}/in", data={"in-facility": "GR-01", "in-lot_code": "WH-RT-WEB", "in-quantity": "100",
                                           "in-unit_price": "2300", "in-inspection_result": "passed"})
    assert came.status_code == 302, text(came)
    page = text(client.get(show))
    assert "2,700" in page and "2,300" in page
    db.expire_all()
    assert db.get(Rotation, rotation_id).status == "completed"
    login_as("coldclerk")
    assert client.get(show).status_code == 404
    login_as("approver")
    assert f'data-rotation-id="{rotation_id}"' in text(client.get("/rotations/?material=WHEAT"))
