"""Storage classes check both bounds of a facility's range (issue 7 item 8; docs/domain-rules.md, storage
classes): chilled eggs do not go into a freezer, frozen pork rides in a reefer, medical goods need 2–8 °C."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.errors import Invalid
from inventory.core.vocab import StorageClass
from inventory.models import Facility, Material
from inventory.services.stock import catalogue, lots


def facility(low: str | None, high: str | None) -> Facility:
    return Facility(code="T", name="t", enterprise_id=1, kind="cold_store", categories="eggs",
                    temp_min=None if low is None else Decimal(low), temp_max=None if high is None else Decimal(high))


def material(storage_class: str) -> Material:
    return Material(code="M", name_zh="m", category="eggs", unit="t", shelf_life_days=10, storage_class=storage_class,
                    policy="rotate", rotation_lead_days=1, bureau_id=1)


@pytest.mark.parametrize(("storage_class", "low", "high", "fits"), [
    ("chilled", "-30", "-18", False),   # chilled eggs in a freezer: too cold
    ("chilled", "0", "4", True),
    ("chilled", "0", "8", False),       # too warm at the top
    ("frozen", "-25", "-18", True),     # a reefer carries frozen goods
    ("frozen", "-25", "-15", False),
    ("medical", "2", "8", True),
    ("medical", "0", "8", False),
    ("red_cells", "2", "6", True),
    ("platelets", "20", "24", True),
    ("platelets", "2", "8", False),
    ("plasma", "-40", "-20", True),
    ("ultra_low", "-86", "-60", True),
    ("ultra_low", "-40", "-20", False),
    ("cool", None, "20", True),
    ("cool", None, "25", False),
    ("medical", None, None, False),     # a facility without a recorded range fits no cold class
])
def test_a_facility_fits_a_class_only_when_its_whole_range_lies_inside(app, storage_class, low, high, fits):
    with app.app_context():
        if fits:
            lots.check_cold_chain(material(storage_class), facility(low, high))
        else:
            with pytest.raises(Invalid, match="need a facility kept within"):
                lots.check_cold_chain(material(storage_class), facility(low, high))


def test_every_class_has_a_default_range_and_a_setting_overrides_it(app):
    with app.app_context():
        assert {c for c in StorageClass} == set(catalogue.STORAGE_CLASSES)
        app.config["STORAGE_CLASS_RANGES"] = {"medical": [3, 7]}
        assert catalogue.storage_range("medical") == (Decimal("3"), Decimal("7"))
        assert catalogue.storage_range("chilled") == (Decimal("0"), Decimal("4"))


def test_chilled_eggs_are_refused_by_the_freezer_over_the_api(api, db):
    cold_store = db.exec(select(Facility).where(Facility.code == "CS-01")).one()
    cold_store.categories = "meat,eggs"
    db.add(cold_store)
    db.commit()
    response = api("coldclerk").post("/lots", json={"material": "EGGS", "facility": "CS-01", "lot_code": "EG-X",
                                                      "quantity": "1"})
    assert response.status_code == 422 and "facility" in response.get_json()["error"]["fields"]
