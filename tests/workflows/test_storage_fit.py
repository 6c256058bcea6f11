"""One rule, "may this enterprise store this material" (services/stock/storage_fit.py), asked by a bureau's receive
instruction and by the choice of who receives a replenishment: both refuse an enterprise without an active facility
declared for the material's category and kept within its storage class, and both accept it once it has one."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import Facility, Material
from inventory.services.workflows import replenishments
from tests.helpers import assert_error, user_named


def receive(api, username: str, enterprise: str, material: str):
    return api(username).post("/instructions", json={
        "kind": "receive", "enterprise": enterprise, "material": material, "quantity": "10",
        "deadline": (business_today() + timedelta(days=10)).isoformat(), "reason": "补库"})


def offered(app, db, username: str, material: str) -> set[str]:
    found = db.exec(select(Material).where(Material.code == material)).one()
    with app.test_request_context("/"):  # a refused check's message is translated
        return {org.code for org in replenishments.receivers(db, user_named(db, username), found)}


def declare(db, facility: str, category: str) -> None:
    row = db.exec(select(Facility).where(Facility.code == facility)).one()
    row.categories = f"{row.categories},{category}"
    db.commit()


def test_the_category_decides_for_the_instruction_and_the_replenishment_alike(app, api, db):
    """ENT-COLD keeps meat, vegetables and eggs: no wheat, until its pre-cooling room is declared for grain."""
    refused = assert_error(receive(api, "officer", "ENT-COLD", "WHEAT"), 422, "validation_error")
    assert set(refused["fields"]) == {"enterprise"}
    assert "ENT-COLD" not in offered(app, db, "approver", "WHEAT") and "ENT-BAZHOU" in offered(app, db, "approver", "WHEAT")
    declare(db, "CS-02", "grain")  # wheat is ambient: any declared facility is cold enough
    assert receive(api, "officer", "ENT-COLD", "WHEAT").status_code == 201
    assert "ENT-COLD" in offered(app, db, "approver", "WHEAT")


def test_the_storage_class_decides_for_both_alike(app, api, db):
    """Frozen pork needs a facility kept at −18 °C or below: ENT-RELIEF's warehouse, declared for meat, is not."""
    declare(db, "RL-01", "meat")
    refused = assert_error(receive(api, "bizofficer", "ENT-RELIEF", "PORK-FZ"), 422, "validation_error")
    assert set(refused["fields"]) == {"enterprise"}
    assert offered(app, db, "bizapprover", "PORK-FZ") == {"ENT-COLD"}
