"""The catalogue page (§二(二) 目录管理): readable by all, maintained by the responsible bureau."""
from __future__ import annotations

from sqlmodel import select

from inventory.models import Material
from tests.helpers import count_rows

NEW = {"code": "CORN-OIL", "name_zh": "玉米油", "name_en": "Corn oil", "category": "edible_oil", "unit": "t",
       "shelf_life_days": "540", "storage_class": "ambient", "policy": "rotate", "rotation_lead_days": "45",
       "active": "y"}


def test_everyone_reads_the_catalogue(login_as):
    page = login_as("blood").get("/catalogue/").get_data(as_text=True)
    assert "冻猪肉" in page and "CORN-OIL" not in page


def test_bureau_adds_a_material(login_as, db):
    response = login_as("approver").post("/catalogue/new", data=NEW)
    assert response.status_code == 302
    assert db.exec(select(Material).where(Material.code == "CORN-OIL")).one().rotation_lead_days == 45


def test_bad_material_is_refused_and_writes_nothing(login_as, db):
    before = count_rows(db, Material)
    client = login_as("approver")
    for change in ({"shelf_life_days": "0"}, {"code": "bad code!"}, {"category": "gold"}, {"code": "WHEAT"}):
        assert client.post("/catalogue/new", data={**NEW, **change}).status_code == 422
    assert count_rows(db, Material) == before


def test_only_the_responsible_bureau_edits(login_as, db):
    assert login_as("clerk").get("/catalogue/new").status_code == 403
    client = login_as("emapprover")
    assert client.post("/catalogue/WHEAT", data={**NEW, "code": "WHEAT", "unit": "kg"}).status_code == 403
    db.expire_all()
    assert db.exec(select(Material).where(Material.code == "WHEAT")).one().unit == "t"


def test_bureau_retires_a_material(login_as, db):
    data = {**NEW, "code": "WHEAT", "name_zh": "小麦", "category": "grain", "shelf_life_days": "1095"}
    data.pop("active")
    assert login_as("approver").post("/catalogue/WHEAT", data=data).status_code == 302
    db.expire_all()
    assert db.exec(select(Material).where(Material.code == "WHEAT")).one().active is False
